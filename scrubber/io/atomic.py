"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``; a
    failed write leaves the old file as it was. The file gets the umask's usual mode."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            if hasattr(os, "fchmod"):  # mkstemp's 0600 would otherwise stay on the file
                mask = os.umask(0o022)
                os.umask(mask)
                os.fchmod(stream.fileno(), 0o666 & ~mask)
            stream.write(data)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
