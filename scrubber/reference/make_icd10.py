"""Make the shipped ICD-10-CM list (``icd10cm.txt.gz``) from the ``simple-icd-10-cm`` package.

    python -m scrubber.reference.make_icd10            # rewrite the shipped list
    python -m scrubber.reference.make_icd10 --check    # exit 1 if it differs from the package

Run it after upgrading ``simple-icd-10-cm`` to a new CMS release, then run
``pytest tests/test_icd10.py``, which compares every answer of the list with the package's.
The package builds a tree of the whole tabular list when imported (two seconds or more), which is
why the scrubber reads this list instead. The list's format is described in
:mod:`scrubber.reference.icd10`.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from importlib import metadata
from pathlib import Path

import simple_icd_10_cm as cm

from scrubber.reference.icd10 import _SHAPE, DATA, RELEASE_PREFIX

TARGET = Path(__file__).resolve().parent / DATA


def release() -> str:
    """The package release, as the run's report names it (``simple-icd-10-cm 1.5.0``)."""
    return f"simple-icd-10-cm {metadata.version('simple-icd-10-cm')}"


def _sources() -> str:
    """The CMS files inside the package (private names, so only informative)."""
    names = [getattr(cm.simple_icd_10_cm, name, "") for name in
             ("_all_codes_package_file_name", "_classification_data_package_file_name")]
    return ", ".join(n for n in names if n) or "unknown"


def code_lines() -> list[str]:
    """One line a code shaped like a diagnosis code, in the package's tabular order.

    Chapters and blocks (``1``, ``A00-A09``) are left out: nothing shaped like a code can name
    them. A name listed twice (a block named after its only category, such as C50) is written
    once. Raises AssertionError when a code's billable codes are not the run of billable codes
    that follows it, which the list's format relies on.
    """
    seen: set[str] = set()
    order: list[str] = []
    for code in cm.get_all_codes():
        if _SHAPE.match(code) and code not in seen:
            seen.add(code)
            order.append(code)
    billable = [code for code in order if cm.is_leaf(code)]
    lines, before = [], 0
    for code in order:
        if cm.is_leaf(code):
            lines.append(code)
            before += 1
            continue
        under = [c for c in cm.get_descendants(code) if cm.is_leaf(c)]
        assert under and billable[before:before + len(under)] == under, code
        lines.append(f"{code} {len(under)}")
    return lines


def render() -> str:
    """The list's text: a header naming the release and sources, then the codes."""
    header = [f"{RELEASE_PREFIX}{release()}",
              f"# source: the CMS ICD-10-CM files in that package ({_sources()})",
              "# made by: python -m scrubber.reference.make_icd10 (do not edit by hand)",
              "# format: a billable code alone; a code with codes under it, then how many "
              "billable codes follow it that are under it"]
    return "\n".join(header + code_lines()) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare the shipped list with the package instead of writing it")
    parser.add_argument("--out", type=Path, default=TARGET, help="where to write the list")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        shipped = gzip.decompress(args.out.read_bytes()).decode("utf-8")
        if shipped != text:
            print(f"{args.out} is not what {release()} gives: regenerate it", file=sys.stderr)
            return 1
        print(f"{args.out} matches {release()}")
        return 0
    # mtime=0: the same code set always gives the same bytes (with the same zlib)
    args.out.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    codes = sum(1 for line in text.splitlines() if not line.startswith("#"))
    print(f"wrote {args.out}: {codes} codes from {release()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
