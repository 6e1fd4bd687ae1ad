"""Portico — an open-source provider portal platform for health plans."""

__version__ = "0.1.0"
