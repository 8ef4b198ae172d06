"""The pandera schema of the canonical claim-line frame.

Validation is lazy: every failing cell is collected, and each failure becomes an ordinary
finding of a reserved schema rule (``code-format``, ``time-format``, ``units-format``,
``date-format``), never an exception.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pandera.pandas as pa

from scrubber.codes import CODE_PATTERN


def _strategies_without_hypothesis() -> None:
    """Load pandera's data-synthesis strategies as if hypothesis were not installed.

    pandera's validation backends import its strategies module, which imports hypothesis
    (0.2 s, a third of the first validation) when it can, only to generate test data, which
    a scrub never does. When nothing has imported hypothesis yet, it is hidden while that
    module loads, then ``import hypothesis`` works again as usual; pandera's ``strategy()``
    and ``example()`` then say hypothesis is missing in this process (a program that wants them
    imports hypothesis before the scrubber, and gets them).
    """
    if "hypothesis" in sys.modules or "pandera.strategies.pandas_strategies" in sys.modules:
        return
    sys.modules["hypothesis"] = None  # type: ignore[assignment] - import raises ImportError
    try:
        import pandera.strategies.pandas_strategies  # noqa: F401
    except ImportError:  # a pandera that needs it after all: loaded on first validation
        pass
    finally:
        if "hypothesis" in sys.modules and sys.modules["hypothesis"] is None:
            del sys.modules["hypothesis"]


_strategies_without_hypothesis()

#: the canonical field a failing schema column is about.
_FIELD_OF = {
    "code": "code",
    "units": "units",
    "start_bad": "start",
    "stop_bad": "stop",
    "service_date_bad": "service_date",
}


def _readable(what: str) -> pa.Column:
    """A parse flag column: the parser in scrubber.times set it where a cell was unreadable."""
    return pa.Column(bool, pa.Check(lambda flag: ~flag, name="readable",
                                    error=f"not a readable {what}"))


CHARGE_LINES = pa.DataFrameSchema(
    {
        "encounter": pa.Column("string", nullable=False),
        "code": pa.Column("string", pa.Check.str_matches(CODE_PATTERN), nullable=False),
        # a units cell of 400 digits reads as inf: no claim bills infinitely many units
        "units": pa.Column("float64", [pa.Check.gt(0), pa.Check(np.isfinite, name="finite")],
                           nullable=False),
        "start": pa.Column("float64", nullable=True),
        "stop": pa.Column("float64", nullable=True),
        "duration": pa.Column("float64", nullable=True),
        "start_bad": _readable("time"),
        "stop_bad": _readable("time"),
        "service_date_bad": _readable("date"),
    },
    strict=False,
    name="charge lines",
)


def schema_failures(lines: pd.DataFrame) -> pd.DataFrame:
    """Validate lazily; return one row per failing cell: index = row, columns check, field.

    Raises:
        pandera.errors.SchemaErrors: re-raised when a failure is not about a cell (a wrong
            dtype in the frame the engine built is a bug, not a user's problem).
    """
    empty = pd.DataFrame({"check": pd.Series(dtype="string"),
                          "field": pd.Series(dtype="string")})
    try:
        CHARGE_LINES.validate(lines, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        if cases["index"].isna().any():
            raise
        failures = pd.DataFrame({"check": cases["check"].astype("string"),
                                 "field": cases["column"].map(_FIELD_OF).astype("string")})
        failures.index = pd.Index(cases["index"].astype(int), name="row")
        return failures.sort_index(kind="stable")
    return empty
