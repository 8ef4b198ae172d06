"""Marked copies of scrubbed workbooks: the mark plan and the writers that paint it.

The plan is imported here; the openpyxl writer only when it is asked for, so a painter that
needs only the plan (the Excel add-in) never loads openpyxl.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrubber.mark.plan import MarkPlan, plan_marks

if TYPE_CHECKING:
    from scrubber.mark.xlsx import mark_copy, marked_path, write_marked_copy

__all__ = ["MarkPlan", "mark_copy", "marked_path", "plan_marks", "write_marked_copy"]


def __getattr__(name: str) -> object:
    if name in ("mark_copy", "marked_path", "write_marked_copy"):
        from scrubber.mark import xlsx

        return getattr(xlsx, name)
    raise AttributeError(f"module 'scrubber.mark' has no attribute {name!r}")
