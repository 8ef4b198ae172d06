"""The limits a workbook is read within, and the one-line messages that name them.

A package is measured while it streams (:mod:`scrubber.io.unpack`), never by the sizes its
zip entries declare, and every worksheet's extent is checked before python-calamine parses
it: calamine makes one dense block of the cells' whole extent (32 bytes a cell), so a few
hundred bytes holding A1 and XFD1048576 would ask for 512 GiB and end the process.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

#: Excel's grid: a sheet has at most this many rows and columns.
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
#: read again in the same run (an .xls or .ods input's marked copy): no size limit
UNLIMITED_MB = math.inf
#: the largest unpacked workbook (or CSV file) read by default, in MiB.
DEFAULT_MAX_UNPACKED_MB = 1024
#: the option (and config key ``max_unpacked_mb``) that raises the limit.
OPTION = "--max-unpacked-mb"
#: the least XML a cell with a value takes (``<c><v>1</v></c>``): a sheet's grid (rows x
#: columns up to its last value) may hold as many cells as the size limit holds such cells,
#: so only a sheet far emptier than its size (a value placed far away) is refused.
BYTES_PER_CELL = 32


@dataclass(frozen=True)
class Limits:
    """How much of a workbook is read: its unpacked size, and the cells of a sheet's grid."""

    max_unpacked_mb: float = DEFAULT_MAX_UNPACKED_MB

    @property
    def max_bytes(self) -> int:
        return sys.maxsize if math.isinf(self.max_unpacked_mb) else int(
            self.max_unpacked_mb * 2**20)

    @property
    def max_cells(self) -> int:
        return self.max_bytes // BYTES_PER_CELL

    def size_problem(self, what: str, unpacked: int | None = None, verb: str = "unpacks to"
                     ) -> str:
        """The message for a package (or CSV file: ``verb`` "is") over the size limit;
        ``unpacked`` None when the streaming stopped at the limit."""
        size = "more than" if unpacked is None else f"{unpacked / 2**20:,.0f} MiB, over"
        return f"the {what} {verb} {size} the {self._mb()} MiB limit ({OPTION} raises it)"

    def grid_problem(self, rows: int, columns: int) -> str | None:
        """The message for a sheet whose values reach ``rows`` x ``columns``; None if fine."""
        if rows > EXCEL_ROWS:
            return (f"a worksheet has cells in row {rows:,}, past the {EXCEL_ROWS:,} rows "
                    f"Excel allows")
        if columns > EXCEL_COLUMNS:
            return (f"a worksheet has cells in column {columns:,}, past the {EXCEL_COLUMNS:,} "
                    f"columns Excel allows")
        if rows * columns > self.max_cells:
            return (f"a worksheet's values reach row {rows:,} and column {columns:,}, a grid "
                    f"of {rows * columns:,} cells, over the {self.max_cells:,} cells the "
                    f"{self._mb()} MiB limit allows ({OPTION} raises it)")
        return None

    def _mb(self) -> str:
        return f"{self.max_unpacked_mb:g}"
