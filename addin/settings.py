"""The ``Scrubber Settings`` sheet: the add-in's config, kept in the workbook.

Scrub creates the sheet with defaults on first use. Each row is an option (column A) and its
value (column B); column C says what it does. The options are the config file's
(``scrubber.toml``): ``setting``, ``payer``, ``jw_jz``, ``push_max_minutes``, ``select``,
``ignore``... A dotted name sets a table entry: ``min_minutes.96365`` = 31, and a payer
profile's options are ``payers.NAME.OPTION`` rows (``payers.medicare.jw_jz`` = TRUE), chosen by
the ``payer`` row, exactly as ``[payers.NAME]`` in the file. Unknown options are errors that
name them (the core validates, as for a file).

Reference files that xlwings Lite cannot read from disk are pasted into sheets: the
``mue sheet``, ``hcpcs sheet`` and ``ncci sheet`` rows name them, and they are read with the
same parsers as the files. A profile's ``payers.NAME.match`` row (``medicare, part b``)
checks the lines whose Payer column names it under that profile, as ``match`` in the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from addin.boundary import grid
from scrubber import ConfigError, Prepared, prepare
from scrubber.config_file import config_from_table
from scrubber.reference.hcpcs_file import hcpcs_from_grid
from scrubber.reference.mue import mue_from_grid
from scrubber.reference.ncci import ncci_from_grid

SETTINGS_SHEET = "Scrubber Settings"
HEADERS = ("Option", "Value", "What it does")
#: sheet options (not config keys): the sheets that hold pasted reference tables.
SHEET_OPTIONS = {"mue sheet": "mue", "hcpcs sheet": "hcpcs", "ncci sheet": "ncci"}
DEFAULTS: tuple[tuple[str, object, str], ...] = (
    ("setting", "facility", "facility (hospital outpatient: the hierarchy picks the initial "
                            "service) or professional (office claim)"),
    ("payer", None, "a payer profile below (its payers.NAME rows), e.g. medicare; empty: none"),
    ("mue sheet", None, "name of a sheet holding a pasted CMS MUE table (HCPCS/CPT Code, "
                        "MUE Values, Adjudication Indicator); empty: no MUE check of units"),
    ("hcpcs sheet", None, "name of a sheet holding the pasted CMS HCPCS file (HCPC, LONG "
                          "DESCRIPTION, TERM DT); empty: the shipped code list"),
    ("ncci sheet", None, "name of a sheet holding pasted CMS NCCI PTP edits (Column 1, Column "
                         "2, Effective Date, Deletion Date, Modifier); empty: no ncci-ptp "
                         "check"),
    ("ignore", None, "rule names or IDs not to run, comma-separated (e.g. missing-diagnosis)"),
    ("payers.medicare.jw_jz", True, "the medicare profile: JW/JZ on single-dose drug lines"),
    ("payers.commercial.min_minutes.96365", 31, "a commercial profile that wants 31 minutes "
                                                "for 96365"),
)


def default_rows() -> list[list[object]]:
    """The sheet as Scrub first writes it: headers, then the default options."""
    return [list(HEADERS), *([name, value, help_text] for name, value, help_text in DEFAULTS)]


def read_settings(rows: Sequence[Sequence[object]], sheets: Mapping[str, object]
                  ) -> Prepared:
    """The prepared run the sheet describes.

    Args:
        rows: the settings sheet's cells (headers first).
        sheets: sheet name -> its cells, for the pasted reference tables.

    Raises:
        ConfigError: an unknown option or bad value, or a named sheet that is missing or
            holds no table (the message names the row or the sheet).
    """
    table: dict[str, Any] = {}
    tables = {}
    for row in grid(rows)[1:]:
        name = str(row[0]).strip() if row and row[0] is not None else ""
        value = row[1] if len(row) > 1 else None
        if not name or value is None:
            continue
        key = name.lower()
        if key in SHEET_OPTIONS:
            tables[SHEET_OPTIONS[key]] = _pasted(str(value).strip(), SHEET_OPTIONS[key], sheets)
            continue
        _put(table, name, _value(name, value))
    payer = table.pop("payer", None)
    where = f"sheet '{SETTINGS_SHEET}': "
    config = config_from_table(table, payer=str(payer) if payer is not None else None,
                               where=where)
    return prepare(config, tables=tables)


#: options whose values are words, read in any case (Professional = professional).
_WORDS = frozenset({"setting", "payer"})


def _value(name: str, value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if name.split(".")[-1].lower() in _WORDS and isinstance(value, str):
        return value.strip().lower()
    if name.split(".")[-1] in ("select", "ignore", "required_documentation") and \
            isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _put(table: dict[str, Any], name: str, value: object) -> None:
    """``payers.medicare.jw_jz`` = TRUE -> table["payers"]["medicare"]["jw_jz"] = True."""
    *parents, last = [part.strip() for part in name.split(".")]
    if len(parents) > 1 and parents[0].lower() == "payers":
        parents[1] = parents[1].lower()  # a profile's name, as the payer row gives it
    here = table
    for part in parents:
        nested = here.setdefault(part, {})
        if not isinstance(nested, dict):
            raise ConfigError(f"sheet '{SETTINGS_SHEET}': option '{name}' sets inside "
                              f"'{part}', which has a value of its own")
        here = nested
    here[last] = value


def _pasted(name: str, kind: str, sheets: Mapping[str, object]):
    if name not in sheets:
        raise ConfigError(f"sheet '{SETTINGS_SHEET}': the {kind} sheet '{name}' does not exist")
    rows = grid(sheets[name])
    label = f"sheet '{name}'"
    readers = {"mue": mue_from_grid, "hcpcs": hcpcs_from_grid, "ncci": ncci_from_grid}
    return readers[kind](rows, label)

