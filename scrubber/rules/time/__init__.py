"""Rules about documented start and stop times."""
