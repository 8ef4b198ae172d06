"""The styles part of the marked copy: the original cell formats, plus the ones derived for
our fills (same number format, font, border and alignment as the cell's own; our fill)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from scrubber.mark.ooxml import Record, Unsupported

#: the most formats :meth:`Styles.prederive` adds (Excel allows about 64,000 in a workbook).
MAX_PREDERIVED = 4_000


class Styles:
    """The styles part: original formats, plus the ones derived for our fills."""

    def __init__(self, text: str, record: Record | None) -> None:
        if not text:
            raise Unsupported("the workbook has no styles part")
        if re.search(r"<\w+:styleSheet\b", text):
            raise Unsupported("prefixed styles XML")
        self.original = text
        xfs = re.search(r"<cellXfs\b[^>]*>(.*?)</cellXfs>", text, re.S)
        fills = re.search(r"<fills\b[^>]*>(.*?)</fills>", text, re.S)
        if not xfs or not fills:
            raise Unsupported("the styles part has no cell formats or fills")
        self.xfs = re.findall(r"<xf\b[^>]*?(?:/>|>.*?</xf>)", xfs.group(1), re.S)
        self.fills_count = len(re.findall(r"<fill\b", fills.group(1)))
        if record is not None:  # drop what the earlier scrub appended
            self.xfs = self.xfs[:record.xf_base]
            self.fills_count = record.fill_base
            self.original = self._rebuild(self.xfs, record.fill_base, text)
        self.xf_base, self.fill_base = len(self.xfs), self.fills_count
        self.new_fills: dict[str, int] = {}
        self.new_xfs: dict[tuple[str, str], int] = {}
        self.added: list[str] = []

    def derived(self, origin: str, fill: str, derived: dict[int, str]) -> int:
        """The format for a cell whose ``s`` was ``origin`` ("" none, "+" a new cell) with
        ``fill`` (ARGB) over it."""
        key = (origin, fill)
        if key not in self.new_xfs:
            fill_id = self.new_fills.setdefault(fill, self.fill_base + len(self.new_fills))
            base = self.xfs[int(origin)] if origin not in ("", "+") and \
                int(origin) < len(self.xfs) else self.xfs[0]
            xf = re.sub(r'\sfillId="\d+"', "", base, count=1)
            xf = re.sub(r'\sapplyFill="\w+"', "", xf, count=1)
            xf = xf.replace("<xf", f'<xf fillId="{fill_id}" applyFill="1"', 1)
            index = self.xf_base + len(self.added)
            self.added.append(xf)
            self.new_xfs[key] = index
            derived[index] = origin
        return self.new_xfs[key]

    def prederive(self, fills: Iterable[str], derived: dict[int, str]) -> bool:
        """Derive every format the marks can ask for up front, in a fixed order: each fill
        (sorted) over no format, an inserted cell, then each original format in turn.

        A large sheet is marked in two halves side by side (:mod:`scrubber.parallel`); with
        every format numbered before either half starts, each half numbers the formats it uses
        as the other does, and as one pass over the whole sheet does. False (nothing derived)
        when that would add more than :data:`MAX_PREDERIVED` formats: then formats are
        derived as the marks ask for them, and the sheet is marked in one pass.
        """
        fills = sorted(set(fills))
        origins = ["", "+", *map(str, range(self.xf_base))]
        if len(fills) * len(origins) > MAX_PREDERIVED:
            return False
        for fill in fills:
            for origin in origins:
                self.derived(origin, fill, derived)
        return True

    def text(self, record: Record) -> str:
        record.derived = dict(sorted(record.derived.items()))
        fills = "".join(f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/>'
                        f'<bgColor indexed="64"/></patternFill></fill>'
                        for rgb, _ in sorted(self.new_fills.items(), key=lambda i: i[1]))
        text = self.original
        if fills:
            text = _append(text, "fills", fills, self.fill_base + len(self.new_fills))
        if self.added:
            text = _append(text, "cellXfs", "".join(self.added), self.xf_base + len(self.added))
        return text

    def _rebuild(self, xfs: list[str], fill_base: int, text: str) -> str:
        inner = re.search(r"(<fills\b[^>]*>)(.*?)(</fills>)", text, re.S)
        kept = re.findall(r"<fill\b.*?</fill>|<fill\b[^>]*/>", inner.group(2), re.S)[:fill_base]
        text = text[:inner.start(2)] + "".join(kept) + text[inner.end(2):]
        text = _count(text, "fills", fill_base)
        inner = re.search(r"(<cellXfs\b[^>]*>)(.*?)(</cellXfs>)", text, re.S)
        text = text[:inner.start(2)] + "".join(xfs) + text[inner.end(2):]
        return _count(text, "cellXfs", len(xfs))


def _count(text: str, tag: str, count: int) -> str:
    return re.sub(rf'(<{tag}\b[^>]*?\bcount=")\d+(")', rf"\g<1>{count}\g<2>", text, count=1)


def _append(text: str, tag: str, items: str, count: int) -> str:
    text = text.replace(f"</{tag}>", f"{items}</{tag}>", 1)
    return _count(text, tag, count)
