"""Jobs that run scheduler and calendars work, in Celery workers or in-process."""
