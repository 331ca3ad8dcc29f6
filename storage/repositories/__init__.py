"""One repository per table group; each holds its SQL and nothing else (no decisions)."""
