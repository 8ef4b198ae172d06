"""Build the two Excel templates in this folder.

    python templates/make_template.py

- ``infusion_billing_template.xlsx``: the charge sheet. Canonical headers as an Excel table
  (``Charges``), drop-downs for route and kind, synthetic example rows whose ``Suggested Code``
  cells hold ``=INFUSION_CODE(...)`` formulas, an Instructions sheet and a codes sheet.
- ``infusion_scrubber_excel.xlsm``: the same sheets in xlwings' own ``quickstart.xlsm`` (its
  VBA project kept byte for byte) with a Scrub button that runs the quickstart's ``SampleCall``
  macro, which imports the Python module named after the workbook and calls its ``main()``.

openpyxl writes the sheets; the zip is then finished by hand for what openpyxl cannot write: the
cached value of each formula cell (the code ``scrubber.suggest.code_one`` gives, which is what
the add-in's ``INFUSION_CODE`` returns), the Scrub button (a DrawingML shape carrying the macro
name, which Excel and LibreOffice both load) and fixed timestamps, so that a rebuild is byte
for byte the same file.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(HERE.parent))

from scrubber.mark.plan import (  # noqa: E402
    ERROR_CELL_RGB,
    ERROR_ROW_RGB,
    WARNING_CELL_RGB,
    WARNING_ROW_RGB,
)
from scrubber.suggest import code_one  # noqa: E402

XLSX = HERE / "infusion_billing_template.xlsx"
XLSM = HERE / "infusion_scrubber_excel.xlsm"
#: the quickstart's VBA macro; it runs ``import <workbook name>; <workbook name>.main()``.
MACRO = "SampleCall"
TABLE = "Charges"
SHEET = "Charges"
#: written into every part that would otherwise carry the build time.
BUILT = dt.datetime(2026, 1, 1)

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
    ("Route", 12, "@", "IV infusion, IV push, SC, IM, Intra-arterial, SC infusion (drop-down; "
                       "another documented route may be typed)."),
    ("Kind", 13, "@", "What the drug or fluid is given as: hydration, therapeutic or "
                      "chemotherapy (drop-down)."),
    ("Suggested Code", 15, "General",
     "Helper, not read by the scrubber: =INFUSION_CODE(start, stop, route, kind, [initial]) "
     "gives the administration code the times support (needs the add-in, see below)."),
    ("Drug", 22, "@", "Drug or fluid name as given."),
    ("Drug Code", 10, "@", "Optional: the drug's HCPCS code when it is not on its own line."),
    ("Dose", 8, "0.###", "Amount given."),
    ("Dose Unit", 9, "@", "mg, mcg, g, units, mL."),
    ("Diagnosis", 11, "@", "ICD-10-CM code supporting the service."),
    ("Ordering Provider", 20, "@", "Who ordered it."),
    ("Site", 14, "@", "Access site (e.g. L forearm, Port R chest)."),
]
HEADERS = [header for header, *_ in COLUMNS]
LETTER = {header: get_column_letter(i) for i, header in enumerate(HEADERS, start=1)}
#: columns for the user's eyes only; their headers are deliberately not scrubber fields.
HELPER_COLUMNS = ("Suggested Code",)
ROUTES = ["IV infusion", "IV push", "SC", "IM", "Intra-arterial", "SC infusion"]
KINDS = ["hydration", "therapeutic", "chemotherapy"]
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
FIRST_ROW = HEADER_ROW + 1
BODY_ROWS = 500  # rows below the header that get the drop-downs and number formats


def _line(encounter: str, patient: str, day: dt.date, code: str, units: int, drug: str,
          dose: float | None, dose_unit: str | None, diagnosis: str, provider: str, *,
          times: tuple[dt.time, dt.time] | None = None, route: str | None = None,
          kind: str | None = None, site: str | None = None, initial: bool | None = None
          ) -> dict[str, object]:
    """One example charge line; ``initial`` True/False gives it an INFUSION_CODE formula."""
    start, stop = times or (None, None)
    return {"Encounter ID": encounter, "Patient ID": patient, "Date of Service": day,
            "CPT/HCPCS": code, "Units": units, "Start Time": start, "Stop Time": stop,
            "Route": route, "Kind": kind, "Drug": drug, "Dose": dose, "Dose Unit": dose_unit,
            "Diagnosis": diagnosis, "Ordering Provider": provider, "Site": site,
            "initial": initial}


_T = dt.time
_MAR2, _MAR3 = dt.date(2026, 3, 2), dt.date(2026, 3, 3)
_A, _B, _C = ("V1001", "SYN100001"), ("V1002", "SYN100002"), ("V1003", "SYN100003")
_OKAFOR, _CHEN = "Okafor, Ada MD", "Chen, Wei MD"
#: synthetic, correctly coded lines (facility setting): the scrubber finds nothing in them.
EXAMPLES = [
    # a 45-minute therapeutic infusion and its drug line
    _line(*_A, _MAR2, "96365", 1, "Ceftriaxone", 1000, "mg", "J18.9", _OKAFOR,
          times=(_T(10, 0), _T(10, 45)), route="IV infusion", kind="therapeutic",
          site="L forearm", initial=True),
    _line(*_A, _MAR2, "J0696", 4, "Ceftriaxone", 1000, "mg", "J18.9", _OKAFOR),
    # hydration across midnight: 130 minutes are 96360 and one 96361
    _line(*_B, _MAR2, "96360", 1, "Normal saline 0.9%", 1000, "mL", "E86.0", _CHEN,
          times=(_T(23, 10), _T(1, 20)), route="IV infusion", kind="hydration",
          site="R hand", initial=True),
    _line(*_B, _MAR2, "96361", 1, "Normal saline 0.9%", None, None, "E86.0", _CHEN,
          route="IV infusion", kind="hydration", site="R hand"),
    _line(*_B, _MAR2, "J7030", 1, "Normal saline 0.9%", 1000, "mL", "E86.0", _CHEN),
    # chemotherapy: the premedication push is a subsequent service (initial FALSE)
    _line(*_C, _MAR3, "96375", 1, "Ondansetron", 8, "mg", "C18.9", _OKAFOR,
          times=(_T(8, 40), _T(8, 43)), route="IV push", kind="therapeutic",
          site="Port R chest", initial=False),
    _line(*_C, _MAR3, "J2405", 8, "Ondansetron", 8, "mg", "C18.9", _OKAFOR),
    _line(*_C, _MAR3, "96413", 1, "Oxaliplatin", 170, "mg", "C18.9", _OKAFOR,
          times=(_T(9, 0), _T(11, 5)), route="IV infusion", kind="chemotherapy",
          site="Port R chest", initial=True),
    _line(*_C, _MAR3, "96415", 1, "Oxaliplatin", None, None, "C18.9", _OKAFOR,
          route="IV infusion", kind="chemotherapy", site="Port R chest"),
    _line(*_C, _MAR3, "J9263", 340, "Oxaliplatin", 170, "mg", "C18.9", _OKAFOR),
]
LAST_EXAMPLE_ROW = FIRST_ROW + len(EXAMPLES) - 1


def formula(row: int, initial: bool) -> str:
    """The Suggested Code formula of a worksheet row (plain A1 references: structured
    references written by openpyxl do not survive every reader)."""
    args = ",".join(f"{LETTER[h]}{row}" for h in ("Start Time", "Stop Time", "Route", "Kind"))
    return f"=INFUSION_CODE({args}{'' if initial else ',FALSE'})"


def suggested_code(line: dict[str, object]) -> str:
    """What ``INFUSION_CODE`` returns for an example line: the coding engine's code."""
    coded = code_one(line["Start Time"], line["Stop Time"], line["Route"] or "",
                     line["Kind"] or "", initial=bool(line["initial"]))
    if coded.code is None:
        raise ValueError(f"example {line['CPT/HCPCS']} is not billable: {coded.reason}")
    return coded.code


def cached_values() -> dict[str, str]:
    """Suggested Code cell -> the value stored with its formula."""
    letter = LETTER["Suggested Code"]
    return {f"{letter}{row}": suggested_code(line)
            for row, line in enumerate(EXAMPLES, start=FIRST_ROW) if line["initial"] is not None}


# --- the sheets ------------------------------------------------------------------------------

def fill(book: openpyxl.Workbook, charges, *, button: bool) -> None:
    """Write the charge sheet into ``charges`` and add the Instructions and Codes sheets
    right after it."""
    charges.title = SHEET
    charges["A1"] = "Infusion & injection charges"
    charges["A1"].font = Font(bold=True, size=14)
    charges["A2"] = ("One row per billed line. Click Scrub to check the sheet (see Instructions)."
                     if button else "One row per billed line. How to check it: see Instructions.")
    charges["A2"].font = Font(italic=True, color="FF555555")
    charges.row_dimensions[1].height = 24
    for col, (header, width, number_format, _) in enumerate(COLUMNS, start=1):
        cell = charges.cell(HEADER_ROW, col, header)
        cell.font, cell.alignment = Font(bold=True), Alignment(horizontal="center")
        charges.column_dimensions[get_column_letter(col)].width = width
        for row in range(FIRST_ROW, FIRST_ROW + BODY_ROWS):
            charges.cell(row, col).number_format = number_format
    for row, line in enumerate(EXAMPLES, start=FIRST_ROW):
        for header in HEADERS:
            if line.get(header) is not None:
                charges[f"{LETTER[header]}{row}"] = line[header]
        if line["initial"] is not None:
            charges[f"{LETTER['Suggested Code']}{row}"] = formula(row, bool(line["initial"]))
    table = Table(displayName=TABLE, ref=f"A{HEADER_ROW}:{LETTER[HEADERS[-1]]}{LAST_EXAMPLE_ROW}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    charges.add_table(table)
    charges.freeze_panes = charges.cell(FIRST_ROW, 1)
    _validations(charges)
    at = book.sheetnames.index(SHEET)
    _instructions(book.create_sheet("Instructions", at + 1), button=button)
    _codes(book.create_sheet("Codes", at + 2))
    book.active = at
    book.calculation.fullCalcOnLoad = False  # LibreOffice then shows the stored codes
    props = book.properties
    props.creator = props.lastModifiedBy = "infusion-scrubber templates/make_template.py"
    props.title = "Infusion & injection charges"


def _validations(sheet) -> None:
    last = HEADER_ROW + BODY_ROWS
    # a route outside the list is allowed silently (the documented words vary); another
    # kind only draws a warning the user may accept; units and times are enforced
    route = DataValidation(type="list", formula1=f'"{",".join(ROUTES)}"', allow_blank=True,
                           showErrorMessage=False, showInputMessage=True, promptTitle="Route",
                           prompt="Pick a route or type the one documented.")
    kind = DataValidation(type="list", formula1=f'"{",".join(KINDS)}"', allow_blank=True,
                          showErrorMessage=True, errorStyle="warning", errorTitle="Kind",
                          error="The scrubber knows hydration, therapeutic and chemotherapy.",
                          showInputMessage=True, promptTitle="Kind",
                          prompt="What the drug or fluid is given as.")
    units = DataValidation(type="decimal", operator="greaterThan", formula1="0",
                           allow_blank=True, showErrorMessage=True, errorTitle="Units",
                           error="Units must be a number greater than 0.")
    times = DataValidation(type="time", operator="between", formula1="0", formula2="0.999999",
                           allow_blank=True, showErrorMessage=True, errorTitle="Time",
                           error="Enter a time of day, e.g. 13:05.")
    for validation, headers in ((route, ["Route"]), (kind, ["Kind"]), (units, ["Units"]),
                                (times, ["Start Time", "Stop Time"])):
        sheet.add_data_validation(validation)
        for header in headers:
            validation.add(f"{LETTER[header]}{FIRST_ROW}:{LETTER[header]}{last}")


_BOLD = Font(bold=True)
_BOTH, _XLSX, _XLSM = "both", "xlsx", "xlsm"
#: the Instructions sheet: (column A, column B, swatch fill, which template shows the row).
#: A row with A and no B is a section heading.
GUIDE: list[tuple[str, str, str | None, str]] = [
    ("The Charges sheet", "", None, _BOTH),
    ("Rows", f"One row per billed line: each administration code (963xx/964xx) and each drug "
             f"or fluid (J/Q/C code) on its own row. Row {HEADER_ROW} is the header of the Excel "
             f"table '{TABLE}'; type in the row below the table and Excel extends it with its "
             "drop-downs and formats.", None, _BOTH),
    ("Example rows", f"Rows {FIRST_ROW}-{LAST_EXAMPLE_ROW} (encounters "
                     f"{EXAMPLES[0]['Encounter ID']}-{EXAMPLES[-1]['Encounter ID']}) are invented "
                     "and coded correctly, so a scrub finds nothing in them. Delete them (select "
                     "them, right-click > Delete > Table Rows) before entering real charges.",
     None, _BOTH),
    ("", "", None, _BOTH),
    ("Column", "What to enter", None, _BOTH),
    *((header, help_text, None, _BOTH) for header, _, _, help_text in COLUMNS),
    ("", "", None, _BOTH),
    ("Cell functions", "", None, _BOTH),
    ("=INFUSION_CODE", f"=INFUSION_CODE(start, stop, [route], [kind], [initial]), e.g. "
                       f"{formula(FIRST_ROW, True)}: the code of one administration, across "
                       "midnight. initial FALSE gives a later service's code (96367, 96375, "
                       "96417; 96361 for hydration). A service that is not billable shows "
                       "'not billable: REASON'; a bad time shows #VALUE!.", None, _BOTH),
    ("Other functions", "INFUSION_UNITS, INFUSION_MINUTES, INFUSION_CODES, DRUG_CODE, DRUG_UNITS "
                        "and SCRUB_TABLE: Excel's formula tooltip describes each one.",
     None, _BOTH),
    ("#NAME?", "Until the add-in is installed (below), Excel shows #NAME? in the Suggested Code "
               "cells. The file stores the code each example formula gave when the template was "
               "made, so LibreOffice and other readers show that code, but only Excel with the "
               "add-in recalculates it.", None, _BOTH),
    ("", "", None, _BOTH),
    ("Getting the functions and Scrub", "", None, _BOTH),
    ("xlwings Lite", "Excel 365 or 2021+ on Windows, macOS or the web; no Python to install. "
                     "Add xlwings Lite from the Office add-in store, run 'scrubber addin lite "
                     "OUTDIR' and paste the main.py and requirements.txt it writes into xlwings "
                     "Lite's editor. The functions are registered, and Scrub, Clear marks and "
                     "Suggest codes are buttons in its task pane.", None, _BOTH),
    ("Classic add-in", "Windows or macOS with Python: pip install \"infusion-scrubber[excel]\", "
                       "then 'scrubber addin install'. Excel gets an Infusion ribbon tab with a "
                       "Scrub button that works on any workbook. On Windows the cell functions "
                       "need a one-time Import Functions step (see the README).", None, _BOTH),
    ("This workbook's button", f"Scrub runs the macro {MACRO}, which imports the Python module "
                               f"named after this workbook ({XLSM.stem}) and calls its main(): "
                               f"keep the file name {XLSM.name}. It needs Python with "
                               "infusion-scrubber[excel] and the xlwings add-in ('xlwings addin "
                               "install'), and macros enabled. To pick the Python it uses, fill "
                               "Interpreter_Win or Interpreter_Mac on the _xlwings.conf sheet "
                               "and rename that sheet xlwings.conf. For any other workbook use "
                               "the Infusion ribbon add-in.", None, _XLSM),
    ("Command line", "scrubber scrub FILE.xlsx prints the findings and writes a marked copy, "
                     "FILE.scrubbed.xlsx, next to the file (--out puts it elsewhere).",
     None, _BOTH),
    ("", "", None, _BOTH),
    ("How to scrub", "", None, _BOTH),
    ("Scrub", "Click Scrub (the button above the table on Charges, the Infusion ribbon tab or "
              "the task pane).", None, _XLSM),
    ("Scrub", "Click Scrub on the Infusion ribbon tab or in xlwings Lite's task pane.",
     None, _XLSX),
    ("", "It checks the charge table on the active sheet, colours the problem rows and cells, "
         "fills the Scrub Status and Scrub Findings columns and lists every finding, with a link "
         "to its cell, on an Issues sheet. Scrubbing again replaces the marks.", None, _BOTH),
    ("Clear marks", "xlwings Lite's Clear marks removes everything Scrub added and nothing else. "
                    "Excel's Undo cannot undo a script: Clear marks (or a new scrub, which "
                    "replaces the marks) is the undo.", None, _BOTH),
    ("", "", None, _BOTH),
    ("What the colours mean", "", None, _BOTH),
    ("error row", "The row has an error: the line is wrongly coded or will likely be denied.",
     ERROR_ROW_RGB, _BOTH),
    ("warning row", "The row has a warning: check it against the documentation.",
     WARNING_ROW_RGB, _BOTH),
    ("error cell", "The cell the error is about (stronger red).", ERROR_CELL_RGB, _BOTH),
    ("warning cell", "The cell the warning is about (stronger yellow).", WARNING_CELL_RGB, _BOTH),
]


def _instructions(sheet, *, button: bool) -> None:
    sheet["A1"] = "How to use this workbook"
    sheet["A1"].font = Font(bold=True, size=14)
    shown = [row for row in GUIDE if row[3] in (_BOTH, _XLSM if button else _XLSX)]
    for row, (a, b, rgb, _) in enumerate(shown, start=3):
        first, second = sheet.cell(row, 1, a or None), sheet.cell(row, 2, b or None)
        first.alignment = Alignment(vertical="top")
        second.alignment = Alignment(wrap_text=True, vertical="top")
        if rgb:
            first.fill = PatternFill("solid", fgColor=rgb)
        elif a and (not b or a == "Column"):
            first.font = second.font = _BOLD
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 100


def _codes(sheet) -> None:
    sheet.append(["Code", "What it bills (plain words; CPT descriptors are the AMA's)", "Type"])
    for cell in sheet[1]:
        cell.font = _BOLD
    for code in CODES:
        sheet.append(list(code))
    sheet.column_dimensions["B"].width = 70
    sheet.column_dimensions["C"].width = 24


# --- finishing the zip -----------------------------------------------------------------------

_CELL = re.compile(r'<c r="(?P<ref>[A-Z]+\d+)"(?P<attrs>[^>]*)><f>(?P<f>[^<]*)</f><v ?/></c>')


def _with_cached_values(sheet_xml: str, values: dict[str, str]) -> str:
    """Give each formula cell in ``values`` its cached text result (``t="str"``)."""
    done: set[str] = set()

    def put(match: re.Match[str]) -> str:
        ref = match["ref"]
        if ref not in values:
            return match[0]
        done.add(ref)
        attrs = re.sub(r' t="[^"]*"', "", match["attrs"])
        return (f'<c r="{ref}"{attrs} t="str"><f>{match["f"]}</f>'
                f'<v>{escape(values[ref])}</v></c>')

    out = _CELL.sub(put, sheet_xml)
    if done != set(values):
        raise RuntimeError(f"formula cells not found: {sorted(set(values) - done)}")
    return out


_STAMP = BUILT.strftime("%Y-%m-%dT%H:%M:%SZ")


def _fixed_times(core_xml: str) -> str:
    return re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*", rf"\g<1>{_STAMP}", core_xml)


_DRAWING_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
_DRAWING_TYPE = "application/vnd.openxmlformats-officedocument.drawing+xml"
_EMU_PER_PX = 9525


def button_drawing(macro: str = MACRO, text: str = "Scrub") -> str:
    """A DrawingML rounded rectangle that runs ``macro`` when clicked, over columns J-K of
    rows 1-2 (it neither moves nor resizes with the cells)."""
    width, height = 185 * _EMU_PER_PX, 43 * _EMU_PER_PX  # about what the anchors span
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"'
        ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<xdr:twoCellAnchor editAs="absolute">'
        '<xdr:from><xdr:col>9</xdr:col><xdr:colOff>0</xdr:colOff>'
        '<xdr:row>0</xdr:row><xdr:rowOff>19050</xdr:rowOff></xdr:from>'
        '<xdr:to><xdr:col>11</xdr:col><xdr:colOff>0</xdr:colOff>'
        '<xdr:row>1</xdr:row><xdr:rowOff>123825</xdr:rowOff></xdr:to>'
        f'<xdr:sp macro="[0]!{macro}" textlink="">'
        f'<xdr:nvSpPr><xdr:cNvPr id="2" name="{text} button" '
        f'descr="Runs {macro}: scrubs the charge table of the active sheet"/>'
        '<xdr:cNvSpPr/></xdr:nvSpPr>'
        '<xdr:spPr><a:xfrm><a:off x="0" y="0"/>'
        f'<a:ext cx="{width}" cy="{height}"/></a:xfrm>'
        '<a:prstGeom prst="roundRect"><a:avLst/></a:prstGeom>'
        '<a:solidFill><a:srgbClr val="2E7D32"/></a:solidFill>'
        '<a:ln w="9525"><a:solidFill><a:srgbClr val="1B5E20"/></a:solidFill></a:ln></xdr:spPr>'
        '<xdr:txBody><a:bodyPr vertOverflow="clip" horzOverflow="clip" rtlCol="0" '
        'anchor="ctr"/><a:lstStyle/><a:p><a:pPr algn="ctr"/><a:r>'
        '<a:rPr lang="en-US" sz="1200" b="1"><a:solidFill><a:srgbClr val="FFFFFF"/>'
        f'</a:solidFill></a:rPr><a:t>{text}</a:t></a:r></a:p></xdr:txBody></xdr:sp>'
        '<xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>')


def _add_drawing(parts: dict[str, bytes], sheet: str) -> None:
    """Hang ``xl/drawings/drawing1.xml`` (the button) on worksheet part ``sheet``."""
    drawing = "xl/drawings/drawing1.xml"
    if drawing in parts:
        raise RuntimeError(f"{drawing} exists already")
    rels_name = sheet.replace("worksheets/", "worksheets/_rels/") + ".rels"
    rels = parts[rels_name].decode()
    used = {int(n) for n in re.findall(r'Id="rId(\d+)"', rels)}
    rid = f"rId{max(used, default=0) + 1}"
    rels = rels.replace("</Relationships>", f'<Relationship Type="{_DRAWING_REL}" '
                        f'Target="/{drawing}" Id="{rid}" /></Relationships>')
    xml = parts[sheet].decode()
    # CT_Worksheet order: drawing comes after the page set-up and before tableParts
    at = xml.index("<tableParts")
    xml = (xml[:at] + f'<drawing xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
           f'2006/relationships" r:id="{rid}" />' + xml[at:])
    types = parts["[Content_Types].xml"].decode().replace(
        "</Types>", f'<Override PartName="/{drawing}" ContentType="{_DRAWING_TYPE}" /></Types>')
    parts.update({rels_name: rels.encode(), sheet: xml.encode(), drawing: button_drawing().encode(),
                  "[Content_Types].xml": types.encode()})


def _finish(path: Path, *, button: bool) -> None:
    """Rewrite the saved workbook: cached formula values, the button, fixed timestamps."""
    with zipfile.ZipFile(path) as zin:
        names = zin.namelist()
        parts = {name: zin.read(name) for name in names}
    sheet = "xl/worksheets/sheet1.xml"  # the charge sheet is the first sheet openpyxl writes
    if f"<t>{HEADERS[0]}</t>".encode() not in parts[sheet] and \
            HEADERS[0].encode() not in parts.get("xl/sharedStrings.xml", b""):
        raise RuntimeError(f"{sheet} is not the charge sheet")
    parts[sheet] = _with_cached_values(parts[sheet].decode(), cached_values()).encode()
    parts["docProps/core.xml"] = _fixed_times(parts["docProps/core.xml"].decode()).encode()
    if button:
        _add_drawing(parts, sheet)
    first = "[Content_Types].xml"  # readers expect it first
    order = [first, *(n for n in names if n != first), *(n for n in parts if n not in names)]
    temp = path.with_suffix(path.suffix + ".tmp")
    with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=BUILT.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, parts[name])
    temp.replace(path)


# --- the two files ---------------------------------------------------------------------------

def quickstart_path() -> Path:
    """xlwings' ``quickstart.xlsm`` (found without importing xlwings)."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("xlwings is not installed: pip install xlwings")
    return Path(spec.submodule_search_locations[0]) / "quickstart.xlsm"


def build_xlsx(path: Path = XLSX) -> Path:
    book = openpyxl.Workbook()
    fill(book, book.active, button=False)
    book.save(path)
    _finish(path, button=False)
    return path


def build_xlsm(path: Path = XLSM) -> Path:
    """The macro-enabled template: xlwings' quickstart with its first sheet replaced by ours.

    The quickstart's VBA project is kept unchanged (openpyxl copies ``xl/vbaProject.bin``
    as it is) and so is its ``_xlwings.conf`` sheet, which stays inactive until renamed.
    """
    if path.stem != XLSM.stem:
        raise ValueError(f"the button runs the module named after the workbook: name it "
                         f"{XLSM.name}")
    book = openpyxl.load_workbook(quickstart_path(), keep_vba=True)
    first = book.worksheets[0]
    if first.max_row > 1 or first["A1"].value is not None:
        raise RuntimeError("xlwings' quickstart.xlsm changed: its first sheet is not empty")
    fill(book, first, button=True)
    # every sheet of a macro workbook carries a VBA code name; Excel adds the new modules
    names = {sheet.sheet_properties.codeName for sheet in book.worksheets}
    free = (f"Sheet{n}" for n in range(1, 100) if f"Sheet{n}" not in names)
    for sheet in book.worksheets:
        sheet.sheet_properties.codeName = sheet.sheet_properties.codeName or next(free)
    book.properties.description = f"Made from xlwings {version('xlwings')} quickstart.xlsm"
    book.save(path)
    _finish(path, button=True)
    return path


def build_all(folder: Path = HERE) -> tuple[Path, Path]:
    return build_xlsx(folder / XLSX.name), build_xlsm(folder / XLSM.name)


def main() -> None:
    for path in build_all():
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
