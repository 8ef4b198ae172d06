"""Build the ready-to-use billing template workbook (templates/infusion_billing_template.xlsx).

    python templates/make_template.py

The template's header row uses the canonical column names the scrubber reads, with input
rules (data validation) that stop the commonest typos before they are made.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "infusion_billing_template.xlsx"

# header, width, number format, what to enter
COLUMNS = [
    ("Encounter ID", 14, "@", "The visit/account number; one initial service per encounter."),
    ("Patient ID", 12, "@", "MRN. Used with the date of service when there is no encounter."),
    ("Date of Service", 13, "mm/dd/yyyy", "The date the service was given."),
    ("CPT/HCPCS", 11, "@", "Administration code (963xx/964xx) or drug code (J/Q/C)."),
    ("Modifier 1", 10, "@", "59, XE, XS, XP, XU only for a documented separate site/encounter."),
    ("Modifier 2", 10, "@", "Second modifier, e.g. JW/JZ on drug lines."),
    ("Units", 7, "0", "1 for initial codes; add-on hours; drug units = dose / HCPCS unit, up."),
    ("Start Time", 10, "hh:mm", "Actual start of the push or infusion (24-hour clock)."),
    ("Stop Time", 10, "hh:mm", "Actual stop; past midnight is fine (continuous time)."),
    ("Route", 12, "@", "IV infusion, IV push, SC, IM, Intra-arterial."),
    ("Drug", 22, "@", "Drug or fluid name as given."),
    ("Drug Code", 10, "@", "Optional: the drug's HCPCS code when it is not on its own line."),
    ("Dose", 8, "0.###", "Amount given."),
    ("Dose Unit", 9, "@", "mg, mcg, g, units, mL."),
    ("Diagnosis", 11, "@", "ICD-10-CM code supporting the service."),
    ("Ordering Provider", 20, "@", "Who ordered it."),
    ("Site", 14, "@", "Access site (e.g. L forearm, Port R chest)."),
]
ROUTES = ["IV infusion", "IV push", "SC", "IM", "Intra-arterial", "SC infusion"]
CODES = [
    ("96360", "IV hydration, initial, 31 min to 1 h", "initial"),
    ("96361", "IV hydration, each additional hour", "add-on"),
    ("96365", "IV infusion (therapy/prophylaxis/diagnosis), initial, up to 1 h", "initial"),
    ("96366", "... each additional hour", "add-on"),
    ("96367", "... additional sequential infusion of a new drug, up to 1 h", "add-on"),
    ("96368", "... concurrent infusion", "add-on, once per encounter"),
    ("96369", "SC infusion, initial, incl. pump set-up", "initial"),
    ("96372", "SC or IM injection", "per injection"),
    ("96374", "IV push, single or initial drug", "initial"),
    ("96375", "each additional sequential IV push of a new drug", "add-on"),
    ("96376", "each additional sequential IV push of the same drug (facility)", "add-on"),
    ("96401", "chemotherapy SC/IM, non-hormonal", "per injection"),
    ("96409", "chemotherapy IV push, single or initial", "initial"),
    ("96411", "chemotherapy IV push, each additional drug", "add-on"),
    ("96413", "chemotherapy IV infusion, up to 1 h, single or initial", "initial"),
    ("96415", "chemotherapy infusion, each additional hour", "add-on"),
    ("96417", "each additional sequential chemotherapy infusion, up to 1 h", "add-on"),
]
HEADER_ROW = 3
BODY_ROWS = 500


def build() -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Charges"
    sheet["A1"] = "Infusion & injection charges"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = "One row per billed line. Scrub with: python -m scrubber scrub FILE.xlsx"
    sheet["A2"].font = Font(italic=True, color="FF555555")
    fill = PatternFill("solid", fgColor="FFDDEBF7")
    for col, (header, width, number_format, _) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(HEADER_ROW, col, header)
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(horizontal="center")
        letter = get_column_letter(col)
        sheet.column_dimensions[letter].width = width
        for row in range(HEADER_ROW + 1, HEADER_ROW + 1 + BODY_ROWS):
            sheet.cell(row, col).number_format = number_format
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
    _validations(sheet)
    _instructions(book.create_sheet("Instructions"))
    _codes(book.create_sheet("Codes"))
    return book


def _validations(sheet) -> None:
    last = HEADER_ROW + BODY_ROWS
    column = {header: get_column_letter(i) for i, (header, *_) in enumerate(COLUMNS, 1)}
    route = DataValidation(type="list", formula1=f'"{",".join(ROUTES)}"', allow_blank=True,
                           showErrorMessage=False, promptTitle="Route",
                           prompt="Pick a route or type the one documented.")
    units = DataValidation(type="decimal", operator="greaterThan", formula1="0",
                           allow_blank=True, errorTitle="Units",
                           error="Units must be a number greater than 0.")
    times = DataValidation(type="time", operator="between", formula1="0", formula2="0.999999",
                           allow_blank=True, errorTitle="Time",
                           error="Enter a time of day, e.g. 13:05.")
    for validation, ranges in ((route, [column["Route"]]), (units, [column["Units"]]),
                               (times, [column["Start Time"], column["Stop Time"]])):
        sheet.add_data_validation(validation)
        for letter in ranges:
            validation.add(f"{letter}{HEADER_ROW + 1}:{letter}{last}")


def _instructions(sheet) -> None:
    sheet["A1"] = "Column"
    sheet["B1"] = "What to enter"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row, (header, _, _, help_text) in enumerate(COLUMNS, start=2):
        sheet.cell(row, 1, header)
        sheet.cell(row, 2, help_text)
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 90


def _codes(sheet) -> None:
    sheet.append(["Code", "What it bills (plain words; CPT descriptors are the AMA's)", "Type"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for code in CODES:
        sheet.append(list(code))
    sheet.column_dimensions["B"].width = 70
    sheet.column_dimensions["C"].width = 24


def main() -> None:
    build().save(TEMPLATE)
    print(f"wrote {TEMPLATE}")


if __name__ == "__main__":
    main()
