"""Soak ``scrubber batch`` (never run by pytest, not in CI).

    python benchmarks/soak.py                        # 500 files, 10% of them bad
    python benchmarks/soak.py --files 500 --keep /tmp/soak

Makes ``--files`` exports: 90% good (``--distinct`` generated workbooks of 20 to 400 lines,
copied under other names in nested folders), 10% bad or hostile, a kind in turn: workbooks
cut short (a damaged zip), text named .xlsx, an encrypted workbook (an OLE container holding
an EncryptionInfo stream, as Office saves one with a password), empty CSV and empty .xlsx
files, sheets without a code column, a zip bomb whose declared sizes lie (its sheet holds
more rows than Excel allows, scaled small: ``--bomb-rows``), and workbooks whose cells are
Excel errors (#REF!, #N/A...: these are read, their error cells are findings). Runs
``scrubber batch`` on them in a fresh process and samples every worker's resident memory
twice a second, then checks:

* every input is in summary.json, the bad ones failed, the good and error-cell ones not;
  the exit code is 2 (a file failed);
* memory stays flat: the highest resident memory of any worker, and of the parent, over each
  stretch of ``--stretch`` files (a leak grows with the files done), printed as a table; the
  last fifth of the files against the first;
* every good file's findings (its JSON report) equal a single-file scrub of it, and its
  summary counts equal that result's;
* nothing is left behind: no temporary file anywhere under the exports or the output folder.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))


_spec = importlib.util.spec_from_file_location("make_bad", ROOT / "tests/data/bad/make_bad.py")
make_bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_bad)

#: the bad and hostile kinds, in turn; "error_cells" files are read (their errors are findings)
KINDS = ("cut", "text", "encrypted", "empty_csv", "empty_xlsx", "no_header", "bomb",
         "error_cells")
READ = ("error_cells",)
TEMP = re.compile(r"^\..+\.\d+\.[0-9a-f]{8}\.tmp$")


def encrypted(path: Path) -> Path:
    """What Office writes for a workbook saved with a password: an OLE compound file (not a
    zip) whose directory holds the EncryptionInfo and EncryptedPackage streams. A sketch of
    one: the header's signature, then the two directory entries' UTF-16 names."""
    entry = b"".join(name.encode("utf-16-le").ljust(64, b"\0") + b"\0" * 64
                     for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage"))
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + entry
                     + os.urandom(4096))
    return path


def lying_bomb(path: Path, rows: int) -> Path:
    """A workbook whose sheet XML holds ``rows`` rows (more than Excel's 1,048,576 by default)
    while its zip directory declares the part 4 KiB unpacked: a zip bomb that lies about its
    size, scaled small (one number per row; tens of MB unpacked, well under 1 MB packed)."""
    make_bad._book(path, [list(r) for r in make_bad.LINES])
    part = "xl/worksheets/sheet1.xml"

    def filler(xml: str) -> str:
        first = len(make_bad.LINES) + 2
        extra = "".join(f'<row r="{n}"><c r="A{n}"><v>1</v></c></row>'
                        for n in range(first, rows + 1))
        return xml.replace("</sheetData>", extra + "</sheetData>")

    make_bad._edit_part(path, part, filler)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as package:
        info = package.getinfo(part)
    struct.pack_into("<I", data, info.header_offset + 22, 4096)  # the local header's size
    where = data.find(b"PK\x01\x02")
    while where >= 0:  # the central directory entry of that part
        length = struct.unpack_from("<H", data, where + 28)[0]
        if data[where + 46:where + 46 + length] == part.encode():
            struct.pack_into("<I", data, where + 24, 4096)
            break
        where = data.find(b"PK\x01\x02", where + 4)
    path.write_bytes(bytes(data))
    return path


def make(folder: Path, files: int, distinct: int, bomb_rows: int
         ) -> tuple[list[Path], list[Path], list[Path]]:
    """(good, bad, read): generated exports, bad files, hostile files that are read."""
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
    bomb = bases / f"bomb_{bomb_rows}.xlsx"
    if not bomb.exists():
        lying_bomb(bomb, bomb_rows)
    errors = bases / "error_cells.xlsx"
    if not errors.exists():
        make_bad.error_cells(bases).rename(errors)
    good, bad, read = [], [], []
    rng = random.Random(7)
    for index in range(files):
        clinic = folder / "exports" / f"clinic-{index % 12:02d}" / f"day-{index % 3}"
        clinic.mkdir(parents=True, exist_ok=True)
        if index % 10 != 9:
            path = clinic / f"export_{index:04d}.xlsx"
            shutil.copy(sources[index % len(sources)], path)
            good.append(path)
            continue
        kind = KINDS[(index // 10) % len(KINDS)]
        csv = kind in ("empty_csv", "no_header")
        path = clinic / f"{kind}_{index:04d}.{'csv' if csv else 'xlsx'}"
        if kind == "cut":
            whole = rng.choice(sources).read_bytes()
            path.write_bytes(whole[: len(whole) // 3])
        elif kind == "text":
            path.write_text("not a workbook\n", encoding="utf-8")
        elif kind == "encrypted":
            encrypted(path)
        elif kind in ("empty_csv", "empty_xlsx"):
            path.write_bytes(b"")
        elif kind == "no_header":
            path.write_text("Name,Amount\nA,1\n", encoding="utf-8")
        elif kind == "bomb":
            shutil.copy(bomb, path)
        else:
            shutil.copy(errors, path)
        (read if kind in READ else bad).append(path)
    return good, bad, read


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


def run(folder: Path, out: Path, jobs: int | None
        ) -> tuple[float, list[tuple[int, dict]], str, int]:
    """The batch in a fresh process: seconds, samples of (files done, {worker pid: RSS MB}),
    its stdout and its exit code."""
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
    return took, samples, proc.stdout.read(), proc.returncode


def _peak(samples: list[tuple[int, dict]], workers: bool) -> float:
    return max((mb for _, sample in samples for key, mb in sample.items()
                if (key != "parent") == workers), default=0.0)


def memory_table(samples: list[tuple[int, dict]], files: int, stretch: int) -> list[str]:
    """The highest resident memory of any worker and of the parent per stretch of files
    done (a sample taken while file N+1 was at work belongs to the stretch of N)."""
    lines = ["| files done | samples | worker peak | parent peak |", "| --- | ---: | ---: | ---: |"]
    for first in range(0, files, stretch):
        inside = [s for s in samples if first <= s[0] < first + stretch
                  or (first + stretch >= files and s[0] >= files)]
        lines.append(f"| {first + 1}-{min(first + stretch, files)} | {len(inside)} | "
                     f"{_peak(inside, True):.0f} MB | {_peak(inside, False):.0f} MB |")
    return lines


def leftovers(*folders: Path) -> list[Path]:
    """Temporary files of ours (``.NAME.<pid>.<random>.tmp``) under the folders."""
    return [p for folder in folders for p in folder.rglob(".*") if TEMP.match(p.name)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--distinct", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--stretch", type=int, default=50,
                        help="files per line of the memory table")
    parser.add_argument("--bomb-rows", type=int, default=1_100_000,
                        help="rows in the lying zip bomb's sheet")
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="soak-"))
    good, bad, read = make(folder, args.files, args.distinct, args.bomb_rows)
    out = folder / "out"
    print(f"{len(good)} good exports, {len(bad)} bad files and {len(read)} with error cells; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    took, samples, stdout, code = run(folder, out, args.jobs)
    print(stdout.strip())
    print(f"batch: {took:.1f} s, {args.files / took:.1f} files/s, exit code {code}")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    entries = {e["path"]: e for e in summary["files"]}
    print(f"summary.json: {summary['totals']['files']} files, {summary['totals']['ok']} ok, "
          f"{summary['totals']['failed']} failed")
    reasons = {}
    for path in bad:
        reasons.setdefault(path.name.rsplit("_", 1)[0], set()).add(entries[str(path)].get(
            "reason") or entries[str(path)]["status"])
    for kind, why in sorted(reasons.items()):
        print(f"  {kind}: {'; '.join(sorted(why))}")
    assert len(entries) == args.files, "every input is in the summary"
    wrong = [str(p) for p in bad if entries[str(p)]["status"] != "failed"]
    wrong += [str(p) for p in good + read if entries[str(p)]["status"] != "ok"]
    assert not wrong, f"unexpected status: {wrong}"
    assert summary["totals"]["failed"] == len(bad)
    assert code == 2, code
    assert all(entries[str(p)]["errors"] for p in read), "error cells are findings"
    left = leftovers(folder / "exports", out)
    assert not left, f"temporary files left: {left}"
    print("\n".join(memory_table(samples, args.files, args.stretch)))
    fifth = args.files / 5
    early = [s for s in samples if s[0] <= fifth]
    late = [s for s in samples if s[0] >= 4 * fifth]
    workers = {k for _, s in samples for k in s if k != "parent"}
    print(f"worker RSS, highest over the first fifth of files: {_peak(early, True):.0f} MB; "
          f"over the last fifth: {_peak(late, True):.0f} MB; parent peak "
          f"{_peak(samples, False):.0f} MB; {len(workers)} worker processes seen")
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
