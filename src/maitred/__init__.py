"""maitred: a table-assignment engine and staff tool for restaurants."""

__version__ = "0.1.0"
