"""Connect's HTML forms (input validation only; services do the writing)."""
