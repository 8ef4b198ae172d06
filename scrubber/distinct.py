"""Run a cell-by-cell column function once per distinct cell value.

A charge export repeats itself: 100,000 lines hold a few hundred codes, routes and drug names
and a few thousand clock times. Regular-expression parsing (``str.extract`` runs in Python for
every cell) is the slowest part of reading a sheet, so :func:`per_value` factorises the
column, runs the function on the distinct values only and spreads the answers back to every
row. Nothing is kept between calls.

The wrapped function must be element-wise: each row's answer depends on that row's cell
alone, and it returns a Series or DataFrame on the input's index. When it does not (a
different index comes back) the wrapper calls it on the whole column instead, so a mistake
costs speed, never a wrong answer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

#: columns shorter than this are passed straight through: factorising costs more than it saves.
MIN_ROWS = 512
Out = TypeVar("Out", pd.Series, pd.DataFrame)


def per_value(func: Callable[..., Out]) -> Callable[..., Out]:
    """Decorate an element-wise ``func(values: Series, ...)`` to run once per distinct value.

    ``func.__wrapped__`` is the plain function (tests compare the two).
    """

    @functools.wraps(func)
    def wrapper(values: pd.Series, *args: Any, **kwargs: Any) -> Out:
        small, codes = _distinct(values)
        if small is None:
            return func(values, *args, **kwargs)
        out = func(small, *args, **kwargs)
        if not out.index.equals(small.index):  # not element-wise after all: the slow way
            return func(values, *args, **kwargs)
        spread = out.iloc[codes]
        spread.index = values.index
        return spread

    return wrapper


def _distinct(values: pd.Series) -> tuple[pd.Series | None, np.ndarray]:
    """(the distinct values with one missing value last, each row's position in it), or
    (None, ...) when the column is short, mostly distinct, or mixes number types that compare
    equal (True == 1 == 1.0 in Python: they would share one slot though their texts differ)."""
    if len(values) < MIN_ROWS:
        return None, np.empty(0, dtype=np.intp)
    codes, uniques = pd.factorize(values.array, use_na_sentinel=True)
    if 2 * len(uniques) > len(values):
        return None, codes
    if values.dtype == object and any(isinstance(u, _NUMBERS) for u in uniques) and sum(
            issubclass(t, _NUMBERS) for t in pd.unique(_TYPE_OF(values.to_numpy()))) > 1:
        return None, codes  # 1, 1.0 and True would share a slot; their texts differ
    codes = np.where(codes < 0, len(uniques), codes)  # missing cells: the slot after the last
    if values.dtype == object:
        cells = np.empty(len(uniques) + 1, dtype=object)
        cells[:-1] = uniques
        cells[-1] = None
        small = pd.Series(cells, dtype=object, name=values.name)
    else:
        small = pd.Series(pd.array([*uniques, None], dtype=values.dtype), name=values.name)
    return small, codes


_NUMBERS = (bool, int, float, np.bool_, np.number)
_TYPE_OF = np.frompyfunc(type, 1, 1)
