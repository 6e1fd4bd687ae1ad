"""Claims Online Portal."""
