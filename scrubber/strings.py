"""Regular-expression extraction over a text column, in compiled code where that is exact.

pandas runs ``Series.str.extract`` in Python, cell by cell, even on Arrow-backed text. Arrow's
``extract_regex`` (RE2) does the same work in C++ many times faster. The two engines agree on
ASCII text without line breaks for the patterns this package uses (``\\d``, ``\\s``, ``\\b`` and
case folding differ only beyond ASCII; Python's ``$`` also matches before a final newline), so
:func:`extract` uses Arrow only on such columns and pandas otherwise: the answer is the same
either way, only the speed differs.
"""

from __future__ import annotations

import re

import pandas as pd


def extract(text: pd.Series, pattern: str) -> pd.DataFrame:
    """``text.str.extract(pattern)`` (``expand=True``): one column per group, <NA> where the
    pattern does not match or a group took no part.

    A group that matched the empty string is also <NA> on either path: every pattern here
    has groups that match at least one character, so nothing is lost.
    """
    compiled = re.compile(pattern)
    arrow = _arrow_text(text) if compiled.groups == len(compiled.groupindex) else None
    if arrow is None:
        found = text.astype("string").str.extract(pattern, expand=True)
        return found.mask(found == "")
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        struct = pc.extract_regex(arrow, pattern=pattern)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a construct RE2 lacks
        found = text.astype("string").str.extract(pattern, expand=True)
        return found.mask(found == "")
    if isinstance(struct, pa.ChunkedArray):
        struct = struct.combine_chunks()
    names = sorted(compiled.groupindex, key=compiled.groupindex.get)
    columns = {}
    for name, child in zip(names, struct.flatten(), strict=True):
        column = pd.Series(pd.arrays.ArrowStringArray(child.cast(pa.large_string())),
                           index=text.index)
        columns[name] = column.mask(column == "")
    return pd.DataFrame(columns, index=text.index)


def _arrow_text(text: pd.Series):  # noqa: ANN202 - a pyarrow array, imported lazily
    """The column as an Arrow string array when RE2 reads it exactly as Python would (ASCII,
    no line breaks), else None."""
    import pyarrow.compute as pc

    strings = text if isinstance(text.dtype, pd.StringDtype) and text.dtype.storage == \
        "pyarrow" else None
    if strings is None:
        return None
    import pyarrow as pa

    arrow = pa.array(strings.array)  # the column's own buffers, not a copy
    if not pc.all(pc.or_kleene(pc.string_is_ascii(arrow), pc.is_null(arrow))).as_py():
        return None
    if pc.any(pc.match_substring(arrow, "\n")).as_py():
        return None
    return arrow
