"""Canonical charge-line fields and the header names exports use for them.

Headers are matched after :func:`header_key` folds case, spaces, punctuation and any
parenthesised hint ("Start Time (hh:mm)"), so "CPT/HCPCS", "cpt hcpcs" and "CPT-HCPCS" are one.
"""

from __future__ import annotations

import re

#: canonical field -> header names that mean it (canonical name first).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "encounter": ("Encounter ID", "Encounter", "Encounter Number", "Visit ID", "Visit",
                  "Account", "Account Number", "Acct", "Claim ID", "FIN", "CSN"),
    "patient": ("Patient ID", "MRN", "Patient", "Medical Record Number"),
    "service_date": ("Date of Service", "DOS", "Service Date", "Svc Date", "Date"),
    "code": ("CPT/HCPCS", "CPT", "HCPCS", "CPT Code", "HCPCS Code", "CPT/HCPCS Code",
             "HCPCS/CPT", "Procedure Code", "Proc Code", "Charge Code", "Billing Code", "Code"),
    "modifiers": ("Modifiers", "Modifier", "Mod", "Mods",
                  "Modifier 1", "Modifier 2", "Modifier 3", "Modifier 4",
                  "Mod 1", "Mod 2", "Mod 3", "Mod 4"),
    "units": ("Units", "Qty", "Quantity", "Units Billed", "Billed Units", "Service Units"),
    "start": ("Start Time", "Start", "Infusion Start", "Admin Start", "Start Time of Admin"),
    "stop": ("Stop Time", "Stop", "End Time", "End", "Infusion End", "Infusion Stop", "Admin End",
             "Admin Stop"),
    "start_date": ("Start Date",),
    "stop_date": ("Stop Date", "End Date"),
    "route": ("Route", "Admin Route", "Route of Administration"),
    "drug": ("Drug", "Drug Name", "Medication", "Substance", "Medication Name"),
    "drug_code": ("Drug Code", "J-Code", "J Code", "Drug HCPCS", "JCode"),
    "dose": ("Dose", "Dosage", "Dose Given", "Amount Given"),
    "dose_unit": ("Dose Unit", "Unit", "UOM", "Dose UOM"),
    "diagnosis": ("Diagnosis", "Dx", "ICD-10", "ICD10", "Diagnosis Code", "Primary Dx",
                  "ICD-10-CM", "Dx Code", "ICD-10 Code", "ICD10 Code", "ICD-10-CM Code",
                  "Primary Diagnosis", "Secondary Diagnosis", "Secondary Dx",
                  "Principal Diagnosis", "Principal Dx", "Diagnosis Codes",
                  # a claim carries up to 12 diagnoses (CMS-1500 item 21 A-L)
                  *(f"{name} {n}" for name in ("Diagnosis", "Dx", "Diagnosis Code",
                                               "Dx Code", "ICD-10", "ICD10", "ICD-10 Code")
                    for n in range(1, 13))),
    "ordering_provider": ("Ordering Provider", "Ordered By", "Physician Order", "Order",
                          "Ordering Physician"),
    "site": ("Site", "IV Site", "Access Site", "Access", "Access Line", "Line"),
    # administration-log fields (scrubber suggest; also read from charge exports)
    "kind": ("Kind", "Drug Kind", "Drug Type", "Administration Type", "Admin Type", "Type",
             "Category"),
    "purpose": ("Purpose", "Fluid Purpose", "Use"),
    "method": ("Method", "Delivery Method", "Administration Method", "Device"),
    "primary": ("Primary", "Primary Reason", "Primary Service"),
    "place_of_service": ("Place of Service", "POS", "Place of Svc"),
    "ndc": ("NDC", "NDC Code", "National Drug Code", "NDC Number"),
    # the line's payer: picks a [payers.NAME] profile by its match texts (scrubber.payers)
    "payer": ("Payer", "Payer Name", "Primary Payer", "Primary Payer Name", "Payor",
              "Payor Name", "Primary Payor", "Payer/Plan", "Insurance", "Insurance Name",
              "Primary Insurance", "Insurance Plan", "Insurance Carrier", "Insurance Company",
              "Plan", "Plan Name", "Primary Plan", "Health Plan", "Financial Class",
              "Fin Class", "Financial Class Name", "Payer Type", "Insurance Type", "Ins Plan",
              "Ins Name", "Primary Ins"),
    # an analyst's waivers: rules accepted on this line (scrubber.waivers)
    "waive": ("Scrub Waive", "Waive", "Waiver", "Scrub Waiver", "Waived"),
}

#: fields whose several columns are joined into one list (e.g. Modifier 1 .. Modifier 4).
MULTI_FIELDS = frozenset({"modifiers", "diagnosis"})

#: every field the canonical frame carries, in a stable order.
FIELDS: tuple[str, ...] = tuple(SYNONYMS)

#: columns the marked copy adds; they are never read back as data.
STATUS_HEADER = "Scrub Status"
FINDINGS_HEADER = "Scrub Findings"

_PAREN = re.compile(r"\([^)]*\)")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def header_key(text: object) -> str:
    """Fold a header cell to the key used for matching ("CPT/HCPCS" -> "cpthcpcs")."""
    if text is None:
        return ""
    folded = _PAREN.sub("", str(text).lower())
    return _NON_ALNUM.sub("", folded)


#: header key -> (field, rank of the name among the field's synonyms; 0 is canonical).
_KEY_TO_FIELD: dict[str, tuple[str, int]] = {
    header_key(name): (field, rank)
    for field, names in SYNONYMS.items() for rank, name in enumerate(names)
}


def field_for_header(text: object) -> str | None:
    """The canonical field a header names, or None for a column the tool does not know."""
    found = _KEY_TO_FIELD.get(header_key(text))
    return found[0] if found else None


def map_headers(headers: list[str]) -> dict[str, list[int]]:
    """Map canonical fields to the positions of the columns that carry them.

    For a single-valued field the column with the most specific name wins ("CPT/HCPCS" over a
    "Charge Code" that may hold charge-master numbers), then the leftmost; multi-valued
    fields keep every column, left to right.
    """
    best: dict[str, tuple[int, int]] = {}
    mapping: dict[str, list[int]] = {}
    for position, header in enumerate(headers):
        found = _KEY_TO_FIELD.get(header_key(header))
        if found is None:
            continue
        field, rank = found
        if field in MULTI_FIELDS:
            mapping.setdefault(field, []).append(position)
        elif field not in best or rank < best[field][0]:
            best[field] = (rank, position)
    mapping.update({field: [position] for field, (_, position) in best.items()})
    return mapping


def headers_seen(headers: list[str], row: int) -> str:
    """What an error says of a header row: the fields recognised there, by their own names,
    and how many other headers there are. The header texts themselves are cells of the
    user's file and are never quoted (a header cell can hold anything)."""
    mapping = map_headers(headers)
    fields = ", ".join(name.replace("_", " ") for name in mapping) or "none"
    others = sum(1 for h in headers if h) - sum(len(p) for p in mapping.values())
    rest = f"; {others} other header{'s' if others != 1 else ''}" if others > 0 else ""
    return f"fields recognised on row {row}: {fields}{rest}"
