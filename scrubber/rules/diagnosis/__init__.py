"""Diagnosis rules."""
