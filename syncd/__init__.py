"""syncd: strength sessions planned around your runs, written into your calendar."""

__version__ = "0.1.0"
