"""The classic add-in: xlwings' ribbon add-in template with our ribbon and config, as a zip.

xlwings ships ``quickstart_addin_ribbon.xlam``: a hidden workbook whose VBA (``RibbonMyAddin``)
runs ``import <name of the .xlam>; <name>.main()`` when its ribbon button is clicked, and whose
VBA project is called ``myaddin``, so it reads its settings from a sheet named
``myaddin.conf`` (the template ships it as ``_myaddin.conf``: the underscore keeps it inactive).

We rename nothing in the VBA (it stays byte-identical: we cannot sign or recompile it here) and
edit three XML parts inside the zip, since openpyxl cannot write add-ins:

- ``customUI/customUI.xml``: an "Infusion" tab with a Scrub button on the same callback;
- ``xl/workbook.xml``: ``_myaddin.conf`` becomes ``myaddin.conf``;
- the config sheet: Interpreter_Win, Interpreter_Mac, PYTHONPATH and UDF Modules in column B
  (as inline strings, next to the template's labels in column A).

The file is named ``infusion_scrubber_excel.xlam``, so the button imports our top-level module
``infusion_scrubber_excel`` and calls its ``main()``, which scrubs the active sheet.
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.sax.saxutils import escape, quoteattr

from defusedxml import ElementTree

from addin.delivery import DeliveryError, write_atomic

#: the ribbon's VBA imports the module named after the file: ``infusion_scrubber_excel``.
XLAM_NAME = "infusion_scrubber_excel.xlam"
TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"
#: the template VBA's PROJECT_NAME is "myaddin": it reads the sheet "myaddin.conf".
CONF_SHEET = "myaddin.conf"
UDF_MODULES = "addin.functions"
RIBBON_PART = "customUI/customUI.xml"
WORKBOOK_PART = "xl/workbook.xml"
VBA_PART = "xl/vbaProject.bin"
CONTENT_TYPES_PART = "[Content_Types].xml"
ADDIN_CONTENT_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
#: the callback in the template's RibbonMyAddin module; the VBA is not ours to change.
RUN_MAIN = "RibbonMyAddin.RunMain"

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_RIBBON_NS = "http://schemas.microsoft.com/office/2006/01/customui"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_WORKBOOK_KINDS = {
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": "an .xlsm workbook",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":
        "an .xlsx workbook",
}

SCRUB_TIP = "Scrub the active sheet"
SCRUB_SUPERTIP = ("Checks the infusion and injection charges on the active sheet for billing "
                  "errors, colours the rows and cells with problems, adds Scrub Status and "
                  "Scrub Findings columns and lists every finding on an Issues sheet. Running "
                  "it again replaces the marks.")


@dataclass(frozen=True)
class AddinConfig:
    """What the add-in's config sheet says: which Python runs it and where its UDFs live."""

    interpreter: str
    pythonpath: str = ""
    udf_modules: str = UDF_MODULES

    def values(self) -> dict[str, str]:
        """Config sheet label (as in the template's column A) -> value for column B."""
        return {"Interpreter_Win": self.interpreter, "Interpreter_Mac": self.interpreter,
                "PYTHONPATH": self.pythonpath, "UDF Modules": self.udf_modules}


def template_path() -> Path:
    """xlwings' ribbon add-in template, from the installed xlwings (found without importing it:
    importing xlwings on Windows starts talking to Excel)."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        raise DeliveryError("xlwings is not installed: pip install 'infusion-scrubber[excel]'")
    path = Path(next(iter(spec.submodule_search_locations))) / TEMPLATE_NAME
    if not path.is_file():
        raise DeliveryError(f"the installed xlwings has no {TEMPLATE_NAME} ({path})")
    return path


def ribbon_xml() -> str:
    """The Infusion tab: one large Scrub button on the template's RunMain callback."""
    return (
        f'<customUI xmlns="{_RIBBON_NS}">\n'
        "  <ribbon>\n"
        "    <tabs>\n"
        '      <tab id="infusionTab" label="Infusion">\n'
        '        <group id="infusionScrubGroup" label="Scrubber">\n'
        '          <button id="infusionScrubButton" label="Scrub" size="large"'
        f' imageMso="MacroPlay" onAction="{RUN_MAIN}"\n'
        f"                  screentip={quoteattr(SCRUB_TIP)}\n"
        f"                  supertip={quoteattr(SCRUB_SUPERTIP)} />\n"
        "        </group>\n"
        "      </tab>\n"
        "    </tabs>\n"
        "  </ribbon>\n"
        "</customUI>\n"
    )


def build_xlam(dest: Path, config: AddinConfig, source: Path | None = None) -> Path:
    """Write the add-in to ``dest`` (atomically): ``source`` (xlwings' template by default, or
    an add-in built earlier) with our ribbon, the active config sheet and ``config`` in it.

    Every other part, the VBA first of all, is copied byte for byte.
    """
    source = source or template_path()
    infos, parts = _read_addin(source)
    edited = _edited_parts(parts, config, source)
    buffer = _zip(infos, parts | edited)
    return write_atomic(dest, buffer)


def _read_addin(source: Path) -> tuple[list[zipfile.ZipInfo], dict[str, bytes]]:
    """The entries and parts of the add-in at ``source``; a one-line DeliveryError naming the
    file when it is missing, unreadable, not a zip or not an .xlam with a ribbon."""
    if not source.exists():
        raise DeliveryError(f"add-in file {source} does not exist")
    if source.is_dir():
        raise DeliveryError(f"add-in file {source} is a folder, not an .xlam file")
    try:
        with zipfile.ZipFile(source) as package:
            infos = package.infolist()
            parts = {info.filename: package.read(info) for info in infos}
    except zipfile.BadZipFile:
        raise DeliveryError(f"add-in file {source} is not an .xlam add-in: not a zip "
                            f"file") from None
    except OSError as exc:
        raise DeliveryError(f"cannot read add-in file {source}: "
                            f"{exc.strerror or exc}") from None
    if WORKBOOK_PART not in parts:
        raise DeliveryError(f"add-in file {source} is not an .xlam add-in: it has no "
                            f"{WORKBOOK_PART}")
    workbook_type = _content_types(parts).get("/" + WORKBOOK_PART)
    if workbook_type != ADDIN_CONTENT_TYPE:
        kind = _WORKBOOK_KINDS.get(workbook_type or "", "a package whose workbook is not "
                                                        "an add-in")
        raise DeliveryError(f"add-in file {source} is not an .xlam add-in: it is {kind}")
    if RIBBON_PART not in parts:
        raise DeliveryError(f"add-in file {source} is not an .xlam with a ribbon: it has no "
                            f"{RIBBON_PART}")
    return infos, parts


def _content_types(parts: dict[str, bytes]) -> dict[str, str]:
    """Part name -> content type, from the ``[Content_Types].xml`` overrides."""
    try:
        root = ElementTree.fromstring(parts.get(CONTENT_TYPES_PART, b""))
    except (ElementTree.ParseError, ValueError):  # ValueError: defusedxml refusing it
        return {}
    return {o.get("PartName", ""): o.get("ContentType", "")
            for o in root.iter(f"{{{_CT_NS}}}Override")}


def interpreter_found(interpreter: str) -> bool:
    """Whether the interpreter the config names exists on this machine: a path (``~`` and
    environment variables expanded) that is a file, or a bare command on PATH."""
    expanded = os.path.expanduser(os.path.expandvars(interpreter))
    if not any(sep in expanded for sep in ("/", "\\")):
        return shutil.which(expanded) is not None
    return Path(expanded).is_file()


def _edited_parts(parts: dict[str, bytes], config: AddinConfig, source: Path
                  ) -> dict[str, bytes]:
    for required in (WORKBOOK_PART, VBA_PART, RIBBON_PART):
        if required not in parts:
            raise DeliveryError(f"{source} is not an xlwings ribbon add-in: no {required}")
    workbook = parts[WORKBOOK_PART].decode("utf-8")
    sheet_part = _conf_sheet_part(parts, workbook, source)
    return {
        RIBBON_PART: ribbon_xml().encode("utf-8"),
        WORKBOOK_PART: _activate_conf_sheet(workbook).encode("utf-8"),
        sheet_part: _fill_conf_sheet(parts, sheet_part, config).encode("utf-8"),
    }


def _conf_sheet_part(parts: dict[str, bytes], workbook: str, source: Path) -> str:
    """The part name of the config sheet (``_myaddin.conf`` or ``myaddin.conf``)."""
    root = ElementTree.fromstring(workbook)
    rel_id = None
    for sheet in root.iter(f"{{{_MAIN_NS}}}sheet"):
        if sheet.get("name") in (CONF_SHEET, "_" + CONF_SHEET):
            rel_id = sheet.get(f"{{{_REL_NS}}}id")
    if rel_id is None:
        raise DeliveryError(f"{source} has no {CONF_SHEET} sheet: not an xlwings custom add-in")
    rels = ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return str(PurePosixPath("xl") / target)
    raise DeliveryError(f"{source}: the {CONF_SHEET} sheet has no part")


def _activate_conf_sheet(workbook: str) -> str:
    """``_myaddin.conf`` -> ``myaddin.conf``; a text edit, so nothing else in the part moves."""
    return re.sub(r'(<sheet\b[^>]*?\bname=")_' + re.escape(CONF_SHEET) + '"',
                  r'\g<1>' + CONF_SHEET + '"', workbook, count=1)


def _fill_conf_sheet(parts: dict[str, bytes], sheet_part: str, config: AddinConfig) -> str:
    """Column B of each setting's row holds its value (an empty value: no cell)."""
    sheet = parts[sheet_part].decode("utf-8")
    rows = _label_rows(sheet, _shared_strings(parts))
    for label, value in config.values().items():
        row = rows.get(label.upper())
        if row is None:
            raise DeliveryError(f"the add-in's config sheet has no '{label}' row")
        sheet = _set_value(sheet, row, value)
    ElementTree.fromstring(sheet)  # still well-formed, or we stop here rather than in Excel
    return sheet


def _shared_strings(parts: dict[str, bytes]) -> list[str]:
    if "xl/sharedStrings.xml" not in parts:
        return []
    root = ElementTree.fromstring(parts["xl/sharedStrings.xml"])
    return ["".join(t.text or "" for t in si.iter(f"{{{_MAIN_NS}}}t"))
            for si in root.iter(f"{{{_MAIN_NS}}}si")]


def _label_rows(sheet: str, strings: list[str]) -> dict[str, int]:
    """Upper-cased label in column A -> its row number (the VBA upper-cases keys too)."""
    rows = {}
    for cell in ElementTree.fromstring(sheet).iter(f"{{{_MAIN_NS}}}c"):
        match = re.fullmatch(r"A(\d+)", cell.get("r", ""))
        if not match:
            continue
        if cell.get("t") == "s":
            value = cell.find(f"{{{_MAIN_NS}}}v")
            label = strings[int(value.text)] if value is not None and value.text else ""
        else:
            label = "".join(t.text or "" for t in cell.iter(f"{{{_MAIN_NS}}}t"))
        rows[label.strip().upper()] = int(match.group(1))
    return rows


def _set_value(sheet: str, row: int, value: str) -> str:
    """Replace (or add, or with an empty value remove) the B cell of ``row``, in place."""
    if any(ord(char) < 0x20 and char not in "\t" for char in value):
        raise DeliveryError(f"a config value cannot hold control characters: {value!r}")
    row_re = re.compile(rf'<row\b[^>]*\br="{row}"[^>]*(?<!/)>(.*?)</row>', re.DOTALL)
    found = row_re.search(sheet)
    if found is None:
        raise DeliveryError(f"the add-in's config sheet has no row {row}")
    body = re.sub(rf'<c\b[^>]*\br="B{row}"[^>]*?(?:/>|>.*?</c>)', "", found.group(1),
                  flags=re.DOTALL)
    if value:
        label = re.search(rf'<c\b[^>]*\br="A{row}"[^>]*?(?:/>|>.*?</c>)', body, re.DOTALL)
        style = re.search(r'\bs="(\d+)"', label.group(0)) if label else None
        space = ' xml:space="preserve"' if value != value.strip() else ""
        cell = (f'<c r="B{row}"{f" s={quoteattr(style.group(1))}" if style else ""}'
                f' t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>')
        at = label.end() if label else 0
        body = body[:at] + cell + body[at:]
    start_tag = sheet[found.start():found.start(1)]
    start_tag = re.sub(r'\bspans="(\d+):(\d+)"',
                       lambda m: f'spans="{m.group(1)}:{max(int(m.group(2)), 2)}"', start_tag)
    return sheet[:found.start()] + start_tag + body + "</row>" + sheet[found.end():]


def _zip(infos: list[zipfile.ZipInfo], parts: dict[str, bytes]) -> bytes:
    """The parts in the template's order, each with its original entry (name, date, method)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for info in infos:
            package.writestr(info, parts[info.filename])
    return buffer.getvalue()
