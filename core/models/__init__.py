"""Model sources."""
