"""Deflate and inflate for the package reader and writer: Intel's ISA-L (the ``isal``
package) when it is installed, else Python's zlib.

ISA-L reads and writes the same deflate streams as zlib (any reader opens what either
writes); on a 100k-line sheet (77 MB of XML) it inflates about twice as fast and compresses at
level 1 about four times as fast, to the same size. It is a dependency of the package, but
optional at run time: where no wheel is built (Pyodide, for xlwings Lite) zlib does the work.
A marked copy's bytes depend on which one wrote it; its content does not.
"""

from __future__ import annotations

try:
    from isal.isal_zlib import (  # type: ignore[import-not-found]
        DEFLATED,
        Z_SYNC_FLUSH,
        compressobj,
        crc32,
        decompressobj,
    )
    from isal.isal_zlib import IsalError as error  # type: ignore[import-not-found]

    BACKEND = "isal"
except ImportError:  # pragma: no cover - the fallback where isal has no wheel
    from zlib import DEFLATED, Z_SYNC_FLUSH, compressobj, crc32, decompressobj, error

    BACKEND = "zlib"

__all__ = ["BACKEND", "DEFLATED", "Z_SYNC_FLUSH", "compressobj", "crc32", "decompressobj",
           "error"]
