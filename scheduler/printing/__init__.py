"""Printing: A4 PDFs with Chinese text (the bundled font in fonts/) for timetables and reports."""
