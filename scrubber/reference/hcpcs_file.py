"""Read the CMS quarterly HCPCS Level II file the user supplies (``--hcpcs FILE``).

CMS publishes it as a workbook and as CSV/text ("HCPC2026_APR_ANWEB"). The columns used:
``HCPC`` (the code), ``LONG DESCRIPTION`` (the descriptor; continuation rows of one code are
joined), and ``TERM DT`` (termination date: the code is deleted from then on) or
``ACTION CD`` ``D`` (discontinued). Codes without a termination date are current.

The long description of a drug code names its billing unit ("Injection, furosemide, up to
20 mg"); :func:`drug_units` reads it for every current drug code, so the drug table follows
the user's quarter (:meth:`scrubber.reference.drugs.DrugTable.with_units`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from scrubber.config import ConfigError
from scrubber.reference.cms_files import load_cached, read_grid

_SEARCH_ROWS = 40


def load_hcpcs(path: str | Path) -> pd.DataFrame:
    """Codes in the file: index ``code``, columns ``description`` and ``deleted`` (bool).

    Raises:
        ConfigError: the file cannot be read or has no HCPC column.
    """
    return load_cached(path, "HCPCS file", _parse)


def _parse(path: str, label: str) -> pd.DataFrame:
    return hcpcs_from_grid(read_grid(Path(path), label), path)


def hcpcs_from_grid(grid: list[list[object]], path: str) -> pd.DataFrame:
    """The HCPCS file from rows of cells (a file's first sheet, or the file pasted into a
    workbook, as the Excel add-in reads it); ``path`` names it in messages.

    Raises:
        ConfigError: no HCPC column, or no rows with a code.
    """
    for index, row in enumerate(grid[:_SEARCH_ROWS]):  # noqa: B007 - used after break
        texts = [str(v).strip().upper() if v is not None else "" for v in row]
        code = next((i for i, t in enumerate(texts) if t in ("HCPC", "HCPCS", "HCPCS CODE",
                                                               "HCPC CODE", "CODE")), None)
        if code is not None:
            break
    else:
        raise ConfigError(f"HCPCS file {path}: no header row with an HCPC column in the "
                          f"first {_SEARCH_ROWS} rows")
    desc = next((i for i, t in enumerate(texts) if "LONG DESC" in t), None)
    desc = desc if desc is not None else next((i for i, t in enumerate(texts) if "DESC" in t),
                                              None)
    term = next((i for i, t in enumerate(texts) if t.startswith("TERM")), None)
    action = next((i for i, t in enumerate(texts) if t.startswith("ACTION")), None)

    def column(position: int | None) -> list[str]:
        if position is None:
            return [""] * (len(grid) - index - 1)
        return ["" if position >= len(r) or r[position] is None else str(r[position]).strip()
                for r in grid[index + 1:]]

    frame = pd.DataFrame({"code": column(code), "description": column(desc),
                          "term": column(term), "action": column(action)})
    frame["code"] = frame["code"].str.upper()
    frame = frame[frame["code"].str.fullmatch(r"[A-Z0-9]{5}")]
    if frame.empty:
        raise ConfigError(f"HCPCS file {path}: no rows with a five-character code")
    frame["deleted"] = frame["term"].ne("") | frame["action"].str.upper().eq("D")
    return frame.groupby("code").agg(description=("description", " ".join),
                                     deleted=("deleted", "any"))


#: a unit as CMS spells it in a descriptor or a dosage cell -> the drug table's spelling.
_UNIT_WORDS = {
    "mg": "mg", "milligram": "mg", "milligrams": "mg", "mcg": "mcg", "microgram": "mcg",
    "micrograms": "mcg", "g": "g", "gm": "g", "gram": "g", "grams": "g", "units": "units",
    "unit": "units", "u": "units", "iu": "units", "i.u.": "units", "ml": "mL", "cc": "mL",
    "milliliter": "mL", "milliliters": "mL", "meq": "mEq", "million units": "units",
}
_UNIT_PATTERN = "|".join(re.escape(w) for w in sorted(_UNIT_WORDS, key=len, reverse=True))
_AMOUNT = re.compile(
    rf"(?P<lead>up to |per )?(?P<amount>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    rf"\s*(?P<unit>{_UNIT_PATTERN})(?![a-z])", re.IGNORECASE)
#: "per gm", "per gram": one gram, the amount left unsaid.
_PER_UNIT = re.compile(r"\bper (?P<unit>gm|gram|g|ml|cc|meq|mg|mcg)\b", re.IGNORECASE)
#: a combination's strengths and their total: "1 g/0.125 g (1.125 g)".
_TOTAL = re.compile(r"/[^()]*\((?P<total>[^()]+)\)\s*$")
#: a parenthesised remark without an amount ("(for non-esrd use)", "(code may be used for
#: medicare when ..., not for use when ...)"): dropped before the unit is looked for.
_REMARK = re.compile(r"\((?![^()]*\d)[^()]*\)")
#: the commas of a number ("600,000") are not the descriptor's separators.
_SEGMENT = re.compile(r",(?!\d{3}\b)")


def unit_from_text(text: str) -> tuple[float, str, bool] | None:
    """The billing unit a HCPCS long description (or an ASP "HCPCS Code Dosage" cell) gives:
    (amount, unit, up_to), or None when it names none or is ambiguous.

    "Injection, furosemide, up to 20 mg" -> (20, "mg", True); "..., per 15 mg" -> (15, "mg",
    False); "..., 0.1 mg", "per 1000 units", "per 2500 iu", "per 10 ml", "1000 cc", "per 2
    meq", "up to 600,000 units", "1 microgram"; "per gm" -> (1, "g"); "1 g/0.125 g (1.125 g)"
    -> the total. Two strengths with no total ("ceftolozane 50 mg and tazobactam 25 mg"), a
    vial or a dose with no amount give None: such a code keeps the shipped table's unit.
    """
    text = _REMARK.sub("", " ".join(str(text).split()))
    if not text.strip():
        return None
    segment = _SEGMENT.split(text)[-1].strip()
    total = _TOTAL.search(segment)
    if total:
        segment = total.group("total")
    found = list(_AMOUNT.finditer(segment))
    if not found:
        per = _PER_UNIT.search(segment)
        return (1.0, _UNIT_WORDS[per.group("unit").lower()], False) if per else None
    if len(found) > 1:
        return None
    match = found[0]
    amount = float(match.group("amount").replace(",", ""))
    word = match.group("unit").lower()
    if word == "million units":
        amount *= 1_000_000
    if amount <= 0:
        return None
    lead = (match.group("lead") or "").lower()
    return amount, _UNIT_WORDS[word], lead == "up to "


def drug_units(hcpcs: pd.DataFrame) -> pd.DataFrame:
    """Billing units of the current drug codes (J, Q, C, S) in a HCPCS table from
    :func:`load_hcpcs`: index ``code``; ``amount``, ``unit``, ``up_to``, ``description``.
    Codes whose description names no single unit are left out."""
    rows = {}
    for code, description, deleted in zip(hcpcs.index, hcpcs["description"],
                                          hcpcs["deleted"], strict=True):
        if deleted or not re.fullmatch(r"[JQCS]\d{4}", code):
            continue
        unit = unit_from_text(description)
        if unit is not None:
            rows[code] = (*unit, _drug_name(description))
    return pd.DataFrame.from_dict(rows, orient="index",
                                  columns=["amount", "unit", "up_to", "description"])


def _drug_name(description: str) -> str:
    """A readable name from a long description: "Injection, furosemide, up to 20 mg" ->
    "furosemide"."""
    parts = [p.strip() for p in _SEGMENT.split(" ".join(str(description).split()))]
    words = [p for p in parts if p and p.lower() not in ("injection", "infusion")
             and not _AMOUNT.search(p)]
    return (words[0] if words else parts[0]).lower()
