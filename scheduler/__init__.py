"""Domain model and database, school calendar, dataset import/export, solver and plans.

This layer knows nothing of Celery, HTTP or iCalendar.
"""
