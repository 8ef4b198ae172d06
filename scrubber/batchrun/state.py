"""Skip what has not changed: a re-run into the same output folder redoes only the files whose
content, run (config, payer profiles, tool version, reference data, sheet, marking) or outputs
changed since the last run there.

The output folder keeps a small state file, :data:`STATE_NAME`: the run's key and, per file
(by absolute path), the SHA-256 of its content and what it gave. A file is skipped when its
content hash and the run's key are the same, it was scrubbed without a problem, and its
outputs are still there. ``--force`` ignores the state.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, fields
from pathlib import Path

from scrubber.batchrun.inputs import STATE_NAME, Task
from scrubber.batchrun.work import Outcome
from scrubber.io.atomic import write_atomic
from scrubber.prepared import Prepared
from scrubber.version import __version__

_FORMAT = 1
_PACKAGE = Path(__file__).resolve().parent.parent


def file_hash(path: str | Path) -> str | None:
    """The SHA-256 of a file's bytes, or None when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def run_key(prepared: Prepared, sheet: str | None, mark: bool) -> str:
    """One hash of everything but the file that decides a file's outputs: the tool (version
    and code), the shipped reference data, every profile's config and the user's reference
    files' contents, the sheet asked for and whether copies are marked."""
    digest = hashlib.sha256()

    def add(text: object) -> None:
        digest.update(str(text).encode("utf-8") + b"\0")

    add(__version__)
    for path in sorted(_PACKAGE.rglob("*")):  # the code and shipped tables of this install
        if path.suffix in (".py", ".csv", ".gz", ".txt") and path.is_file():
            add(path.relative_to(_PACKAGE))
            add(file_hash(path))
    profiles = [("", prepared.default), *sorted(prepared.payers.items())]
    for name, profile in profiles:
        config = asdict(profile.config)
        add(name)
        add(json.dumps(config, sort_keys=True, default=str))
        for option in ("mue", "hcpcs", "asp", "baseline"):
            if config.get(option):
                add(file_hash(config[option]))
        for path in config.get("ncci") or ():
            add(file_hash(path))
        add(json.dumps(profile.reference.quarter, sort_keys=True))
    add(sheet)
    add(mark)
    return digest.hexdigest()


class State:
    """The output folder's record of the last runs there."""

    def __init__(self, out: str | Path, key: str) -> None:
        self.path = Path(out) / STATE_NAME
        self.key = key
        self.files: dict[str, dict[str, object]] = {}
        self.kept = True  # False: the record is not written (it would be an input)
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("format") == _FORMAT \
                and data.get("run") == key and isinstance(data.get("files"), dict):
            self.files = data["files"]

    def unchanged(self, task: Task, digest: str | None) -> Outcome | None:
        """The earlier outcome of ``task`` when it may be skipped, else None."""
        record = self.files.get(task.source)
        if digest is None or not isinstance(record, dict) or record.get("hash") != digest:
            return None
        try:
            outcome = _outcome(record["outcome"])
        except (KeyError, TypeError, ValueError):
            return None
        outputs = [p for p in (task.report, task.marked) if p]
        if task.refused or not outcome.ok or outcome.marked != task.marked \
                or outcome.report != task.report or not all(Path(p).is_file() for p in outputs):
            return None
        return Outcome(**{**asdict(outcome), "path": task.path, "skipped": True,
                          "seconds": 0.0, "by_rule": outcome.by_rule})

    def record(self, task: Task, digest: str | None, outcome: Outcome) -> None:
        if digest is None or not outcome.ok:
            self.files.pop(task.source, None)
            return
        saved = {k: v for k, v in asdict(outcome).items() if k not in ("skipped", "seconds")}
        self.files[task.source] = {"hash": digest, "outcome": saved}

    def save(self) -> None:
        if not self.kept:
            return
        data = {"format": _FORMAT, "run": self.key, "files": self.files}
        write_atomic(self.path, json.dumps(data, sort_keys=True).encode("utf-8"))


def _outcome(saved: dict[str, object]) -> Outcome:
    known = {f.name for f in fields(Outcome)}
    values = {k: v for k, v in saved.items() if k in known}
    values["by_rule"] = {name: (str(r), int(e), int(w))
                         for name, (r, e, w) in dict(values.get("by_rule") or {}).items()}
    values["failed_rules"] = tuple(values.get("failed_rules") or ())
    return Outcome(**values)
