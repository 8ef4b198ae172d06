"""The user's CMS NCCI PTP edit files (--ncci, repeatable): read in the CMS layouts, applied
by ncci-ptp. Every table here is synthetic (CMS layout, made-up edits)."""

from __future__ import annotations

import datetime as dt
import json
import pickle

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from scrubber import Config, ConfigError, prepare, scrub
from scrubber.cli import app
from scrubber.config_file import load_config
from scrubber.prepared import Prepared, Profile
from scrubber.reference.drugs import drug_table
from scrubber.reference.ncci import NO_DELETION, code_numbers, code_text, load_ncci
from scrubber.reference.tables import Reference
from scrubber.rules import selected_rules

NOTICE = "CPT only copyright 2025 American Medical Association. All rights reserved."
HEADER = ["Column 1", "Column 2", "*=in existence prior to 1996", "Effective Date",
          "Deletion Date *=no data", "Modifier 0=not allowed 1=allowed 9=not applicable",
          "PTP Edit Rationale"]
#: the workbooks spread the header's words over four rows
WORKBOOK_HEADER = [
    ["Column 1", "Column 2", "*=in existence", "Effective", "Deletion", "Modifier",
     "PTP Edit Rationale"],
    [None, None, "prior to 1996", "Date", "Date", "0=not allowed", None],
    [None, None, None, None, "*=no data", "1=allowed", None],
    [None, None, None, None, None, "9=not applicable", None]]
EDITS = [["96413", "96360", "", "20100101", "*", "0", "Mutually exclusive procedures"],
         ["96365", "36000", "*", "19960101", "*", "1", "Misuse of column two code"],
         ["96365", "96372", "", "20100101", "*", "9", "Not applicable"],
         ["96374", "36410", "", "20100101", "20260101", "1", "Standards of practice"]]


def _text(tmp_path, name="ptp.txt", rows=EDITS, header=HEADER, sep="\t"):
    path = tmp_path / name
    lines = [NOTICE, "Column1/Column 2 Edits", sep.join(header)]
    lines += [sep.join(row) for row in rows]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def _csv(tmp_path, name="ptp.csv", rows=EDITS):
    path = tmp_path / name
    quoted = [[f'"{NOTICE}"'], ['"Column1/Column 2 Edits"'], [f'"{h}"' for h in HEADER]]
    quoted += [[f'"{v}"' for v in row] for row in rows]
    path.write_text("\n".join(",".join(r) for r in quoted) + "\n", encoding="utf-8")
    return path


def _xlsx(tmp_path, name="ptp.xlsx", rows=EDITS):
    """A workbook as CMS makes it: codes as text, dates as numbers, '*' as text."""
    path = tmp_path / name
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([NOTICE])
    sheet.append(["Column1/Column2 Edits"])
    for header_row in WORKBOOK_HEADER:
        sheet.append(header_row)
    for row in rows:
        sheet.append([row[0], row[1], row[2] or None, int(row[3]),
                      row[4] if row[4] == "*" else int(row[4]), int(row[5]), row[6]])
    book.save(path)
    return path


def _edits(table):
    first, second = code_text(table["column1"]), code_text(table["column2"])
    return sorted(zip(first, second, table["effective"].tolist(), table["deletion"].tolist(),
                      table["indicator"].tolist(), strict=True))


EXPECTED = [("96365", "36000", 19960101, NO_DELETION, 1),
            ("96374", "36410", 20100101, 20260101, 1),
            ("96413", "96360", 20100101, NO_DELETION, 0)]


@pytest.mark.parametrize("make", [_text, _csv, _xlsx])
def test_the_cms_layouts_are_read(tmp_path, make):
    assert _edits(load_ncci([make(tmp_path)])) == EXPECTED  # indicator 9 is left out


def test_several_files_are_one_table(tmp_path):
    first = _text(tmp_path, "ccipra-f1.txt", rows=EDITS[:2])
    second = _xlsx(tmp_path, "ccipra-f2.xlsx", rows=EDITS[2:])
    third = _csv(tmp_path, "ccipra-f3.csv", rows=EDITS[:1])  # a repeated edit counts once
    assert _edits(load_ncci([first, second, third])) == EXPECTED


def test_header_and_date_variants(tmp_path):
    header = ["Column1", "Column2", "Prior to 1996", "Effective Date", "Deletion Date",
              "Modifier Indicator", "Rationale"]
    rows = [["96413", "96360", "", "1/1/2010", "", "0", "x"],
            ["96365", "36000", "", "2010-01-01", "*=no data", "1", "x"],
            ["96374", "36410", "", "20100101", "2026-01-01", "1", "x"]]
    table = load_ncci([_text(tmp_path, rows=rows, header=header, sep=",")])
    assert _edits(table) == [("96365", "36000", 20100101, NO_DELETION, 1), *EXPECTED[1:]]


def test_workbook_dates_and_numeric_codes(tmp_path):
    path = tmp_path / "dates.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Column 1", "Column 2", "Effective Date", "Deletion Date",
                        "Modifier"])
    book.active.append([96413, 96360, dt.datetime(2010, 1, 1), "*", 0])
    book.active.append([100, "J1745", dt.datetime(2010, 1, 1), dt.datetime(2026, 4, 1), 1])
    book.save(path)
    assert _edits(load_ncci([path])) == [("00100", "J1745", 20100101, 20260401, 1),
                                         ("96413", "96360", 20100101, NO_DELETION, 0)]


def test_codes_are_numbers_both_ways():
    codes = ["96365", "J1745", "0001F", "j1745", "96365.0", None, "9636", "963650"]
    numbers = code_numbers(codes)
    assert numbers[0] != numbers[1] and numbers[1] == numbers[3] and numbers[0] == numbers[4]
    assert numbers[5] == -1 and numbers[7] == -1
    assert code_text(numbers[:3]) == ["96365", "J1745", "0001F"]
    assert code_text(numbers[6:7]) == ["09636"]  # four digits read as a number's code


@pytest.mark.parametrize(("text", "problem"), [
    ("a,b\n1,2\n", "no header row with Column 1, Column 2 and Modifier"),
    ("Column 1,Column 2,Modifier\nx,y,1\n", "no edits"),
    ("Column 1,Column 2,Modifier\n96365,36000,9\n", "no edits"),
])
def test_bad_files_are_one_line_errors_naming_them(tmp_path, text, problem):
    bad = tmp_path / "bad.csv"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=problem) as caught:
        load_ncci([bad])
    assert "NCCI PTP file" in str(caught.value) and "bad.csv" in str(caught.value)
    result = CliRunner().invoke(app, ["scrub", str(bad), "--ncci", str(bad)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "bad.csv" in result.stderr


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="NCCI PTP file .*none.txt: not found"):
        load_ncci([tmp_path / "none.txt"])


SHEET = pd.DataFrame([["E1", "2026-04-01", "96413", None], ["E1", "2026-04-01", "96360", None],
                      ["E2", "2026-04-01", "96365", None], ["E2", "2026-04-01", "36000", "XS"],
                      ["E3", "2025-06-01", "96374", None], ["E3", "2025-06-01", "36410", None]],
                     columns=["Encounter ID", "Date of Service", "CPT", "Modifier"],
                     dtype=object)


def test_command_line_takes_several_files(tmp_path):
    sheet = tmp_path / "charges.csv"
    SHEET.to_csv(sheet, index=False)
    first = _text(tmp_path, "f1.txt", rows=EDITS[:1])
    second = _xlsx(tmp_path, "f2.xlsx", rows=EDITS[3:])
    result = CliRunner().invoke(app, ["scrub", str(sheet), "--no-mark", "--format", "json",
                                      "--select", "ncci-ptp", "--ncci", str(first),
                                      "--ncci", str(second)])
    assert result.exit_code == 1, result.output
    found = [(f["row"], f["column"], f["value"]) for f in
             json.loads(result.stdout)["files"][0]["findings"]]
    assert found == [(3, "CPT", "96360"), (7, "CPT", "36410")]


def test_config_key_takes_a_file_or_a_list(tmp_path):
    path = _text(tmp_path)
    config = tmp_path / "scrubber.toml"
    config.write_text(f"ncci = ['{path.as_posix()}']\n", encoding="utf-8")
    assert load_config(config).ncci == (str(path.as_posix()),)
    assert Config(ncci=str(path)).ncci == (str(path),)
    with pytest.raises(ConfigError, match="'ncci' must be a file or a list of files"):
        Config(ncci=[3])
    findings = scrub(SHEET, Config(select=("ncci-ptp",), ncci=str(path))).findings
    assert [(f.row, f.value) for f in findings] == [(3, "96360"), (7, "36410")]


def test_a_prepared_run_carries_the_table_to_workers(tmp_path):
    prepared = prepare(Config(select=("ncci-ptp",), ncci=str(_xlsx(tmp_path))))
    again = pickle.loads(pickle.dumps(prepared))
    assert [f.row for f in scrub(SHEET, again).findings] == [3, 7]


def test_the_edit_speaks_for_a_cell_a_coding_rule_also_judges(tmp_path):
    # 96360 beside 96365: hierarchy (bill 96361) and an indicator-1 PTP edit both judge the
    # 96360 code cell; one finding, the edit's, whose suggestion names 96361 too
    path = _text(tmp_path, rows=[["96365", "96360", "", "20100101", "*", "1", "x"]])
    frame = pd.DataFrame([["E1", "2026-04-01", "96360", "1", "09:00", "10:00"],
                          ["E1", "2026-04-01", "96365", "1", "10:00", "10:50"]],
                         columns=["Encounter ID", "Date of Service", "CPT", "Units",
                                  "Start Time", "Stop Time"], dtype=object)
    both = scrub(frame, Config(select=("hierarchy", "ncci-ptp"), ncci=str(path))).findings
    assert [(f.row, f.name) for f in both] == [(2, "ncci-ptp")]
    assert both[0].suggestion.endswith("if it was a later service of the encounter, bill "
                                       "96361 instead")
    alone = scrub(frame, Config(select=("hierarchy",), ncci=str(path))).findings
    assert [(f.row, f.name) for f in alone] == [(2, "hierarchy")]
    # a code that does not exist is the deeper fault: invalid-code speaks
    path = _text(tmp_path, "deleted.txt", rows=[["96413", "J9265", "", "20100101", "*", "0",
                                                 "x"]])
    frame = pd.DataFrame([["E1", "2026-04-01", "96413"], ["E1", "2026-04-01", "J9265"]],
                         columns=["Encounter ID", "Date of Service", "CPT"], dtype=object)
    found = scrub(frame, Config(select=("invalid-code", "ncci-ptp"), ncci=str(path))).findings
    assert [(f.row, f.name) for f in found] == [(3, "invalid-code")]


def test_a_large_table_is_joined_not_looped(tmp_path):
    """A million edits and a sheet of thousands of lines: the answer is the few pairs the
    sheet bills (the speed is the benchmark's business, not this test's)."""
    rng = np.random.default_rng(7)
    first = rng.integers(10000, 99999, 1_000_000)
    second = rng.integers(10000, 99999, 1_000_000)
    table = pd.DataFrame({"column1": first.astype(np.int32), "column2": second.astype(np.int32),
                          "effective": np.full(1_000_000, 20100101, np.int32),
                          "deletion": np.full(1_000_000, NO_DELETION, np.int32),
                          "indicator": np.zeros(1_000_000, np.int8)})
    codes = [f"{n:05d}" for n in range(96360, 96380)]
    table = pd.concat([table, pd.DataFrame({
        "column1": code_numbers(["96413"]).astype(np.int32),
        "column2": code_numbers(["96360"]).astype(np.int32),
        "effective": [20100101], "deletion": [NO_DELETION], "indicator": [0]})])
    table = table[~(np.isin(table["column1"], code_numbers(codes + ["96413"]))
                    & np.isin(table["column2"], code_numbers(codes + ["96413"])))
                  | (table["column1"] == code_numbers(["96413"])[0])
                  & (table["column2"] == code_numbers(["96360"])[0])]
    lines = pd.DataFrame({"Encounter ID": [f"E{i // 4}" for i in range(20_000)],
                          "Date of Service": "2026-04-01",
                          "CPT": [["96413", "96360", "96365", "96375"][i % 4]
                                  for i in range(20_000)]}, dtype=object)
    config = Config(select=("ncci-ptp",))
    profile = Profile(config, tuple(selected_rules(config)),
                      Reference(drugs=drug_table(), ncci=table.reset_index(drop=True)))
    findings = scrub(lines, Prepared(profile)).findings
    assert [f.row for f in findings] == list(range(3, 20_002, 4))


def test_column_1_texts_with_few_and_many_codes():
    from scrubber.rules.coding.inf021_ncci_ptp import _column1_texts

    codes = code_numbers(["96365", "96413", "96365", "96374"])
    starts = np.array([0, 2])  # line one: 96365, 96413; line two: 96365, 96374
    assert _column1_texts(codes, starts).tolist() == ["96365, 96413", "96365, 96374"]
    many = code_numbers([f"{n:05d}" for n in range(10000, 10070)])  # 70 codes on one line
    text = _column1_texts(many, np.array([0, 1]))
    assert text[0] == "10000" and text[1].split(", ")[:2] == ["10001", "10002"]
    assert len(text[1].split(", ")) == 69


def test_a_workbook_may_hold_a_notice_sheet_and_several_sheets_of_edits(tmp_path):
    path = tmp_path / "ptp.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Disclaimer"
    book.active.append([NOTICE])
    for name, rows in (("Edits 1", EDITS[:2]), ("Edits 2", EDITS[2:])):
        sheet = book.create_sheet(name)
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
    book.save(path)
    assert _edits(load_ncci([path])) == EXPECTED
    empty = tmp_path / "empty.xlsx"
    book = openpyxl.Workbook()
    book.active.append([NOTICE])
    book.save(empty)
    with pytest.raises(ConfigError, match="empty.xlsx: no header row with Column 1"):
        load_ncci([empty])
