"""Marked copies of scrubbed workbooks: the mark plan and the writers that paint it."""

from scrubber.mark.plan import MarkPlan, plan_marks
from scrubber.mark.xlsx import marked_path, write_marked_copy

__all__ = ["MarkPlan", "marked_path", "plan_marks", "write_marked_copy"]
