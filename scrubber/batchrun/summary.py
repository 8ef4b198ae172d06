"""The batch summary: ``summary.json``'s shape, made from every file's outcome.

Per file (in input order): path, status (``ok`` or ``failed``), rows, errors, warnings, counts
by rule, the failure reason, where its marked copy and report went (relative to the output
folder). Totals: files, ok, failed, rows, errors, warnings, per rule (ID, name, errors,
warnings, findings, files) and the exit code. Then the config the run used and the reference
data. What belongs to one run (timings, the backend, the files skipped as unchanged) is kept
under ``run``, out of the per-file entries and totals, so every run of one batch (in a pool,
on a cluster, a re-run that skips) gives equal ones.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from scrubber.batchrun.work import Outcome
from scrubber.prepared import Prepared
from scrubber.version import __version__


def exit_code(outcomes: Sequence[Outcome]) -> int:
    """2 if any file could not be read (or written, or a rule could not run on it), else 1 if
    any error finding, else 0."""
    if any(not o.ok or o.failed_rules for o in outcomes):
        return 2
    return 1 if any(o.errors for o in outcomes) else 0


def file_entry(outcome: Outcome, out: Path) -> dict[str, object]:
    return {
        "path": outcome.path,
        "status": "ok" if outcome.ok else "failed",
        "reason": outcome.reason,
        "rows": outcome.rows,
        "errors": outcome.errors,
        "warnings": outcome.warnings,
        "by_rule": {name: {"rule": rule, "errors": e, "warnings": w, "findings": e + w}
                    for name, (rule, e, w) in sorted(outcome.by_rule.items())},
        "failed_rules": list(outcome.failed_rules),
        "marked_copy": _relative(outcome.marked, out),
        "report": _relative(outcome.report, out),
    }


def _relative(path: str | None, out: Path) -> str | None:
    if path is None:
        return None
    try:
        return Path(os.path.relpath(path, out)).as_posix()
    except ValueError:  # another drive
        return path


def rule_totals(outcomes: Sequence[Outcome]) -> list[dict[str, object]]:
    """Per rule over the batch, most findings first: ID, name, errors, warnings, findings and
    the number of files it was found in."""
    totals: dict[str, list] = {}
    for outcome in outcomes:
        for name, (rule, errors, warnings) in outcome.by_rule.items():
            entry = totals.setdefault(name, [rule, 0, 0, 0])
            entry[1] += errors
            entry[2] += warnings
            entry[3] += 1
    rows = [{"rule": r, "name": name, "errors": e, "warnings": w, "findings": e + w,
             "files": n} for name, (r, e, w, n) in totals.items()]
    return sorted(rows, key=lambda row: (-row["findings"], row["rule"], row["name"]))


def totals(outcomes: Sequence[Outcome]) -> dict[str, object]:
    return {
        "files": len(outcomes),
        "ok": sum(o.ok for o in outcomes),
        "failed": sum(not o.ok for o in outcomes),
        "rows": sum(o.rows or 0 for o in outcomes),
        "errors": sum(o.errors for o in outcomes),
        "warnings": sum(o.warnings for o in outcomes),
        "by_rule": rule_totals(outcomes),
        "exit_code": exit_code(outcomes),
    }


def config_used(prepared: Prepared) -> dict[str, object]:
    """The config of the run and of each payer profile, as JSON values."""
    def plain(profile) -> dict[str, object]:
        values = asdict(profile.config)
        return {k: (list(v) if isinstance(v, tuple) else
                    {key: str(x) for key, x in v.items()} if isinstance(v, dict) else v)
                for k, v in values.items()}

    out = plain(prepared.default)
    if prepared.payers:
        out["payer_profiles"] = {name: plain(p) for name, p in sorted(prepared.payers.items())}
    return out


def summary(outcomes: Sequence[Outcome], out: Path, prepared: Prepared, *,
            inputs: Sequence[str], run: dict[str, object]) -> dict[str, object]:
    """``summary.json``: version, inputs, per-file entries, totals, config, reference, and the
    run's own facts under ``run``: backend, workers, seconds, and which files were skipped as
    unchanged (their entries are the last run's: a re-run's results equal a fresh run's)."""
    skipped = [o.path for o in outcomes if o.skipped]
    run = {**run, "scrubbed": sum(o.ok and not o.skipped for o in outcomes),
           "skipped": len(skipped), "skipped_files": skipped}
    return {
        "version": __version__,
        "inputs": list(inputs),
        "files": [file_entry(o, out) for o in outcomes],
        "totals": totals(outcomes),
        "config": config_used(prepared),
        "reference": dict(prepared.reference.quarter),
        "run": run,
    }

