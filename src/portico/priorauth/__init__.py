"""Prior authorization portal."""
