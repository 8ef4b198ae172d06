"""The coding engine: documented administrations -> the right administration lines.

Pure Python: no Excel, no files. :func:`code_encounter` codes one encounter;
:mod:`scrubber.coding.frame` turns a sheet's rows into administrations.
"""

from scrubber.coding.engine import EncounterCoding, code_administration, code_encounter
from scrubber.coding.model import Administration, CodedLine, Options

__all__ = ["Administration", "CodedLine", "EncounterCoding", "Options", "code_administration",
           "code_encounter"]
