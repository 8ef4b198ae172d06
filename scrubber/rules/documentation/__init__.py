"""Documentation rules."""
