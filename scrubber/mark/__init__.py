"""Marked copies of scrubbed workbooks."""

from scrubber.mark.xlsx import marked_path, write_marked_copy

__all__ = ["marked_path", "write_marked_copy"]
