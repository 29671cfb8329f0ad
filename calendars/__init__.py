"""iCalendar rendering, feed tokens and feed publication."""
