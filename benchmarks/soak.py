"""Soak ``scrubber batch`` (never run by pytest, not in CI).

    python benchmarks/soak.py                        # 500 files, 10% of them bad
    python benchmarks/soak.py --files 500 --keep /tmp/soak

Makes ``--files`` exports: 90% good (``--distinct`` generated workbooks and CSVs of 20 to 400
lines, copied under other names in nested folders), 10% bad (workbooks cut short, text named
.xlsx, empty CSVs, sheets without a code column). Runs ``scrubber batch`` on them in a fresh
process and samples every worker's resident memory twice a second, then checks:

* every input is in summary.json, the bad ones failed, the good ones not;
* memory stays flat: each worker's resident memory over the last fifth of the files against
  the first fifth (a leak grows with the files done);
* every good file's findings (its JSON report) equal a single-file scrub of it, and its
  summary counts equal that result's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))


def make(folder: Path, files: int, distinct: int) -> tuple[list[Path], list[Path]]:
    import generate

    bases = folder / "_bases"
    bases.mkdir(parents=True, exist_ok=True)
    sources = []
    for index in range(distinct):
        path = bases / f"base_{index:03d}.xlsx"
        if not path.exists():
            rng = random.Random(500 + index)
            lines = generate.build_lines(rng, rng.randint(5, 100))
            generate.plant_errors(lines, rng)
            generate.write_export(lines, path, rng, synonyms=bool(index % 2), title="Soak")
        sources.append(path)
    good, bad = [], []
    rng = random.Random(7)
    for index in range(files):
        clinic = folder / "exports" / f"clinic-{index % 12:02d}" / f"day-{index % 3}"
        clinic.mkdir(parents=True, exist_ok=True)
        if index % 10 == 9:
            kind = (index // 10) % 4
            path = clinic / f"bad_{index:04d}.{'csv' if kind == 2 else 'xlsx'}"
            whole = rng.choice(sources).read_bytes()
            if kind == 0:
                path.write_bytes(whole[: len(whole) // 3])
            elif kind == 1:
                path.write_text("not a workbook\n", encoding="utf-8")
            elif kind == 2:
                path.write_text("", encoding="utf-8")
            else:
                path = path.with_suffix(".csv")
                path.write_text("Name,Amount\nA,1\n", encoding="utf-8")
            bad.append(path)
        else:
            path = clinic / f"export_{index:04d}.xlsx"
            shutil.copy(sources[index % len(sources)], path)
            good.append(path)
    return good, bad


def _rss(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def run(folder: Path, out: Path, jobs: int | None) -> tuple[float, list[tuple[int, dict]], str]:
    """The batch in a fresh process; samples of (files done, {worker pid: RSS MB})."""
    argv = [sys.executable, "-m", "scrubber", "batch", str(folder / "exports"), "--out",
            str(out), "--force"] + (["--jobs", str(jobs)] if jobs else [])
    log = open(out.with_suffix(".log"), "w", encoding="utf-8")
    # read through a handle of its own: seeking the child's would move where it writes
    reader = open(out.with_suffix(".log"), encoding="utf-8")
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=log, text=True)
    samples = []
    while proc.poll() is None:
        time.sleep(0.5)
        reader.seek(0)
        done = sum(1 for line in reader if line.startswith("["))
        workers = {}
        for child in _children(proc.pid):  # the forkserver and, under it, the workers
            for worker in _children(child):
                workers[worker] = _rss(worker)
        samples.append((done, {"parent": _rss(proc.pid), **workers}))
    took = time.perf_counter() - start
    log.close()
    reader.close()
    return took, samples, proc.stdout.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--distinct", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="soak-"))
    good, bad = make(folder, args.files, args.distinct)
    out = folder / "out"
    print(f"{len(good)} good and {len(bad)} bad exports; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    took, samples, stdout = run(folder, out, args.jobs)
    print(stdout.strip())
    print(f"batch: {took:.1f} s, {args.files / took:.1f} files/s")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    entries = {e["path"]: e for e in summary["files"]}
    assert len(entries) == args.files, "every input is in the summary"
    assert all(entries[str(p)]["status"] == "failed" for p in bad)
    assert all(entries[str(p)]["status"] == "ok" for p in good)
    # memory: per worker, the first fifth of the files against the last fifth
    fifth = args.files / 5
    early = [s for d, s in samples if d <= fifth]
    late = [s for d, s in samples if d >= 4 * fifth]
    peak = lambda ss, key: max((s[key] for s in ss if key in s), default=0.0)  # noqa: E731
    workers = sorted({k for _, s in samples for k in s if k != "parent"})
    parent = peak([s for _, s in samples], "parent")
    early_max = max((peak(early, w) for w in workers), default=0.0)
    late_max = max((peak(late, w) for w in workers), default=0.0)
    print(f"worker RSS, highest over the first fifth of files: {early_max:.0f} MB; over the "
          f"last fifth: {late_max:.0f} MB; parent peak {parent:.0f} MB; "
          f"{len(workers)} worker processes seen")
    # every good file's result equals its single-file result
    from scrubber import scrub
    from scrubber.prepared import prepare

    prepared = prepare()
    singles: dict[bytes, dict] = {}
    for path in good:
        content = path.read_bytes()
        if content not in singles:
            singles[content] = scrub(path, prepared).files[0].to_dict()
        expected, entry = singles[content], entries[str(path)]
        report = json.loads((out / entry["report"]).read_text(encoding="utf-8"))["files"][0]
        assert report["findings"] == expected["findings"], path
        assert entry["rows"] == expected["rows"], path
        assert entry["errors"] + entry["warnings"] == len(expected["findings"]), path
    print(f"every good file's findings equal its single-file run ({len(good)} files, "
          f"{len(singles)} distinct)")
    if args.keep is None:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
