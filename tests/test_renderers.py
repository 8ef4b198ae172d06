"""Snapshot tests: every output format rendered from one shared small result.

To accept an intended change: SCRUBBER_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_renderers.py
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.chart import BarChart
from python_calamine import CalamineWorkbook
from rich._wrap import divide_line
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from scrubber import scrub
from scrubber.findings import Finding, Severity
from scrubber.render import (
    RENDERERS,
    fit_width,
    render,
    render_report,
    report_format,
    text_report,
    xlsx_report,
)
from scrubber.render.csv_report import render_csv
from scrubber.render.json_report import render_json
from scrubber.render.layout import Layout, divide, shown
from scrubber.render.text_report import render_text
from scrubber.result import FileResult, ScrubResult
from tests.conftest import HEADERS, ROWS

SNAPSHOTS = Path(__file__).parent / "snapshots"
SUFFIX = {"text": "txt", "json": "json", "csv": "csv"}


@pytest.fixture(scope="module")
def result():
    frame = pd.DataFrame(ROWS, columns=HEADERS, dtype=object)
    return scrub(frame, sheet="Export", header_row=4)


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_snapshot(result, fmt):
    path = SNAPSHOTS / f"result.{SUFFIX[fmt]}"
    text = render(result, fmt)
    if os.environ.get("SCRUBBER_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_unknown_format(result):
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render(result, "xml")


# Cell values are never read as markup (issue 8): whatever the user typed prints as typed.

MARKUP = ["Ceftriaxone [im]", "[/]", "[bold]x", "[link=http://x]y", "[red]E1[/red]", "[/bold]",
          ":pill:", "[", "a]b[c", "\\[escaped]"]
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _quoting(*texts: str) -> ScrubResult:
    """A result whose path, sheet, encounters, messages, suggestions and values are ``texts``."""
    findings = tuple(
        Finding(rule="INF004", name="missing-drug-code", severity=Severity.ERROR,
                message=f"No drug line for {text} in the encounter",
                suggestion=f"Add the code for {text}", sheet=texts[0], row=5 + i,
                column="Drug", column_letter="J", value=text, encounter=text)
        for i, text in enumerate(texts))
    return ScrubResult((FileResult(f"exports/{texts[0]}.xlsx", texts[0], 4, len(texts),
                                   findings),))


@pytest.mark.parametrize("color", [False, True], ids=["plain", "color"])
@pytest.mark.parametrize("text", MARKUP)
def test_text_report_prints_cell_values_as_typed(text, color):
    out = _ANSI.sub("", render_text(_quoting(text), width=200, color=color))
    assert f"exports/{text}.xlsx  sheet '{text}', header on row 4" in out
    assert f"No drug line for {text} in the encounter" in out
    assert f"Add the code for {text}" in out
    assert re.search(rf"^5\s+J\s+{re.escape(text)}\s+INF004 missing-drug-code\s+error\s",
                     out, re.M)


def test_text_report_keeps_its_own_styles():
    out = render_text(_quoting("[bold]x"), width=200, color=True)
    assert "\x1b[1;31merror" in out  # severity bold red, as before
    assert "\x1b[1mexports/[bold]x.xlsx\x1b[0m" in out  # the path bold, as typed
    assert re.search(r"^5 +J +\[bold\]x +INF004 missing-drug-code ", out, re.M)  # unstyled


def test_text_report_shows_control_characters_instead_of_sending_them():
    out = render_text(_quoting("E1\x1b[2J\x07\x9b"), width=200)
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "No drug line for E1\\x1b[2J\\x07\\x9b in the encounter" in out


def test_markup_snapshot():
    """Every awkward value at once, in the text report (accept changes as for the others)."""
    path = SNAPSHOTS / "markup.txt"
    text = render_text(_quoting(*MARKUP), width=120)
    if os.environ.get("SCRUBBER_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_json_report_carries_values_unchanged():
    texts = [*MARKUP, "=HYPERLINK(\"http://x\",\"y\")", "E1\x1b[2J", "-5"]
    files = json.loads(render_json(_quoting(*texts)))["files"]
    assert files[0]["sheet"] == texts[0]
    assert [f["value"] for f in files[0]["findings"]] == texts
    assert [f["encounter"] for f in files[0]["findings"]] == texts


@pytest.mark.parametrize(("value", "shown"), [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("@SUM(A1:A3)", "'@SUM(A1:A3)"),
    ("-x", "'-x"),
    ("\t=1+1", "'\t=1+1"),
    ("-5", "-5"),
    ("+1.5", "+1.5"),
    ("-1e300", "-1e300"),
    ("[bold]x", "[bold]x"),
    ("Ceftriaxone [im]", "Ceftriaxone [im]"),
    ("a=b", "a=b"),
])
def test_csv_report_never_hands_a_spreadsheet_a_formula(value, shown):
    rows = list(csv.DictReader(io.StringIO(render_csv(_quoting(value)))))
    assert [(r["value"], r["encounter"], r["sheet"]) for r in rows] == [(shown, shown, shown)]
    assert rows[0]["message"] == f"No drug line for {value} in the encounter"


# Report files by suffix, the Excel report and its round trips (issue 10).

NASTY = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "@SUM(A1:A3)", "-x", "#N/A",
         "#DIV/0!", "\t=1+1", "E1\x1b[2J\x07", "nul\x00byte", "cr\rlf\r\nend",
         "lit_x0041_", "_x005F_", "_xABCD\x01", "Méthotrexate – ünïcode 😀", " padded ", "-5",
         "x\x85y\x9b\x7f", "_x0080_"]
#: not text at all: the Excel report holds U+FFFD for these
NOT_TEXT = ["\ufffeX\uffff", "lone \ud800 surrogate"]


def _ooxml_decode(text):
    """How Excel reads stored text: ``_xHHHH_`` is the character HHHH (openpyxl does not)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def _expected_rows(result):
    """The JSON report's findings as the Excel report's rows, in its column order."""
    from scrubber.render.xlsx_report import FIELDS

    files = json.loads(render_json(result))["files"]
    return [[{"path": f["path"], "sheet": f["sheet"], **finding}[key] for key, _, _ in FIELDS]
            for f in files for finding in f["findings"]]


def _openpyxl_rows(data, sheet="Findings"):
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [[_ooxml_decode(v) if isinstance(v, str) else v for v in row]
            for row in book[sheet].iter_rows(values_only=True)]


def _calamine_rows(data, sheet="Findings"):
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [[None if v == "" else int(v) if isinstance(v, float) and v.is_integer() else v
             for v in row] for row in book.get_sheet_by_name(sheet).to_python()]


@pytest.mark.parametrize(("name", "fmt"), [("r.json", "json"), ("r.CSV", "csv"),
                                           ("out/r.txt", "text"), ("r.xlsx", "xlsx")])
def test_report_format_follows_the_suffix(name, fmt):
    assert report_format(name) == fmt


@pytest.mark.parametrize("name", ["r.xls", "r.pdf", "r", "r.log", "r.xlsm", "r.json.bak"])
def test_any_other_report_suffix_is_refused_with_the_supported_ones(name):
    with pytest.raises(ValueError, match=r"\.json, \.csv, \.txt, \.xlsx$"):
        report_format(name)


def test_csv_report_file_starts_with_a_byte_order_mark():
    result = _quoting("Méthotrexate", "=1+1")
    data = render_report(result, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].decode("utf-8") == render_csv(result)  # formula-neutralised as before
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["value"] for r in rows] == ["Méthotrexate", "'=1+1"]
    assert render_report(result, "json").decode("utf-8") == render_json(result)


@pytest.mark.parametrize("texts", [None, NASTY], ids=["shared", "nasty"])
def test_xlsx_report_reads_back_as_the_json_findings(result, texts):
    result = result if texts is None else _quoting(*texts)
    data = render_report(result, "xlsx")
    from scrubber.render.xlsx_report import FIELDS

    header = [h for _, h, _ in FIELDS]
    expected = [header, *_expected_rows(result)]
    assert _openpyxl_rows(data) == expected
    assert _calamine_rows(data) == expected
    if texts is not None:
        assert [row[9] for row in expected[1:]] == texts  # the values themselves, unchanged


def test_xlsx_report_holds_a_replacement_character_for_what_is_not_text():
    result = _quoting(*NOT_TEXT)
    data = render_report(result, "xlsx")
    expected = [[re.sub("[\ud800-\udfff\ufffe\uffff]", "\ufffd", v) if isinstance(v, str)
                 else v for v in row] for row in _expected_rows(result)]
    assert expected[0][9] == "\ufffdX\ufffd"
    assert _openpyxl_rows(data)[1:] == _calamine_rows(data)[1:] == expected


def test_xlsx_report_never_holds_a_formula_or_an_error_value():
    data = render_report(_quoting(*NASTY), "xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        sheet = package.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet and 't="e"' not in sheet
    cells = openpyxl.load_workbook(io.BytesIO(data))["Findings"]
    assert {c.data_type for row in cells.iter_rows(min_row=2) for c in row
            if c.column_letter != "C"} == {"s"}


def test_xlsx_report_has_a_findings_table_a_rule_summary_and_a_bar_chart(result):
    book = openpyxl.load_workbook(io.BytesIO(render_report(result, "xlsx")))
    assert book.sheetnames == ["Findings", "Summary"]
    findings, summary = book["Findings"], book["Summary"]
    table = findings.tables["Findings"]
    assert (table.ref, table.autoFilter.ref, table.headerRowCount) == ("A1:L5", "A1:L5", 1)
    assert [c.name for c in table.tableColumns] == [c.value for c in findings[1]]
    assert findings.freeze_panes == "A2"
    rules = summary.tables["RuleSummary"]
    assert (rules.ref, rules.autoFilter.ref) == ("A1:E5", "A1:E5")
    per_rule = {row[1]: row[4] for row in summary.iter_rows(min_row=2, max_row=5,
                                                            values_only=True)}
    assert per_rule == result.summary()["by_rule"]
    assert [row[:2] for row in summary.iter_rows(min_row=7, max_row=11, values_only=True)] == [
        ("Files", 1), ("Lines", 6), ("Skipped rows", 0), ("Errors", 4), ("Warnings", 0)]
    (chart,) = summary._charts
    assert isinstance(chart, BarChart) and chart.type == "bar"
    (series,) = chart.series
    assert series.val.numRef.f == "'Summary'!$E$2:$E$5"
    assert series.cat.numRef.f == "'Summary'!$B$2:$B$5"


def test_xlsx_report_of_a_clean_run_has_an_empty_table_and_no_chart():
    clean = ScrubResult((FileResult("clean.xlsx", "Charges", 1, 3, ()),))
    data = render_report(clean, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book["Findings"].tables["Findings"].ref == "A1:L2"
    assert _calamine_rows(data)[1:] == []
    assert book["Summary"]._charts == []
    assert book["Summary"]["A4"].value == "Files" and book["Summary"]["B4"].value == 1


def test_xlsx_report_continues_on_another_sheet_past_the_row_limit(monkeypatch):
    monkeypatch.setattr(xlsx_report, "SHEET_ROWS", 4)
    many = _quoting(*(f"E{i}" for i in range(10)))
    data = render_report(many, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Findings", "Findings 2", "Findings 3", "Summary"]
    assert [book[s].tables.items()[0][0] for s in book.sheetnames[:3]] == [
        "Findings", "Findings2", "Findings3"]
    rows = [row for s in book.sheetnames[:3] for row in _calamine_rows(data, s)[1:]]
    assert rows == _expected_rows(many)


@given(st.text())
def test_ooxml_text_reads_back_as_written(text):
    stored = xlsx_report.ooxml_text(text)
    assert _ooxml_decode(stored) == text
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\r\ud800-\udfff\ufffe\uffff]", stored)


def test_text_past_the_cell_limit_is_cut_and_marked():
    for text in ("x" * 40_000, "\x01" * 10_000, "ab" * 16_384):
        stored = xlsx_report.ooxml_text(text)
        assert len(stored) <= 32_767 and _ooxml_decode(stored).endswith("…")
        assert text.startswith(_ooxml_decode(stored)[:-1])
    assert xlsx_report.ooxml_text("y" * 32_767) == "y" * 32_767


@pytest.mark.skipif(shutil.which("soffice") is None and not os.environ.get("CI"),
                    reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_libreoffice_reads_the_xlsx_report_as_the_json_findings(tmp_path):
    assert shutil.which("soffice"), "CI must install LibreOffice (see .ci/run)"
    result = _quoting(*[t for t in NASTY if "\x00" not in t])  # LO's CSV export stops at NUL
    (tmp_path / "report.xlsx").write_bytes(render_report(result, "xlsx"))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir",
                    str(tmp_path / "lo"), str(tmp_path / "report.xlsx")],
                   check=True, capture_output=True, timeout=180)
    with open(tmp_path / "lo" / "report.csv", encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    # a cell's line breaks are paragraph breaks to LibreOffice, which it writes back as \n
    expected = [["" if v is None else re.sub(r"\r\n?", "\n", str(v)) for v in row]
                for row in _expected_rows(result)]
    assert rows[1:] == expected


# The text report fits the width it is given (a terminal's, COLUMNS, or 100).

LONG = Finding(rule="INF010", name="hydration-not-separately-billable", severity=Severity.WARNING,
               message="96360 hydration on row 12 runs alongside the chemotherapy infusion "
                       "96413 and is not separately billable under NCCI", suggestion=None,
               sheet="Charges", row=1_048_576, column="CPT/HCPCS", column_letter="XFD",
               value="96360", encounter="V2600007-ENCOUNTER-WITH-A-LONG-ID")


@pytest.mark.parametrize("width", [40, 50, 60, 80, 100, 106, 120])
def test_text_report_fits_its_width_and_never_splits_a_word(result, width):
    both = ScrubResult((*result.files, FileResult("long.xlsx", "Charges", 1, 1, (LONG,))))
    out = render_text(both, width=width)
    assert max(len(line) for line in out.splitlines()) <= width
    words = set(out[:out.rindex("Summary")].split())  # the summary repeats each rule name
    for finding in both.findings:
        text = f"{finding.rule} {finding.name} {finding.message} {finding.suggestion or ''}"
        assert set(text.split()) <= words, width
    assert re.search(r"^  row 1048576, col XFD\b|^1048576 +XFD ", out, re.M)


def test_text_report_is_a_table_when_wide_and_blocks_when_narrow(result):
    wide, narrow = render_text(result, width=140), render_text(result, width=80)
    assert re.search(r"^Row +Col +Encounter +Rule +Severity +Message +Suggestion$", wide, re.M)
    assert re.search(r"^  row 8, col I  E200  INF003 push-billed-as-infusion  error$", narrow,
                     re.M)
    assert "      Suggestion: Bill 96375 (IV push of a new drug after the initial service)\n" \
        in narrow


def test_text_width_follows_columns_then_the_terminal_then_100(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert fit_width(io.StringIO()) == fit_width(None) == 100
    monkeypatch.setenv("COLUMNS", "73")
    assert fit_width(io.StringIO()) == fit_width(None) == 73
    monkeypatch.setenv("COLUMNS", "12")
    assert fit_width(None) == 40  # narrower than anything reads well
    monkeypatch.setenv("COLUMNS", "wide")
    assert fit_width(None) == 100


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal (POSIX)")
def test_text_width_is_the_terminals(monkeypatch):
    import fcntl
    import struct
    import termios

    monkeypatch.delenv("COLUMNS", raising=False)
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 87, 0, 0))
    with os.fdopen(leader, "rb"), os.fdopen(follower, "w") as terminal:
        assert fit_width(terminal) == 87


# The findings are laid out with str methods (scrubber.render.layout) instead of a rich Table,
# which took seconds for a large export; what they show is what rich drew.

#: plain words, hyphens and runs of spaces (wrapped by the layout itself), then anything
#: (wrapped by rich).
_ASCII = st.text(st.sampled_from("abcdefgh-.[]'  "), max_size=60)
_ANY = st.text(st.sampled_from([*"ab -", "\t", "\n", "é", "😀", "中", "\u0301", "\u200b",
                                "\xa0", "\u2028", "\u3000"]), max_size=40)
_AWKWARD = st.one_of(_ASCII, _ANY, st.lists(st.text("abcdefghij-", max_size=30),
                                            max_size=20).map(" ".join))


def _console(width=100):
    return Console(file=io.StringIO(), width=width, highlight=False, emoji=False, markup=False)


@given(st.one_of(_ASCII, _ANY), st.integers(1, 30))
def test_text_wraps_as_rich_wraps_it(text, width):
    console = _console()
    layout = Layout(console)
    plain = [line.plain for line in Text(text).wrap(console, width, justify="default")]
    assert layout.lines(text, width) == plain
    cell = [line.plain for line in Text(text).wrap(console, width, justify="left",
                                                   overflow="fold")]
    assert layout.cell(text, width) == cell
    fixed = [line.plain for line in Text(text).wrap(console, width, justify="left",
                                                    overflow="ellipsis", no_wrap=True)]
    assert layout.cell(text, width, fixed=True) == fixed


@given(_ASCII.filter(lambda t: t.isprintable()), st.integers(1, 30))
def test_line_breaks_are_richs(text, width):
    assert divide(text, width) == divide_line(text, width)


def _cells(f):
    return (str(f.row), shown(f.column_letter), shown(f.encounter), shown(f"{f.rule} {f.name}"),
            f.severity.value, shown(f.message), shown(f.suggestion))


def _rich_table(findings, widths, width):
    """The findings table as rich draws it with these column widths (what the report was)."""
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for header, column_width, fixed in zip(text_report._HEADERS, widths, text_report._FIXED,
                                           strict=True):
        table.add_column(header, width=column_width, no_wrap=fixed,
                         overflow="ellipsis" if fixed else "fold")
    for f in findings:
        table.add_row(*map(Text, _cells(f)))
    return _rich_text(table, width=width)


def _rich_blocks(findings, width):
    """The findings as rich drew them one block each on a narrow width."""
    blocks = []
    for f in findings:
        column = f", col {shown(f.column_letter)}" if f.column_letter else ""
        blocks.append(Padding(Text(f"row {f.row}{column}  {shown(f.encounter)}  "
                                   f"{shown(f'{f.rule} {f.name}')}  {f.severity.value}"),
                              (0, 0, 0, 2)))
        blocks.append(Padding(Text(shown(f.message)), (0, 0, 0, 6)))
        if f.suggestion:
            blocks.append(Padding(Text("Suggestion: " + shown(f.suggestion)), (0, 0, 0, 6)))
    return _rich_text(*blocks, width=width)


def _rich_text(*renderables, width):
    console = _console(width)
    for renderable in renderables:
        console.print(renderable)
    return "".join(line.rstrip() + "\n" for line in console.file.getvalue().splitlines())


def _layout_text(findings, width):
    """The findings part of the text report (table or blocks), and the table's widths."""
    layout = Layout(_console(width))
    widths = text_report._table_widths(text_report._columns(findings, layout), width, layout)
    if widths is None:
        lines = text_report._finding_blocks(findings, width, layout, text_report._plain)
    else:
        lines = text_report._findings_table(findings, widths, layout, text_report._plain)
    return text_report._text(lines, odd_space=layout.odd_space), widths


_FINDINGS = st.lists(st.builds(
    Finding, rule=st.sampled_from(["INF001", "INF010"]),
    name=st.sampled_from(["missing-time", "hydration-not-separately-billable"]),
    severity=st.sampled_from(list(Severity)), message=_AWKWARD,
    suggestion=st.one_of(st.none(), _AWKWARD), sheet=st.just("Charges"),
    row=st.integers(1, 1_048_576), column=st.just("Drug"),
    column_letter=st.one_of(st.none(), st.sampled_from(["J", "XFD"])), value=st.none(),
    encounter=st.one_of(st.none(), _AWKWARD, st.just("E1\x1b[2J\x07"))), min_size=1, max_size=6)


@settings(deadline=None)
@given(_FINDINGS, st.integers(40, 220))
def test_findings_show_as_rich_drew_them(findings, width):
    lines, widths = _layout_text(findings, width)
    if widths is None:
        assert lines == _rich_blocks(findings, width)
    else:
        assert lines == _rich_table(findings, widths, width)


@pytest.mark.parametrize("width", [100, 160])
def test_thousands_of_findings_show_as_rich_drew_them(result, width):
    """A large report (blocks at 100, a table at 160), every line as rich drew it."""
    findings = [replace(f, row=10 + i, encounter=f"V{2_600_000 + i // 3}")
                for i, f in enumerate(result.findings * 750)]
    findings += [replace(LONG, row=7), replace(LONG, message="E1\x1b[2J" + "x" * 300)]
    lines, widths = _layout_text(findings, width)
    assert (widths is None) == (width == 100)
    expected = (_rich_blocks(findings, width) if widths is None
                else _rich_table(findings, widths, width))
    assert lines.count("\n") > 3 * len(findings) and lines == expected


@pytest.mark.parametrize("width", [1, 39, 40, 41, 400, 1000])
def test_very_narrow_and_very_wide_reports_fit(result, width):
    both = ScrubResult((*result.files, FileResult("long.xlsx", "Charges", 1, 1, (LONG,))))
    out = render_text(both, width=width)
    assert max(len(line) for line in out.splitlines()) <= max(width, 40)
    table = re.search(r"^Row +Col +Encounter +Rule +Severity +Message +Suggestion$", out, re.M)
    assert bool(table) == (width >= 400)
    for finding in both.findings:
        assert " ".join(finding.message.split()[:3]) in " ".join(out.split())


@pytest.mark.parametrize("width", [40, 100, 200])
def test_escape_sequences_in_cells_never_reach_the_terminal(width):
    texts = ["E1\x1b[2J\x07", "\x1b]0;title\x07" + "y" * 120, "x\x85y\x9b\x7f"]
    out = render_text(_quoting(*texts), width=width)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", out)
    assert "\\x1b[2J\\x07" in out and "\\x9b\\x7f" in out


# JSON and CSV of a large result: the same text as json.dumps and csv.DictWriter write.

_JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text())
_JSON = st.recursive(_JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner), st.dictionaries(st.one_of(st.text(), st.integers()), inner)), max_leaves=30)
_RECORDS = st.lists(st.dictionaries(st.text(), _JSON_SCALARS, min_size=1))


@given(st.one_of(_JSON, _RECORDS, st.dictionaries(st.text(), _RECORDS)))
def test_json_text_is_json_dumps_with_an_indent(value):
    from scrubber.render.json_report import dumps

    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


def _many(result):
    """Thousands of findings, with every awkward value among them."""
    texts = [*NASTY, *NOT_TEXT, *MARKUP, "{", "},\n{", '"}', "\\"]
    return ScrubResult((*result.files, *_quoting(*texts).files,
                        FileResult("many.xlsx", "Charges", 1, 9_000, tuple(
                            replace(f, row=10 + i, encounter=f"V{i // 3}", value=texts[i % 32])
                            for i, f in enumerate(result.findings * 1500)))),
                       reference=result.reference)


def test_json_of_thousands_of_findings_is_json_dumps(result):
    many = _many(result)
    assert render_json(many) == json.dumps(many.to_dict(), indent=2, ensure_ascii=False) + "\n"


def test_csv_of_thousands_of_findings_has_every_field(result):
    many = _many(result)
    from scrubber.render.csv_report import COLUMNS, inert

    out = io.StringIO()
    # "\r\n" so that a field with a bare carriage return is quoted; records end in "\n"
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for file in many.files:
        for finding in file.findings:
            row = {"path": file.path, "sheet": file.sheet, **finding.to_dict()}
            writer.writerow({key: inert(value) for key, value in row.items()})
    assert render_csv(many) == out.getvalue().replace("\r\n", "\n")
    assert len(list(csv.reader(io.StringIO(render_csv(many))))) == 1 + sum(
        len(f.findings) for f in many.files)
