"""Turn a raw :class:`~scrubber.io.reader.Table` into the canonical claim-line frame.

One row per charge line, indexed by the worksheet row number. Every rule reads this frame;
nothing downstream looks at raw cells again except to quote a value back to the user.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd

from scrubber import parallel
from scrubber.codes import CODE_PATTERN, DISTINCT_MODIFIERS
from scrubber.distinct import per_value
from scrubber.fields import FIELDS, MULTI_FIELDS, map_headers
from scrubber.io.error_cells import ERROR_TEXTS
from scrubber.io.reader import Table
from scrubber.reference.identity import drug_identity
from scrubber.strings import extract
from scrubber.times import (
    PLACEHOLDER,
    duration_minutes,
    parse_dates,
    parse_times,
)

#: rows with no code and none of these are notes or totals, not charge lines.
_LINE_EVIDENCE = ("code", "start", "stop", "drug", "route", "drug_code", "dose")
#: fields parsed as times or dates (by scrubber.times), or joined from several columns,
#: rather than kept as the text of one cell.
_PARSED_FIELDS = frozenset({"start", "stop", "start_date", "stop_date", "service_date",
                            "modifiers", "diagnosis"})
_ROUTE_KINDS = (
    ("push", r"push|\bivp\b|bolus"),
    ("sc", r"subcut|subq|sub-q|\bs\.?c\b|\bsq\b"),
    ("im", r"\bi\.?m\b|intramusc"),
    ("intra-arterial", r"\bia\b|arterial"),
    ("on-body", r"on-?\s?body|onpro"),
    ("infusion", r"\biv\b|infus|ivpb|piggyback|drip|intravenous|\bivf\b|pump"),
)


@per_value
def clean_text(values: pd.Series) -> pd.Series:
    """Cells as stripped text; numbers lose a trailing '.0'; blanks and placeholders ('N/A',
    '--') become <NA>."""
    text = values.astype("string").str.strip().str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    return text.mask((text == "") | text.str.match(PLACEHOLDER).fillna(False))


#: a totals or summary label filling its cell: "Total", "Grand total", "Subtotal: 12",
#: "381 lines", "Count 12", "Sum".
_TOTAL_LABEL = (r"(?i)^\s*((?:grand\s+|sub-?\s*)?totals?|summary|(?:line\s+)?count|sum"
                r"|\d[\d,]*\s+(?:charge\s+)?(?:lines?|rows?|charges?|items?|records?))"
                r"\s*[:#=]?\s*[$]?[\d,.]*\s*$")


def split_totals(table: Table) -> tuple[Table, list[tuple[int, str]]]:
    """Take totals and summary rows under the data out of the table.

    A row is a totals row when it sits below the first line with a real code, has no
    encounter (or only a totals label in the encounter cell), no code (or only a label in
    the code cell) and no start or stop, and either some cell is a totals label (the whole
    cell: ``Total``, ``Grand total``, ``381 lines``; see ``_TOTAL_LABEL``) or it holds
    nothing but numbers (sums). Returns the table without them and (row, reason) pairs; the
    reason quotes only the label, never other cell text.
    """
    data = table.data
    if data.empty:
        return table, []
    mapping = column_map(table)

    def cells(field: str, rows: pd.Index | None = None) -> pd.Series:
        if rows is None and mapping.get(field):
            return cleaned_column(table, mapping[field][0])
        column = _field(table, mapping, field)
        return clean_text(column if rows is None else column.loc[rows])

    def is_label(text: pd.Series) -> pd.Series:
        return _is_total_label(text)

    who = cells("encounter" if "encounter" in mapping else "patient")
    anonymous = who.isna() | is_label(who)
    if not anonymous.any():  # every row names its encounter: no totals row (the usual case)
        return table, []
    code = cells("code")
    real_code = _codes(code)["code"].str.match(CODE_PATTERN).fillna(False).astype(bool)
    first = real_code[real_code].index.min() if real_code.any() else np.inf
    rows = data.index[anonymous.to_numpy() & (data.index > first)
                      & (code.isna() | is_label(code)).to_numpy()]
    untimed = cells("start", rows).isna() & cells("stop", rows).isna()
    candidates = data.loc[untimed.index[untimed.to_numpy()]]
    if candidates.empty:  # the usual case: a few vectorised checks, no per-cell work
        return table, []
    text = candidates.apply(lambda column: column.astype("string").str.strip())
    labels = text.apply(lambda column: column.str.extract(_TOTAL_LABEL, expand=False))
    label = labels.bfill(axis=1).iloc[:, 0].astype("string")
    numeric = candidates.apply(lambda column: column.map(_is_number)).astype(bool)
    only_numbers = (numeric | candidates.isna()).all(axis=1) & numeric.any(axis=1)
    totals = label.notna() | only_numbers
    if not totals.any():
        return table, []
    reasons = ("totals row ('" + label.str.replace(r"\s+", " ", regex=True) + "')").fillna(
        "totals row (numbers only under the data)")
    skipped = [(int(r), str(reasons.at[r])) for r in candidates.index[totals]]
    return replace(table, data=data.drop(index=candidates.index[totals])), skipped


def cleaned_column(table: Table, position: int) -> pd.Series:
    """:func:`clean_text` of one column of the table, made once per table (and the tables
    made from it by dropping rows: the cells of the rows left are picked)."""
    found = table.cleaned.get(position)
    index = table.data.index
    if found is not None:
        if found.index is index or found.index.equals(index):
            return found
        if len(found) > len(index) and index.isin(found.index).all():
            return found.loc[index]
    fresh = clean_text(table.data[position])
    if found is None or len(fresh) > len(found):  # keep the one with the most rows
        table.cleaned[position] = fresh
    return fresh


@per_value
def _is_total_label(text: pd.Series) -> pd.Series:
    """Cells that are a totals label (see ``_TOTAL_LABEL``), as plain booleans."""
    return text.str.match(_TOTAL_LABEL).fillna(False).astype(bool)


_NUMBER_TEXT = re.compile(r"^\s*[-+]?[$]?\s*\d[\d,]*(?:\.\d+)?\s*$")


def _is_number(value: object) -> bool:
    """A number, or text that is one ('44', '1,234.50', '$900': a CSV cell)."""
    if isinstance(value, str):
        return bool(_NUMBER_TEXT.match(value))
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def error_cells(table: Table, mapping: dict[str, list[int]]) -> pd.Series:
    """The Excel error cells (``#REF!``, ``#N/A``) in the columns of known fields:
    (row, column position) -> the error's text; empty unless the table may have any."""
    found: dict[int, pd.Series] = {}
    if table.error_cells and len(table.data):
        for position in sorted({p for ps in mapping.values() for p in ps}):
            column = table.data[position]
            hit = column.isin(ERROR_TEXTS).to_numpy()
            if hit.any():
                found[position] = column[hit].astype(str)
    if not found:
        return pd.Series([], dtype=object, index=pd.MultiIndex.from_arrays(
            [[], []], names=["row", "position"]))
    errors = pd.concat(found, names=["position", "row"]).swaplevel()
    return errors.sort_index()


def column_map(table: Table) -> dict[str, list[int]]:
    """Canonical field -> column positions for this table."""
    return map_headers(table.headers)


def _field(table: Table, mapping: dict[str, list[int]], field: str) -> pd.Series:
    positions = mapping.get(field)
    if not positions:
        return pd.Series(pd.NA, index=table.data.index, dtype="object")
    return table.data[positions[0]]


@per_value
def _codes(text: pd.Series) -> pd.DataFrame:
    """Split '96365-59' cells into code and modifier; drop a description ('96365 - IV inf')."""
    upper = text.str.upper().str.replace(r"\s+", " ", regex=True)
    parts = extract(upper, r"^(?P<code>[0-9A-Z]{5})(?:\s*[-\s]\s*(?P<mod>[0-9A-Z]{2}))?$")
    described = extract(upper, r"^(?P<code>[0-9A-Z]{5})\s*[-:]?\s+[A-Z]{2,}\W")["code"]
    code = parts["code"].fillna(described).fillna(upper)
    return pd.DataFrame({"code": code, "mod": parts["mod"]})


def _modifiers(table: Table, mapping: dict[str, list[int]], extra: pd.Series) -> pd.Series:
    """All modifier cells (and any modifier typed into the code cell) as 'XS,59'."""
    joined = extra.astype("string").fillna("")
    for position in mapping.get("modifiers", []):
        joined = joined + "," + cleaned_column(table, position).fillna("")
    tokens = joined.str.upper().str.replace(r"[^0-9A-Z]+", ",", regex=True).str.strip(",")
    return tokens.mask(tokens == "").astype("string")


def _joined(table: Table, mapping: dict[str, list[int]], field: str) -> pd.Series:
    """Every column of a multi-column field (Diagnosis 1..4) joined with ',' (<NA> if none)."""
    joined = pd.Series("", index=table.data.index, dtype="string")
    for position in mapping.get(field, []):
        joined = joined + "," + cleaned_column(table, position).fillna("")
    joined = joined.str.strip(",")
    return joined.mask(_nothing_listed(joined))


@per_value
def _nothing_listed(joined: pd.Series) -> pd.Series:
    """Joined cells that hold only commas and spaces (or nothing)."""
    return joined.str.fullmatch(r"[,\s]*").fillna(True).astype(bool)


@per_value
def has_modifier(modifiers: pd.Series, *names: str) -> pd.Series:
    """Lines whose 'XS,59' modifier list holds any of ``names`` (plain booleans)."""
    pattern = rf"(?:^|,)(?:{'|'.join(names)})(?:,|$)"
    return modifiers.str.contains(pattern, regex=True).fillna(False).astype(bool)


@per_value
def _units(text: pd.Series) -> pd.DataFrame:
    number = pd.to_numeric(
        extract(text, r"(?i)^x?\s*(?P<n>\d+(?:\.\d+)?)\s*(?:units?|u)?$")["n"], errors="coerce")
    number = number.where(np.isfinite(number))  # 400 digits read as inf: not a quantity
    value = number.mask(text.isna(), 1.0)  # a blank units cell bills one unit
    return pd.DataFrame({"units": value.astype("float64"), "units_blank": text.isna()})


@per_value
def route_kind(route: pd.Series) -> pd.Series:
    """The route family each route text names (push, sc, im, intra-arterial, on-body,
    infusion); <NA> where it names none of them."""
    lower = route.str.lower().fillna("")
    conditions = [lower.str.contains(pattern, regex=True) for _, pattern in _ROUTE_KINDS]
    kinds = np.select(conditions, [kind for kind, _ in _ROUTE_KINDS], default="")
    return pd.Series(kinds, index=route.index, dtype="string").mask(lambda s: s == "")


@per_value
def drug_key(drug: pd.Series) -> pd.Series:
    """Each drug name's identity (:func:`scrubber.reference.identity.drug_identity`: the drug
    table entry it names, else the words that name a substance), once per distinct name."""
    return drug_identity(drug)


def _encounter(encounter: pd.Series, patient: pd.Series, service_date: pd.Series) -> pd.Series:
    """The encounter column; else patient + date of service; else the row on its own."""
    missing = encounter.isna()
    if not missing.any():  # the usual sheet: an encounter on every line
        return encounter.astype("string")
    where = encounter.index[missing]  # the fallbacks are made for those lines only
    fallback = (patient.loc[where] + " "
                + service_date.loc[where].dt.strftime("%Y-%m-%d").astype("string"))
    rows = "row " + pd.Series(where, index=where).astype("string")
    return encounter.fillna(fallback.fillna(rows)).astype("string")


def canonical_frame(table: Table, *, max_midnight_gap: float = 720) -> pd.DataFrame:
    """Build the canonical claim-line frame (see the module docstring)."""
    mapping = column_map(table)
    index = table.data.index

    def words() -> tuple[dict[str, pd.Series], dict[str, pd.DataFrame | pd.Series]]:
        text = {f: cleaned_column(table, mapping[f][0]) if mapping.get(f)
                else pd.Series(pd.NA, index=index, dtype="string")  # an absent column
                for f in FIELDS if f not in _PARSED_FIELDS}
        for position in mapping.get("modifiers", []):  # on every row, for the rules too
            cleaned_column(table, position)
        return text, {"codes": _codes(text["code"]), "drug_code": _codes(text["drug_code"]),
                      "units": _units(text["units"]), "route_kind": route_kind(text["route"]),
                      "drug_key": drug_key(text["drug"])}

    def clock() -> dict[str, pd.DataFrame | pd.Series]:
        return {"start": parse_times(_field(table, mapping, "start")),
                "stop": parse_times(_field(table, mapping, "stop")),
                **{f: parse_dates(_field(table, mapping, f))
                   for f in ("service_date", "start_date", "stop_date")},
                "diagnosis": _joined(table, mapping, "diagnosis"),
                # the diagnosis cells cleaned there, for the rules (a forked copy's own
                # table.cleaned is not this one's)
                "cleaned": {p: table.cleaned[p] for p in mapping.get("diagnosis", [])}}

    # every step here is cell by cell, so the text and the clock (times, dates) are made on
    # every row, side by side on a large sheet (scrubber.parallel), and the rows that are not
    # lines are dropped after
    (text, derived), parsed = parallel.both(words, clock, lines=len(index))
    table.cleaned.update(parsed.pop("cleaned"))
    start, stop = parsed["start"], parsed["stop"]
    times = {"start": ~start["blank"], "stop": ~stop["blank"]}
    evidence = pd.concat([text[f].notna() if f in text else times[f] for f in _LINE_EVIDENCE],
                         axis=1).any(axis=1)
    if table.error_cells and not evidence.all():  # a row of error cells is a line too
        evidence |= index.isin(error_cells(table, mapping).index.get_level_values("row"))
    if not evidence.all():  # notes and blank-coded rows are not lines
        keep = evidence[evidence].index
        text = {f: s.loc[keep] for f, s in text.items()}
        derived = {f: s.loc[keep] for f, s in derived.items()}
        parsed = {f: s.loc[keep] for f, s in parsed.items()}
        start, stop = parsed["start"], parsed["stop"]
        table = replace(table, data=table.data.loc[keep])

    codes = derived["codes"]
    dates = parsed["service_date"]
    for times, field in ((start, "start_date"), (stop, "stop_date")):
        times["date"] = times["date"].fillna(parsed[field]["date"])
    span = duration_minutes(start, stop, max_midnight_gap=max_midnight_gap)
    modifiers = _modifiers(table, mapping, codes["mod"])

    frame = pd.DataFrame({
        "encounter": _encounter(text["encounter"], text["patient"], dates["date"]),
        "patient": text["patient"],
        "service_date": dates["date"],
        "service_date_bad": dates["bad"],
        "service_date_implausible": dates["implausible"],
        "code": codes["code"].astype("string"),
        "modifiers": modifiers,
        "distinct_modifier": has_modifier(modifiers, *DISTINCT_MODIFIERS),
        **derived["units"],
        "start": start["minutes"], "start_date": start["date"],
        "start_blank": start["blank"], "start_bad": start["bad"],
        "start_implausible": start["implausible"],
        "stop": stop["minutes"], "stop_date": stop["date"],
        "stop_blank": stop["blank"], "stop_bad": stop["bad"],
        "stop_implausible": stop["implausible"],
        "duration": span["minutes"], "time_impossible": span["impossible"],
        "route": text["route"], "route_kind": derived["route_kind"],
        "drug": text["drug"], "drug_key": derived["drug_key"],
        "drug_code": derived["drug_code"]["code"].astype("string"),
        "dose": text["dose"], "dose_unit": text["dose_unit"],
        "diagnosis": parsed["diagnosis"],
        "ordering_provider": text["ordering_provider"],
        "site": text["site"],
        "kind": text["kind"], "purpose": text["purpose"], "method": text["method"],
        "primary": text["primary"], "place_of_service": text["place_of_service"],
        "ndc": text["ndc"], "waive": text["waive"], "payer": text["payer"],
    }, index=table.data.index)
    frame.index.name = "row"
    # the rules read the cells of multi-column fields again (Diagnosis 1..4, Modifier 1..4);
    # the other cleaned columns live on in the frame: on a million lines the cache's copies
    # of them would cost some 300 MB while the rules run
    multi = {p for f in MULTI_FIELDS for p in mapping.get(f, [])}
    for position in [p for p in table.cleaned if p not in multi]:
        del table.cleaned[position]
    return frame
