"""Sheet rows -> administrations: the drug table arrives as an argument."""

from __future__ import annotations

import pandas as pd

from scrubber.coding.frame import administrations
from scrubber.io.reader import table_from_frame
from scrubber.normalize import canonical_frame
from scrubber.reference.drugs import parse_table

TABLE = """# source: synthetic test table
# quarter: 2026Q2
code,name,synonyms,unit_amount,unit,up_to,kind,hormonal,single_dose,replaces
J9999,Examplumab,Xampla,1,mg,N,chemotherapy,N,Y,
"""


def _lines(rows: list[dict]) -> pd.DataFrame:
    return canonical_frame(table_from_frame(pd.DataFrame(rows, dtype=object), sheet="Log"))


LOG = [{"Encounter ID": "E1", "Drug": "Xampla 20 mg", "Route": "IV", "Start Time": "10:00",
        "Stop Time": "11:00"}]


def test_the_drug_table_passed_in_names_the_kind():
    admins, _ = administrations(_lines(LOG), drugs=parse_table(TABLE))["E1"]
    assert [(a.drug, a.kind, a.route) for a in admins] == [("Xampla 20 mg", "chemotherapy", "iv")]


def test_the_shipped_table_is_the_default():
    admins, _ = administrations(_lines(LOG))["E1"]
    assert [a.kind for a in admins] == ["therapeutic"]  # not in the shipped table


def test_config_kinds_still_win_over_the_table():
    admins, _ = administrations(_lines(LOG), {"xampla": "hydration"},
                                drugs=parse_table(TABLE))["E1"]
    assert [a.kind for a in admins] == ["hydration"]


def test_an_export_takes_the_rows_of_codes_that_give_a_drug():
    rows = [{"Encounter ID": "E1", "CPT": code, "Start Time": None, "Stop Time": None}
            for code in ("96374", "96523", "96378", "J1100", "96375")]
    admins, _ = administrations(_lines(rows))["E1"]
    assert [a.rows for a in admins] == [(2,), (6,)]
