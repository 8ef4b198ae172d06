"""Sheet rows -> administrations per encounter, for the coding engine.

Reads an administration log (one row per administration: Drug, Route, Kind, Start/Stop Time,
optional Site, Stop Date, Purpose, Method, Primary, Place of Service) or a charge export,
whose administration-code rows are used (drug supply lines and hourly add-on lines are not
administrations; a 96361 line with its own times is hydration). Classification is
vectorised; only the final records are built row by row.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scrubber.codes import (
    CATALOGUE,
    DRUG_ADMINISTRATION,
    HOURLY_ADDON,
    RANGE_PATTERN,
    SUBSEQUENT,
    only,
)
from scrubber.coding.model import Administration
from scrubber.reference.drugs import DrugTable, drug_table
from scrubber.reference.identity import drug_identity, drug_mentions, identify

_ROUTE = {"push": "push", "sc": "sc", "im": "im", "intra-arterial": "ia", "infusion": "iv",
          "on-body": "sc"}
#: billed code -> route, for lines whose route cell says nothing usable (the catalogue's
#: method; an SC/IM injection is read as IM so that its minutes never make it an infusion).
_METHOD_ROUTE = {"iv push": "push", "sc/im injection": "im", "sc infusion": "sc",
                 "intra-arterial": "ia"}
_CODE_ROUTE = {c.code: _METHOD_ROUTE[c.method] for c in CATALOGUE.values()
               if c.method in _METHOD_ROUTE}
#: billed code -> the method it says (on-body injector 96377; prolonged pump 96416, 96425).
_CODE_METHOD = {c.code: {"on-body injector": "on-body", "prolonged pump": "pump"}[c.kind]
                for c in CATALOGUE.values() if c.kind in ("on-body injector", "prolonged pump")}
#: billed code -> the drug kind it says (its catalogue family).
_CODE_KIND = {c.code: c.family for c in CATALOGUE.values()}
_HORMONAL = only(kind="hormonal injection")  # 96402
#: secondary hydration: the hydration initial's subsequent code (96361).
_SECONDARY_HYDRATION = SUBSEQUENT[only(role="initial", family="hydration")]
_KIND_PATTERNS = (("chemotherapy", r"chemo|anti-?neoplast|oncolog|cancer|hormon|complex"),
                  ("hydration", r"hydrat|fluid|electrolyte"),
                  ("therapeutic", r"therap|prophyla|diagnos|drug|biolog|antibiot"))
#: purposes that make fluid part of another service, not billable hydration (DOMAIN.md).
PURPOSE_PATTERNS = (("kvo", r"\bkvo\b|\btko\b|keep (?:the )?veins? open|to keep open"),
                    ("flush", r"flush"),
                    ("carrier", r"carrier|diluent"))
_METHOD_PATTERNS = (("on-body", r"on-?\s?body|onpro|wearable injector"),
                    ("pump", r"pump|cadd|elastomeric|ambulatory|portable|implant"))
_YES = r"^(?:y|yes|true|1|x|primary|p)$"


def _match(text: pd.Series, patterns: tuple[tuple[str, str], ...]) -> pd.Series:
    lower = text.astype("string").str.lower().fillna("")
    conditions = [lower.str.contains(p, regex=True) for _, p in patterns]
    chosen = np.select(conditions, [name for name, _ in patterns], default="")
    return pd.Series(chosen, index=text.index, dtype="object")


def kind_of(text: pd.Series) -> pd.Series:
    """The drug kind each Kind text names (chemotherapy, hydration, therapeutic); "" where it
    names none."""
    return _match(text, _KIND_PATTERNS)


def _flag(mask: pd.Series) -> pd.Series:
    """A nullable mask as plain booleans (missing is False)."""
    return mask.astype("boolean").fillna(False).astype(bool)


def _code_kind(code: pd.Series) -> pd.Series:
    """The kind a billed administration code says (its catalogue family; "" for others)."""
    return code.map(_CODE_KIND).astype("object").fillna("")


def _table_kind(drug: pd.Series, drug_kinds: Mapping[str, str], drugs: DrugTable
                ) -> pd.Series:
    """The kind the drug table gives a drug name (the first entry it names: "D5-1/2NS with
    20 mEq KCl" is a hydration fluid), the config's ``drug_kinds`` first (by any drug the
    name names)."""
    kinds = identify(drug, drugs)["code"].map({e.code: e.kind for e in drugs.entries})
    overrides = _folded(drug_kinds, drugs)
    if overrides:
        named = drug_mentions(drug, drugs).map(overrides).dropna()
        kinds = named.groupby(level=0).first().reindex(drug.index).fillna(kinds)
    return kinds.astype("object").fillna("")


def _hormonal(drug: pd.Series, drugs: DrugTable) -> pd.Series:
    flags = {e.code: e.hormonal for e in drugs.entries}
    return identify(drug, drugs)["code"].map(flags).astype("object").fillna(False).astype(bool)


def _folded(drug_kinds: Mapping[str, str], drugs: DrugTable) -> dict[str, str]:
    """The config's drug names as identity keys -> kind."""
    if not drug_kinds:
        return {}
    keys = drug_identity(pd.Series(list(drug_kinds), dtype="string"), drugs)
    return {key: kind for key, kind in zip(keys, drug_kinds.values(), strict=True)
            if isinstance(key, str)}


def administration_rows(lines: pd.DataFrame) -> pd.Series:
    """Which rows are administrations: every row of a log (no administration codes); in a
    charge export (any code inside 96360-96549, real or not) the rows of codes that give a
    drug or fluid, without hourly add-ons (a timed 96361 is hydration)."""
    code = lines["code"]
    # a log (its code column, if any, has J-codes); a charge export bills administration
    # codes, some of them perhaps broken (96378)
    if not code.str.match(RANGE_PATTERN).fillna(False).astype(bool).any():
        return pd.Series(True, index=lines.index)
    timed = ~lines["start_blank"] & ~lines["stop_blank"]
    addon = code.isin(HOURLY_ADDON) & ~(code.isin([_SECONDARY_HYDRATION]) & timed)
    return code.isin(DRUG_ADMINISTRATION) & ~addon


def classify_rows(lines: pd.DataFrame, drug_kinds: Mapping[str, str],
                  drugs: DrugTable | None = None) -> pd.DataFrame:
    """Route, kind, purpose, method and clock of every administration row (vectorised).

    ``drugs`` is the drug table that names kinds (the shipped one when None).
    """
    drugs = drugs if drugs is not None else drug_table()
    rows = lines[administration_rows(lines)]
    code = rows["code"]
    route = rows["route_kind"].map(_ROUTE).astype("object")
    route = route.where(route.notna() & ~(route.eq("iv") & code.isin(_CODE_ROUTE)),
                        code.map(_CODE_ROUTE)).fillna("iv")
    kind = kind_of(rows["kind"])
    for fallback in (_code_kind(code), _table_kind(rows["drug"], drug_kinds, drugs)):
        kind = kind.where(kind != "", fallback)
    kind = kind.where(kind != "", "therapeutic")
    hormonal = (_flag(rows["kind"].str.contains("hormon", case=False))
                | _flag(code.eq(_HORMONAL)) | _hormonal(rows["drug"], drugs))
    purpose_text = rows["purpose"].fillna("") + " " + rows["drug"].fillna("")
    method_text = rows["method"].fillna("") + " " + rows["route"].fillna("")
    method = _match(method_text, _METHOD_PATTERNS)
    method = method.where(method != "", code.map(_CODE_METHOD).astype("object").fillna(""))
    day = day_number(rows)
    start = day * 1440 + rows["start"]
    return pd.DataFrame({
        "encounter": rows["encounter"], "drug": rows["drug"].fillna(""),
        "route": route, "kind": kind, "start": start, "stop": start + rows["duration"],
        "site": rows["site"].fillna("").str.strip().str.lower(),
        "purpose": _match(purpose_text, PURPOSE_PATTERNS), "method": method,
        "primary": _flag(rows["primary"].str.strip().str.lower().str.match(_YES)),
        "hormonal": hormonal.astype(bool), "drug_key": rows["drug_key"].fillna(""),
        "day": day, "date": start_date(rows).dt.strftime("%Y-%m-%d"),
        "place": rows["place_of_service"].str.extract(r"(\d+)")[0].str.zfill(2),
        "site_text": rows["site"].fillna(""),
    }, index=rows.index)


def start_date(rows: pd.DataFrame) -> pd.Series:
    """The date each row started: its start date, else the date of service, else the
    encounter's first date (NaT when the encounter has no date at all)."""
    date = rows["start_date"].fillna(rows["service_date"])
    first = date.groupby(rows["encounter"]).transform("min")
    return date.fillna(first)


def day_number(rows: pd.DataFrame) -> pd.Series:
    """Day number of each row's start (:func:`start_date`, else 0)."""
    epoch = pd.Timestamp("2000-01-01")
    days = (start_date(rows) - epoch).dt.days
    return days.fillna(0).astype("int64")


def administrations(lines: pd.DataFrame, drug_kinds: Mapping[str, str] | None = None,
                    drugs: DrugTable | None = None
                    ) -> dict[str, tuple[list[Administration], str]]:
    """Encounter -> (its administrations, its place of service); ``drugs`` is the drug table
    that names kinds (the shipped one when None)."""
    rows = classify_rows(lines, drug_kinds or {}, drugs)
    out: dict[str, tuple[list[Administration], str]] = {}
    for record in rows.itertuples():
        admin = Administration(
            drug=record.drug, route=record.route, kind=record.kind,
            start=None if pd.isna(record.start) else float(record.start),
            stop=None if pd.isna(record.stop) else float(record.stop),
            site=record.site_text.strip() if record.site else "", purpose=record.purpose,
            method=record.method, primary=bool(record.primary),
            hormonal=bool(record.hormonal), drug_key=record.drug_key,
            rows=(int(record.Index),), day=int(record.day),
            date=record.date if isinstance(record.date, str) else "")
        admins, place = out.setdefault(str(record.encounter), ([], ""))
        if not place and isinstance(record.place, str):
            out[str(record.encounter)] = (admins, record.place)
        admins.append(admin)
    return out
