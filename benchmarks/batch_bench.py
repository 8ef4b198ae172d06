"""Measure ``scrubber batch`` (never run by pytest).

    python benchmarks/batch_bench.py                  # 20 exports of ~3,000 lines, --jobs 1 vs 2
    python benchmarks/batch_bench.py --files 20 --encounters 750 --keep /tmp/batch20

* speed-up: ``scrubber batch FOLDER --out OUT --force --quiet`` end to end in a fresh process
  (start-up, workers, marked copies, reports and the summary included), ``--jobs 1`` against
  ``--jobs 2``, best of ``--tries``;
* per-file fixed cost: a batch of ``--small`` exports of about 20 lines against a batch of one
  such export, ``--jobs 1``: (difference) / (files - 1) is what each more file costs when there
  is almost nothing in it to check.

The exports come from ``samples/generate.py`` (seeded), errors planted. Seconds depend on the
machine and its load; compare the ratio.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "samples"))


def make(folder: Path, files: int, encounters: int, seed: int = 0) -> None:
    import generate

    folder.mkdir(parents=True, exist_ok=True)
    for index in range(files):
        path = folder / f"export_{index:03d}.xlsx"
        if path.exists():
            continue
        rng = random.Random(seed + index)
        lines = generate.build_lines(rng, encounters)
        generate.plant_errors(lines, rng)
        generate.write_export(lines, path, rng, synonyms=bool(index % 2), title="Batch export")


def batch(folder: Path, out: Path, *args: str) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "scrubber", "batch", str(folder), "--out",
                           str(out), "--force", "--quiet", "--exit-zero", *args], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True)
    took = time.perf_counter() - start
    if done.returncode not in (0,):
        raise RuntimeError(done.stderr[-2000:])
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--encounters", type=int, default=750, help="about 4 lines each")
    parser.add_argument("--small", type=int, default=60)
    parser.add_argument("--tries", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="batch-bench-"))
    big, small, one = work / "big", work / "small", work / "one"
    make(big, args.files, args.encounters)
    make(small, args.small, 5, seed=1000)
    one.mkdir(exist_ok=True)
    shutil.copy(small / "export_000.xlsx", one / "export_000.xlsx")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    times = {}
    for jobs in (1, 2):
        times[jobs] = min(batch(big, work / f"out{jobs}", "--jobs", str(jobs))
                          for _ in range(args.tries))
        print(f"{args.files} exports of ~{args.encounters * 4} lines, --jobs {jobs}: "
              f"{times[jobs]:.2f} s")
    print(f"speed-up --jobs 2 over --jobs 1: {times[1] / times[2]:.2f}x")
    many = min(batch(small, work / "out-small", "--jobs", "1") for _ in range(args.tries))
    single = min(batch(one, work / "out-one", "--jobs", "1") for _ in range(args.tries))
    print(f"{args.small} small exports, --jobs 1: {many:.2f} s; one: {single:.2f} s; "
          f"per further file: {(many - single) / (args.small - 1) * 1000:.0f} ms")
    if args.keep is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
