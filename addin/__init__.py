"""infusion-scrubber's Excel add-in, on xlwings: cell functions and the Scrub scripts.

``import addin`` exposes every cell function (from :mod:`addin.functions`) and every script
(from :mod:`addin.scripts`), so one import serves xlwings Lite, the classic add-in, xlwings
Server and the tests. :func:`main` is what the classic add-in's ribbon button runs.
"""

from addin.functions import (
    drug_code,
    drug_units,
    infusion_code,
    infusion_codes,
    infusion_minutes,
    infusion_units,
    scrub_table,
)
from addin.scripts import clear_marks, main, scrub, suggest_codes

__all__ = ["clear_marks", "drug_code", "drug_units", "infusion_code", "infusion_codes",
           "infusion_minutes", "infusion_units", "main", "scrub", "scrub_table", "suggest_codes"]
