"""Rules about which administration code was billed."""
