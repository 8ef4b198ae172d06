"""The shipped ICD-10-CM list gives the same verdicts as the ``simple-icd-10-cm`` package.

The package is the oracle here: ``_package_verdict`` is how the scrubber judged codes before the
list existed (through the package's own tree), and every code the package knows is judged both
ways, dotted and not, as are near misses and random code-shaped text.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from importlib import metadata, resources

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber.reference.icd10 import (
    _SHAPE,
    DATA,
    _shorten,
    code_set,
    normalise,
    parse_code_set,
    tokens,
    verdict,
)
from scrubber.reference.tables import load_reference

cm = pytest.importorskip("simple_icd_10_cm")


def _package_verdict(code: str) -> tuple[str, str]:
    """The verdict as the package gives it (the scrubber's code before the shipped list)."""
    if not _SHAPE.match(code) or not cm.is_valid_item(code):
        return "unknown", ""
    if cm.is_leaf(code):
        return "ok", ""
    return "category", _shorten([c for c in cm.get_descendants(code) if cm.is_leaf(c)])


@pytest.fixture(scope="module")
def every_code() -> list[str]:
    return cm.get_all_codes()


def _mismatches(codes) -> list[tuple[str, tuple[str, str], tuple[str, str]]]:
    found = []
    for code in codes:
        ours, theirs = verdict(code), _package_verdict(code)
        if ours != theirs:
            found.append((code, ours, theirs))
    return found


def test_every_package_code_gets_the_package_verdict(every_code):
    assert _mismatches(every_code) == []
    statuses = {verdict(code)[0] for code in every_code}
    assert statuses == {"ok", "category", "unknown"}  # chapters and blocks are not codes


def test_every_code_without_its_dot_gets_the_package_verdict(every_code):
    assert _mismatches({code.replace(".", "") for code in every_code}) == []


def test_near_misses_get_the_package_verdict(every_code):
    near = set()
    for code in every_code:
        near.update({code + "0", code + "X", code + "A", code[:-1], code.lower(),
                     code.replace(".", "") + "9", f" {code}", code[:3] + "." + code[3:]})
    near.update({"", ".", "K50.", "K5", "A00-A09", "1", "22", "QA0", "QA0.0", "U07.1"})
    assert _mismatches(near) == []


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"\A[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?\Z"))
def test_random_code_shaped_text_gets_the_package_verdict(code):
    assert verdict(code) == _package_verdict(code)


def test_the_list_names_the_release_it_came_from_and_the_run_reports_it():
    release = f"simple-icd-10-cm {metadata.version('simple-icd-10-cm')}"
    assert code_set().release == release
    # the run's report names the installed package (tables.py), which must be the list's source
    assert load_reference().quarter["icd10cm"] == code_set().release


def test_the_shipped_list_is_what_the_generator_makes_now():
    from scrubber.reference.make_icd10 import render

    shipped = resources.files("scrubber.reference").joinpath(DATA).read_bytes()
    assert gzip.decompress(shipped).decode("utf-8") == render()


def test_category_suggestions_list_its_billable_codes_in_order():
    assert verdict("K50") == ("category", "K50.00, K50.011 ... K50.919 (28 billable codes)")
    assert verdict("A00") == ("category", "A00.0, A00.1, A00.9")
    assert verdict(normalise("k5090")) == ("ok", "")
    assert verdict("k50.90") == ("unknown", "")  # verdict takes normalised codes


def test_the_table_is_immutable_and_parsed_from_the_documented_format():
    table = parse_code_set("# release: test 1\nA00 2\nA00.0\nA00.1\nB01\n")
    assert table.release == "test 1" and table.billable == ("A00.0", "A00.1", "B01")
    assert dict(table.headers) == {"A00": (0, 2)}
    with pytest.raises(TypeError):
        table.headers["X00"] = (0, 1)  # type: ignore[index]
    assert table.find("A000") == "A00.0" and table.find("A009") is None


def test_checking_a_diagnosis_never_imports_the_package():
    program = (
        "import sys, pandas as pd\n"
        "from scrubber import Config, scrub\n"
        "frame = pd.DataFrame({'Encounter ID': ['E1', 'E1'], 'CPT': ['96365', 'J1745'],"
        " 'Diagnosis': ['K50', 'k5090']})\n"
        "found = scrub(frame, Config(select=('invalid-diagnosis',))).findings\n"
        "assert [(f.row, f.message) for f in found] == "
        "[(2, 'K50 is a category, not a billable code')], found\n"
        "assert 'simple_icd_10_cm' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _tokens_row_by_row(diagnosis: pd.Series) -> pd.Series:
    """tokens() as it was before it read each distinct text once: every cell split."""
    parts = diagnosis.astype("string").str.upper().str.split(r"[,;]+", regex=True).explode()
    parts = parts[parts.notna()].str.strip()
    words = parts.str.split(r"\s+", regex=True)
    rest = words.str[1:].explode()
    rest = rest[rest.notna() & rest.str.fullmatch(r"[A-Z]\d[0-9A-Z.]*").fillna(False)
                .astype(bool)]
    found = pd.concat([words.str[0], rest]).astype("string")
    found = found[found.notna() & (found != "")]
    return found.sort_index(kind="stable").map(normalise).astype("string")


_CELL = st.one_of(st.none(), st.lists(st.sampled_from(
    ["K50", "k5090", "E11.9", "C50.911", "x", "-", "Type", "2", ",", ";", " ", "  "]),
    max_size=6).map("".join))


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3), _CELL), max_size=12))
def test_tokens_reads_each_distinct_text_once_with_the_same_result(cells):
    index = pd.MultiIndex.from_arrays([[row for row, *_ in cells], [col for _, col, _ in cells]])
    diagnosis = pd.Series([text for *_, text in cells], index=index, dtype=object)
    ours, before = tokens(diagnosis), _tokens_row_by_row(diagnosis)
    assert ours.tolist() == before.tolist()
    assert ours.index.tolist() == before.index.tolist()


def test_tokens_of_a_sheet_of_cells():
    cells = pd.DataFrame({3: ["K50, e11.9 - Type 2", None, "k5090;Z79.899 D50.9 x"],
                          4: ["K50", "", "C50.911"]}, index=[7, 5, 9]).stack()
    found = tokens(cells)
    assert list(zip(found.index.tolist(), found.tolist(), strict=True)) == [
        ((7, 3), "K50"), ((7, 3), "E11.9"), ((7, 4), "K50"),
        ((9, 3), "K50.90"), ((9, 3), "Z79.899"), ((9, 3), "D50.9"), ((9, 4), "C50.911")]
