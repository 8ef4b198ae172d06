"""Reading exports: sheet and header detection, synonyms, CSV, frames and bad files."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from scrubber import Config, InputError, scrub
from scrubber.fields import SYNONYMS, field_for_header
from scrubber.io.reader import read_table, table_from_frame
from tests.conftest import HEADERS, ROWS, make_workbook


@pytest.mark.parametrize(("field", "header"),
                         [(f, h) for f, names in SYNONYMS.items() for h in names])
def test_every_synonym_maps_to_its_field(field, header):
    for variant in (header, header.upper(), header.lower(), f"  {header} ",
                    header.replace(" ", "_"), f"{header} (hh:mm)"):
        assert field_for_header(variant) == field


def test_title_rows_above_the_header(tmp_path):
    table = read_table(make_workbook(tmp_path / "t.xlsx", title_rows=5))
    assert table.sheet == "Export"
    assert table.header_row == 7
    assert table.headers[:4] == HEADERS[:4]
    assert list(table.data.index) == list(range(8, 8 + len(ROWS)))


def test_header_on_row_one_and_sheet_found_among_others(tmp_path):
    path = tmp_path / "t.xlsx"
    make_workbook(path, title_rows=-1)
    table = read_table(path)
    assert (table.sheet, table.header_row) == ("Export", 1)


def test_sheet_option_and_unknown_sheet(workbook):
    assert read_table(workbook, sheet="Export").sheet == "Export"
    with pytest.raises(InputError, match=r"no sheet named 'Nope' \(the workbook has 2 sheets; "
                                         r"--sheet names are case-sensitive\)$"):
        read_table(workbook, sheet="Nope")
    with pytest.raises(InputError, match="no header row"):
        read_table(workbook, sheet="Notes")


def test_synonym_headers_and_several_modifier_columns(tmp_path):
    headers = ["Visit ID", "MRN", "DOS", "Proc Code", "Mod 1", "Mod 2", "Qty", "Admin Start",
               "Infusion End", "Admin Route", "Medication"]
    rows = [["V1", "SYN1", "2026-10-05", "96365", None, None, 1, "10:00", "11:00", "IV", "x"],
            ["V1", "SYN1", "2026-10-05", "96365", "59", "XS", 1, "10:05", "11:00", "IV", "y"]]
    path = make_workbook(tmp_path / "s.xlsx", rows=rows, headers=headers)
    result = scrub(path).files[0]
    assert [(f.row, f.name) for f in result.findings] == [
        (5, "missing-drug-code"), (6, "missing-drug-code"), (6, "modifier")]  # 59 with XS


def test_the_most_specific_header_wins_over_position():
    frame = pd.DataFrame({"Encounter": ["E1"], "Charge Code": ["30012345"],
                          "CPT/HCPCS": ["96365 - IV INFUSION, INITIAL"], "Start": ["10:00"],
                          "Stop": ["10:05"], "Drug": ["x"], "Drug Code": ["J3490"]})
    findings = scrub(frame).findings
    assert [(f.row, f.name, f.column) for f in findings] == [
        (2, "push-billed-as-infusion", "Stop")]


def test_csv_input_with_semicolons(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Report;;\nEncounter;CPT;Start;Stop;Drug\nE1;96365;10:00;10:05;Abc\n"
                    "E1;J3490;;;Abc\n", encoding="utf-8")
    result = scrub(path).files[0]
    assert (result.sheet, result.header_row, result.rows) == ("export", 2, 2)
    assert [(f.row, f.name) for f in result.findings] == [(3, "push-billed-as-infusion")]


def test_dataframe_rows_are_numbered_as_in_a_sheet():
    frame = pd.DataFrame({"Encounter ID": ["E1"], "CPT": ["96365"], "Start Time": ["10:00"],
                          "Stop Time": [None], "Drug": ["x"], "Drug Code": ["J3490"]})
    result = scrub(frame, sheet="Charges", header_row=4).files[0]
    assert [(f.sheet, f.row, f.column) for f in result.findings] == [("Charges", 5, "Stop Time")]


def test_unknown_columns_are_kept_and_ignored(workbook):
    table = read_table(workbook)
    assert "Notes" in table.headers


def test_notes_and_blank_rows_are_not_charge_lines(tmp_path):
    rows = ROWS + [[None] * 11, [None, None, None, None, None, 999, None, None, None, None,
                                 "Total units"],
                   [None, None, None, None, None, None, "N/A", "--", None, None, "note"]]
    result = scrub(make_workbook(tmp_path / "t.xlsx", rows=rows)).files[0]
    assert result.rows == len(ROWS)


# --- bad files: one clear line naming the file, never a traceback -------------------------

def _expect(path, pattern):
    with pytest.raises(InputError) as caught:
        scrub(path)
    message = str(caught.value)
    assert message.startswith(str(path) + ": ")
    assert "\n" not in message
    assert pattern in message
    return message


def test_missing_file(tmp_path):
    _expect(tmp_path / "nope.xlsx", "file not found")


def test_text_file_named_xlsx(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("Encounter,CPT\nE1,96365\n")
    _expect(path, "not an Excel workbook")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    _expect(path, "the file is empty")


def test_truncated_workbook(workbook, tmp_path):
    path = tmp_path / "cut.xlsx"
    path.write_bytes(workbook.read_bytes()[:600])
    _expect(path, "damaged")


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("hello.txt", "hi")
    _expect(path, "no xl/workbook.xml")


def test_encrypted_workbook(tmp_path):
    path = tmp_path / "locked.xlsx"
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    path.write_bytes(header + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 1024)
    _expect(path, "password-protected")


def test_old_xls_and_unknown_types(tmp_path):
    for name, pattern in (("old.xls", "not an Excel 97-2003 (.xls) workbook"),
                          ("notes.txt", "unsupported file type '.txt'")):
        path = tmp_path / name
        path.write_bytes(b"x")
        _expect(path, pattern)


def test_no_header_does_not_quote_cells(tmp_path):
    path = tmp_path / "noheader.xlsx"
    make_workbook(path, headers=["SYN-SECRET-1", "x"], rows=[["SYN-SECRET-2", 1]])
    message = _expect(path, "no header row with a code column")
    assert "SECRET" not in message


def test_missing_time_columns_read_as_empty_cells(tmp_path):
    """A sheet without time columns is scrubbed: the timed code is flagged, the injection
    is not (an injection clinic's export has no times to give)."""
    path = make_workbook(tmp_path / "t.xlsx", headers=["Encounter ID", "CPT", "Units"],
                         rows=[["E1", "96365", 1], ["E2", "96372", 1]])
    findings = scrub(path, Config(select=("missing-time",))).findings
    assert [(f.row, f.name, f.column) for f in findings] == [(5, "missing-time", None)]
    assert "no start or stop time" in findings[0].message


def test_missing_code_column_named_with_headers_seen(tmp_path):
    path = make_workbook(tmp_path / "t.xlsx", headers=["Encounter ID", "Drug", "Route",
                                                       "Units"],
                         rows=[["E1", "Infliximab", "IV", 1]])
    message = _expect(path, "lacks columns for code (needed by")
    assert "fields recognised on row 4: encounter, drug, route, units (add the columns" in message
    assert "Export" not in message  # the sheet's name, like any cell text, is not quoted


def test_no_encounter_nor_patient_and_date(tmp_path):
    path = make_workbook(tmp_path / "t.xlsx", headers=["CPT", "Start", "Stop"],
                         rows=[["96365", "10:00", "11:00"]])
    _expect(path, "encounter (or patient + date of service)")


def test_a_columns_cleaned_cells_are_made_once_and_picked_for_fewer_rows():
    from dataclasses import replace

    from scrubber.normalize import clean_text, cleaned_column

    frame = pd.DataFrame({"Encounter": [" E1 ", "N/A", "E2", 7.0], "CPT": ["96365"] * 4})
    table = table_from_frame(frame)
    whole = cleaned_column(table, 0)
    assert whole.equals(clean_text(table.data[0]))
    assert cleaned_column(table, 0) is whole  # made once
    fewer = replace(table, data=table.data.iloc[[0, 2]])
    assert cleaned_column(fewer, 0).tolist() == ["E1", "E2"]
    assert table.cleaned[0] is whole
    more = replace(fewer, data=pd.concat([table.data, table.data.iloc[[0]].set_axis([9])]))
    assert cleaned_column(more, 0).fillna("-").tolist() == ["E1", "-", "E2", "7", "E1"]
