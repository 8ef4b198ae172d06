"""Measure the scrubber's speed on generated exports (never run by pytest).

    python benchmarks/bench.py                     # one 5,000-encounter export, by stage
    python benchmarks/bench.py --files 200 --jobs 2  # a batch of small exports

Prints wall-clock seconds per stage and lines per second, and each stage as a ratio to a bare
python-calamine read of the same file measured in the same run (the ratio is what to compare
between machines and commits; seconds depend on the machine).
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scrubber.batch import BatchOptions, scrub_many  # noqa: E402
from scrubber.config import Config  # noqa: E402
from scrubber.engine import scrub_table  # noqa: E402
from scrubber.io.reader import read_table  # noqa: E402
from scrubber.mark import write_marked_copy  # noqa: E402
from scrubber.normalize import canonical_frame  # noqa: E402
from scrubber.prepared import prepare  # noqa: E402

spec = importlib.util.spec_from_file_location("generate", ROOT / "samples" / "generate.py")
generate = importlib.util.module_from_spec(spec)
sys.modules["generate"] = generate
spec.loader.exec_module(generate)


def _export(path: Path, encounters: int, seed: int) -> None:
    rng = random.Random(seed)
    lines = generate.build_lines(rng, encounters)
    generate.plant_errors(lines, rng)
    generate.write_export(lines, path, rng, synonyms=bool(seed % 2), title="Benchmark export")


def _bare_read(path: Path) -> list[list[object]]:
    """The baseline: python-calamine reading every sheet's cells, nothing else."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return [book.get_sheet_by_name(n).to_python() for n in book.sheet_names]


def _timed(label: str, func, *args, baseline: float | None = None):
    start = time.perf_counter()
    value = func(*args)
    took = time.perf_counter() - start
    ratio = f"  {took / baseline:6.1f}x bare read" if baseline else ""
    print(f"{label:<24} {took:8.3f} s{ratio}")
    return value, took


def one_file(encounters: int, folder: Path) -> None:
    path = folder / "big.xlsx"
    _export(path, encounters, 1)
    _bare_read(path)  # warm the import and the file cache for both readers alike
    _, bare = _timed("bare calamine read", _bare_read, path)
    prepared, _ = _timed("prepare (rules, tables)", prepare, Config(), baseline=bare)
    table, _ = _timed("read (header, frame)", read_table, path, baseline=bare)
    lines, _ = _timed("canonical frame", canonical_frame, table, baseline=bare)
    result, total = _timed("normalise+rules", scrub_table, table, prepared, baseline=bare)
    print(f"{'':<24} {len(lines) / total:,.0f} lines/s")
    _timed("marked copy (openpyxl)", write_marked_copy, result, path, folder / "big.out.xlsx",
           baseline=bare)
    print(f"{len(lines)} lines, {len(result.findings)} findings")


def batch(files: int, jobs: int, folder: Path) -> None:
    paths = []
    for index in range(files):
        path = folder / f"export_{index:04d}.xlsx"
        _export(path, 20, index)
        paths.append(str(path))
    options = BatchOptions(prepare(Config()), mark=False)
    start = time.perf_counter()
    result = scrub_many(paths, options, jobs)
    total = time.perf_counter() - start
    print(f"{files} files, {result.summary()['rows']} lines, jobs={jobs}: {total:.2f} s "
          f"({files / total:.1f} files/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encounters", type=int, default=5000)
    parser.add_argument("--files", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.files:
            batch(args.files, args.jobs, Path(folder))
        else:
            one_file(args.encounters, Path(folder))


if __name__ == "__main__":
    main()
