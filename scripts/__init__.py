"""Development scripts (scripts/translations.py is imported by the tests)."""
