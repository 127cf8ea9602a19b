"""Sinks: the calendars syncd writes sessions into."""
