"""The tool's version, in one place (reports say what produced them)."""

__version__ = "0.1.0"
