"""Measure the scrubber's speed on generated exports (never run by pytest).

    python benchmarks/bench.py                          # 10k- and 100k-line exports
    python benchmarks/bench.py --lines 1000000 --keep /tmp/exports --skip-loop
    python benchmarks/bench.py --startup                # --help, rules, the bundled sample
    python benchmarks/bench.py --files 200 --jobs 2     # a batch of small exports

For each size, in one run: the export is generated (``samples/generate.py``; ``--keep`` reuses
files from an earlier run), then measured. Above 100k lines it is not generated (openpyxl takes
more than half an hour and several GB for 1M lines) but replicated: ``benchmarks/replicate.py``
repeats the data rows of a generated 100k-line export (10k when the size is no multiple of
100k) in a new package, encounter and patient IDs suffixed per copy ("-2", "-3" ...), so 1M
lines are ten copies of the 100k export, each with its findings (about 20 s). Measured:

* a bare python-calamine read of every sheet (the floor no reader can beat), best of three, in
  a fresh process (with its peak memory: this one stays small, as a child forked from a large
  process counts the parent's resident memory in its own peak);
* the scrubber's phases in a fresh process, run as the command line runs them (the sheets
  parsed on a thread, a large file's halves side by side: ``scrubber/parallel.py``): import,
  prepare (rules, reference tables), read, normalise (canonical frame, cleaned cells), rules
  (every rule, the pandera schema the schema rules read, the findings), write (the marked
  copy), with each phase's peak memory and what stays resident after it (the table read is
  let go before the write, as in the CLI);
* end to end: ``python -m scrubber scrub FILE --out COPY --exit-zero`` in a fresh process,
  what a user waits for (start-up, imports and the text report on stdout included), and the
  same with ``--format json`` (what the text report's table costs is the difference);
* ``benchmarks/openpyxl_loop.py``: the four original checks as a plain openpyxl script.

It prints lines per second, peak memory (the child's maximum resident set), end to end over the
bare read, and the openpyxl loop over end to end. The ratios are what to compare between
machines and commits; seconds depend on the machine. ``--markdown`` also prints the README
table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
#: lines per encounter that ``samples/generate.py`` writes at these sizes (about 3.98)
LINES_PER_ENCOUNTER = 3.98
#: larger exports are made by replicating a generated one: generating 1M lines through openpyxl
#: did not finish in 27 minutes
GENERATED_MAX = 100_000
PHASES = ("import", "prepare", "read", "normalise", "rules", "write")


# --- the child processes ------------------------------------------------------------------------

def _run(argv: list[str], *, capture: bool = False) -> tuple[float, float, str]:
    """Run a fresh Python process to the end: (wall seconds, its own peak RSS in MB, its
    stdout when ``capture``, else "")."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *argv], cwd=ROOT, stderr=err,
                                stdout=out if capture else subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not all children's
        took = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n"
                               f"{err.read().decode(errors='replace')[-2000:]}")
        out.seek(0)
        return took, _megabytes(usage.ru_maxrss), out.read().decode()


def _megabytes(maxrss: int) -> float:
    return maxrss / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS


def _memory() -> tuple[float, float] | None:
    """(resident MB now, peak resident MB since the last call) on Linux, else None.

    The peak is the kernel's high-water mark, reset after reading it (``clear_refs``), so
    each phase gets its own peak; the process's peak is the largest of them."""
    try:
        status = Path("/proc/self/status").read_text()
        values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        now, peak = (int(values[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))
        Path("/proc/self/clear_refs").write_text("5")
    except (OSError, KeyError, ValueError):
        return None
    return now, peak


def phases(path: Path, out: Path) -> dict[str, object]:
    """The scrubber's phases on one file, in this (fresh) process; called by ``--phases``.

    The engine's own steps are timed by wrapping its normalising and validating functions
    (everything else ``scrub_table`` does is the rules and the findings they make), so the
    phases add up to one ordinary run; the table read is let go before the copy is written,
    as the CLI does. Memory: each phase's peak and what stays resident after it (Linux), or
    the process's peak so far (elsewhere).
    """
    times: dict[str, float] = {}
    rss: dict[str, float] = {}  # peak resident MB of (or up to) each phase
    after: dict[str, float] = {}  # resident MB when the phase is over
    _memory()

    def done(phase: str, start: float) -> float:
        times[phase] = time.perf_counter() - start
        memory = _memory()
        if memory is None:
            rss[phase] = _megabytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        else:
            after[phase], rss[phase] = memory
        return time.perf_counter()

    start = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from scrubber import engine, parallel
    from scrubber.config import Config
    from scrubber.io import workbook
    from scrubber.io.reader import read_table
    from scrubber.mark import write_marked_copy
    from scrubber.prepared import prepare
    start = done("import", start)
    prepared = prepare(Config())
    parallel.enable()  # as the command line: a large file's halves run side by side
    start = done("prepare", start)
    # as the command line: the sheets parsed on a thread, what the first scrub loads on first
    # use loaded meanwhile (here the parse starts after the imports, so less of it is hidden)
    workbook.prefetch(path)
    workbook.while_waiting(lambda: engine.warm_up(prepared))
    table = read_table(path)
    start = done("read", start)

    normalising = 0.0

    def clocked(func):
        def wrapper(*args, **kwargs):
            nonlocal normalising
            began = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                normalising += time.perf_counter() - began
        return wrapper

    # the schema's validation runs with the schema rules (beside the other rules' half on a
    # large file), so it counts among the rules
    for name in ("split_totals", "column_map", "canonical_frame", "cleaned_column"):
        setattr(engine, name, clocked(getattr(engine, name)))
    result = engine.scrub_table(table, prepared)
    del table
    start = done("rules", start)  # one high-water mark for both phases
    times["normalise"], times["rules"] = normalising, times["rules"] - normalising
    write_marked_copy(result, path, out)
    done("write", start)
    return {"lines": result.rows, "findings": len(result.findings), "times": times,
            "rss": rss, "after": after, "peak": max(rss.values())}


# --- one export ---------------------------------------------------------------------------------

def export(lines: int, folder: Path) -> Path:
    """An export of about ``lines`` lines (reused when ``folder`` already has it): generated up
    to ``GENERATED_MAX`` lines, above that a generated one of 100k lines (10k when ``lines``
    is no multiple of 100k) replicated (``benchmarks/replicate.py``)."""
    if lines > GENERATED_MAX:
        base = GENERATED_MAX if lines % GENERATED_MAX == 0 else 10_000
        times = round(lines / base)
        source = export(base, folder)
        path = folder / f"{source.stem}_x{times}.xlsx"
        if not path.exists():  # in a fresh process: this one stays small (see best_bare_read)
            print(f"replicating {source.name} {times} times ...", flush=True)
            part = path.with_name(f".{path.name}.part")
            _, peak, out = _run([str(HERE / "replicate.py"), str(source), str(part),
                                    "--times", str(times)], capture=True)
            part.replace(path)
            print(f"  {out.strip().split(': ', 1)[-1]} (peak {peak:.0f} MB)", flush=True)
        return path
    encounters = max(1, round(lines / LINES_PER_ENCOUNTER))
    path = folder / f"export_{encounters}enc.xlsx"
    if not path.exists():
        print(f"generating {path.name} ({encounters:,} encounters) ...", flush=True)
        _run([str(ROOT / "samples" / "generate.py"), "--encounters", str(encounters),
              "--out", str(path)])
    return path


def bare_read(path: Path) -> list[list[object]]:
    """The baseline: python-calamine reading every sheet's cells, nothing else."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return [book.get_sheet_by_name(n).to_python() for n in book.sheet_names]


def best_bare_read(path: Path, tries: int = 3) -> float:
    """The best of ``tries`` bare reads; called by ``--bare`` in a fresh process, so that
    the grids never swell this one (a child forked from a large process reports the
    parent's resident set as its own peak)."""
    bare_read(path)  # warm the import and the file cache, as every later reader finds it
    best = float("inf")
    for _ in range(tries):
        start = time.perf_counter()
        bare_read(path)
        best = min(best, time.perf_counter() - start)
    return best


def measure(lines: int, folder: Path, *, loop: bool) -> dict[str, object]:
    path = export(lines, folder)
    _, bare_peak, out = _run([__file__, "--bare", str(path)], capture=True)
    bare = float(out.split()[-1])
    *_, out = _run([__file__, "--phases", str(path), str(folder / "phases.xlsx")],
                   capture=True)
    inside = json.loads(out.splitlines()[-1])
    command = ["-m", "scrubber", "scrub", str(path), "--out", str(folder / "cli.xlsx"),
               "--exit-zero"]
    end_to_end, end_peak, _ = _run(command)
    json_report, _, _ = _run([*command, "--format", "json"])
    row = {"file": path.name, "size_mb": path.stat().st_size / 2**20, "bare": bare,
           "bare_peak_mb": bare_peak, "phases": inside, "end_to_end": end_to_end,
           "end_peak_mb": end_peak, "json_report": json_report}
    if loop:
        row["loop"], row["loop_peak_mb"], _ = _run([str(HERE / "openpyxl_loop.py"), str(path),
                                                 str(folder / "loop.xlsx")])
    return row


def report(row: dict[str, object]) -> None:
    inside = row["phases"]
    lines, times, rss = inside["lines"], inside["times"], inside["rss"]
    bare, end = row["bare"], row["end_to_end"]
    print(f"\n{row['file']}: {lines:,} lines, {row['size_mb']:.1f} MB, "
          f"{inside['findings']:,} findings")
    after = inside.get("after", {})
    print(f"  {'bare calamine read':<22}{bare:8.2f} s {'':16}   peak "
          f"{row['bare_peak_mb']:6.0f} MB (its own process)")
    for phase in PHASES:
        peak = "" if phase not in rss else f"   peak {rss[phase]:6.0f} MB" + (
            f", {after[phase]:6.0f} MB after" if phase in after else " so far")
        print(f"  {phase:<22}{times[phase]:8.2f} s {times[phase] / bare:6.1f}x bare read{peak}")
    work = sum(times[p] for p in PHASES if p not in ("import", "prepare"))
    print(f"  {'read..write':<22}{work:8.2f} s {work / bare:6.1f}x bare read "
          f"  {lines / work:,.0f} lines/s   peak {inside['peak']:.0f} MB")
    print(f"  {'end to end (CLI)':<22}{end:8.2f} s {end / bare:6.1f}x bare read "
          f"  {lines / end:,.0f} lines/s   peak {row['end_peak_mb']:.0f} MB")
    print(f"  {'  with --format json':<22}{row['json_report']:8.2f} s "
          f"{row['json_report'] / bare:6.1f}x bare read")
    if "loop" in row:
        print(f"  {'openpyxl row loop':<22}{row['loop']:8.2f} s   "
              f"{row['loop'] / end:6.1f}x our end to end   peak {row['loop_peak_mb']:.0f} MB")


def markdown(rows: list[dict[str, object]]) -> None:
    print("\n| phase | " + " | ".join(f"{r['phases']['lines']:,} lines" for r in rows) + " |")
    print("| --- |" + " ---: |" * len(rows))
    print("| bare python-calamine read | " + " | ".join(f"{r['bare']:.2f} s" for r in rows)
          + " |")
    for phase in PHASES:
        print(f"| {phase} | " + " | ".join(
            f"{r['phases']['times'][phase]:.2f} s" for r in rows) + " |")
    print("| **end to end** (`scrubber scrub`, fresh process) | " + " | ".join(
        f"**{r['end_to_end']:.2f} s**" for r in rows) + " |")
    print("| end to end with `--format json` (no text table) | " + " | ".join(
        f"{r['json_report']:.2f} s" for r in rows) + " |")
    print("| lines per second, end to end | " + " | ".join(
        f"{r['phases']['lines'] / r['end_to_end']:,.0f}" for r in rows) + " |")
    print("| peak memory, end to end | " + " | ".join(
        f"{r['end_peak_mb']:.0f} MB" for r in rows) + " |")
    print("| end to end / bare read | " + " | ".join(
        f"{r['end_to_end'] / r['bare']:.1f}x" for r in rows) + " |")
    if all("loop" in r for r in rows):
        print("| openpyxl row loop (`benchmarks/openpyxl_loop.py`) | " + " | ".join(
            f"{r['loop']:.1f} s" for r in rows) + " |")
        print("| openpyxl row loop / ours | " + " | ".join(
            f"{r['loop'] / r['end_to_end']:.1f}x" for r in rows) + " |")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GB, {platform.system()}, "
            f"Python {platform.python_version()}")


# --- start-up and batches -----------------------------------------------------------------------

def startup(tries: int = 3) -> None:
    """Best of ``tries`` fresh processes for the commands a user runs first."""
    sample = str(ROOT / "samples" / "infusion_export.xlsx")
    for label, argv in (("scrubber --help", ["-m", "scrubber", "--help"]),
                        ("scrubber rules", ["-m", "scrubber", "rules"]),
                        ("scrub the sample, no copy", ["-m", "scrubber", "scrub", sample,
                                                       "--no-mark", "--exit-zero"]),
                        ("python -c pass", ["-c", "pass"])):
        best = min(_run(argv)[0] for _ in range(tries))
        print(f"{label:<28}{best:6.2f} s")


def batch(files: int, jobs: int, folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    import random

    from scrubber.batch import BatchOptions, scrub_many
    from scrubber.config import Config
    from scrubber.prepared import prepare

    sys.path.insert(0, str(ROOT / "samples"))
    import generate

    paths = []
    for index in range(files):
        path = folder / f"export_{index:04d}.xlsx"
        rng = random.Random(index)
        lines = generate.build_lines(rng, 20)
        generate.plant_errors(lines, rng)
        generate.write_export(lines, path, rng, synonyms=bool(index % 2), title="Batch export")
        paths.append(str(path))
    options = BatchOptions(prepare(Config()), mark=False)
    start = time.perf_counter()
    result = scrub_many(paths, options, jobs)
    total = time.perf_counter() - start
    print(f"{files} files, {result.summary()['rows']} lines, jobs={jobs}: {total:.2f} s "
          f"({files / total:.1f} files/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[10_000, 100_000],
                        help="export sizes in lines (default: 10000 100000)")
    parser.add_argument("--keep", type=Path, help="keep generated exports here and reuse them")
    parser.add_argument("--skip-loop", action="store_true",
                        help="do not run the openpyxl row loop (slow on big files)")
    parser.add_argument("--markdown", action="store_true", help="also print the README table")
    parser.add_argument("--startup", action="store_true", help="time the first commands")
    parser.add_argument("--files", type=int, default=0, help="time a batch of small exports")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--phases", nargs=2, type=Path, metavar=("FILE", "COPY"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--bare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phases:
        print(json.dumps(phases(*args.phases)))
        return
    if args.bare:
        print(best_bare_read(args.bare))
        return
    if args.startup:
        print(machine())
        startup()
        return
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        if args.files:
            batch(args.files, args.jobs, folder)
            return
        print(machine())
        rows = []
        for lines in args.lines:
            rows.append(measure(lines, folder, loop=not args.skip_loop))
            report(rows[-1])
        if args.markdown:
            markdown(rows)


if __name__ == "__main__":
    main()
