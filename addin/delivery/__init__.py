"""Delivery of the Excel add-in: files for xlwings Lite, the classic ``.xlam``, its install.

- :mod:`addin.delivery.lite`: ``main.py``, ``requirements.txt`` and ``INSTRUCTIONS.md`` for
  xlwings Lite (and the wheel Lite installs our package from).
- :mod:`addin.delivery.xlam`: ``infusion_scrubber_excel.xlam``, xlwings' ribbon add-in template
  with our ribbon and a filled config sheet, edited inside its zip.
- :mod:`addin.delivery.install`: where Excel loads add-ins from (XLSTART), and the install.

Nothing here imports xlwings or runs in Excel: these are build steps, run by ``scrubber addin``.
The submodules import this package for the two helpers below (never the other way round).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class DeliveryError(Exception):
    """A delivery step cannot be done; the message is one line for the user."""


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    A reader (Excel loading its startup folder, say) sees the old file or the new one, never a
    half-written one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes it private; the user's default
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
