"""The HTTP application: calendar feeds, their subscribe pages, and (beside them) the admin API."""
