"""Rules about drug supply lines."""
