"""Letters and generated documents."""
