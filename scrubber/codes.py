"""The catalogue of drug-administration codes: every real code of 96360-96379 and 96401-96549.

Billing knowledge about these codes lives here once (../shared/DOMAIN.md "The codes"; CMS
Claims Processing Manual ch. 12 section 30.5; NCCI Policy Manual ch. XI; CPT as CMS and the
MACs quote it). Each code is one immutable :class:`AdminCode`; every set and mapping the rules
and the coding engine use (``INITIAL``, ``TIME_BASED``, ``SUBSEQUENT``...) is derived from the
records below, never written out again. Codes are strings, as they appear on a claim. The
module imports nothing of the package, so every layer may read it.

Placement in the facility hierarchy (``rank``): chemotherapy infusion 6 > chemotherapy push 5
> therapeutic infusion 4 > therapeutic push 3 > hydration 1, for every code of the IV access
(an add-on ranks as the service it bills). The subcutaneous (96369) and intra-arterial (96422)
initials take rank 0, below all of it: they are initial services of their own access (DOMAIN.md
"Initial codes"; 96369 is once per encounter by CPT), but the hierarchy CMS describes, and the
one-initial rule with its distinct-service modifiers, are the IV access's, and no source names
SC infusion in the hierarchy. So they never take or contest the IV initial slot, and IV
hydration beside them stays 96360 (96361's primaries are the IV initials only).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

#: families: what the administration gives (the coding engine calls this an administration's
#: kind; the drug table's kinds are the same words).
FAMILIES = ("hydration", "therapeutic", "chemotherapy")
#: methods: route and technique.
METHODS = ("iv infusion", "iv push", "sc/im injection", "sc infusion", "intra-arterial", "other")
#: roles: an initial service, an add-on reported with a primary, or a code that stands alone.
ROLES = ("initial", "add-on", "standalone")
#: the two ranges of administration codes, inclusive.
RANGES = ((96360, 96379), (96401, 96549))


@dataclass(frozen=True, slots=True)
class AdminCode:
    """One administration code.

    Attributes:
        code: the CPT code.
        description: what it bills, in plain words (the AMA's descriptors are copyrighted).
        family: hydration, therapeutic or chemotherapy (see :data:`FAMILIES`).
        method: route and technique (see :data:`METHODS`).
        kind: what the code bills within its family: initial, hourly (each additional hour),
            sequential, concurrent, new-drug push, repeat push, pump set-up, injection,
            hormonal injection, on-body injector, prolonged pump, intralesional, cavity,
            device or unlisted.
        role: initial, add-on or standalone (see :data:`ROLES`).
        primaries: for an add-on, the codes CPT lets it be reported with.
        rank: facility hierarchy rank of the service it bills (see the module docstring);
            None outside the hierarchy.
        timed: billed by the documented minutes of its own line, so start and stop must be
            documented (hourly add-ons take theirs from their primary lines).
        min_minutes: the fewest minutes CPT bills it for (payers may raise it); None when no
            minimum applies.
        hourly_addon: the each-additional-hour add-on that bills its minutes past the first
            hour.
        extends: for an hourly add-on, the lines whose minutes it adds hours to.
        facility_only: reported by the facility only (96376); an error on a professional claim.
        per_encounter: CPT's limit of units per encounter, or None.
        subsequent: for an initial, the code it becomes when another initial is kept.
        as_initial: for an add-on, the initial it would be as the encounter's first service.
        as_push: for an IV drug infusion code, the push code of the same family and role that
            bills an administration documented as a push.
        delivery: "infusion", "push", or "" (an injection or a procedure).
        carries_drug: the administration gives a drug or fluid that is billed on its own line
            (False for pump refill and maintenance and for irrigating an access device).
    """

    code: str
    description: str
    family: str
    method: str
    kind: str
    role: str
    primaries: tuple[str, ...] = ()
    rank: int | None = None
    timed: bool = False
    min_minutes: int | None = None
    hourly_addon: str | None = None
    extends: tuple[str, ...] = ()
    facility_only: bool = False
    per_encounter: int | None = None
    subsequent: str | None = None
    as_initial: str | None = None
    as_push: str | None = None
    delivery: str = ""
    carries_drug: bool = True

    @property
    def hourly(self) -> bool:
        """An each-additional-hour add-on."""
        return self.kind == "hourly"


_H, _T, _C = FAMILIES
_IV, _PUSH, _INJ, _SC, _IA, _OTHER = METHODS
_INIT, _ADD, _ALONE = ROLES
#: the IV drug initials a secondary service follows (CPT's parentheticals for 96361, 96367,
#: 96375 and 96376 as CMS and the MACs quote them).
_IV_DRUG_INITIALS = ("96365", "96374", "96409", "96413")

_RECORDS = (
    # hydration (CPT 96360-96361)
    AdminCode("96360", "IV hydration, initial, 31 minutes to 1 hour", _H, _IV, "initial",
              _INIT, rank=1, timed=True, min_minutes=31, hourly_addon="96361",
              subsequent="96361", delivery="infusion"),
    AdminCode("96361", "IV hydration, each additional hour", _H, _IV, "hourly", _ADD,
              primaries=("96360", *_IV_DRUG_INITIALS), rank=1, min_minutes=31,
              extends=("96360",), as_initial="96360", delivery="infusion"),
    # therapeutic, prophylactic and diagnostic (CPT 96365-96379)
    AdminCode("96365", "IV infusion for therapy, prophylaxis or diagnosis, initial, up to 1 "
                       "hour", _T, _IV, "initial", _INIT, rank=4, timed=True, min_minutes=16,
              hourly_addon="96366", subsequent="96367", as_push="96374", delivery="infusion"),
    AdminCode("96366", "IV infusion for therapy, prophylaxis or diagnosis, each additional "
                       "hour", _T, _IV, "hourly", _ADD, primaries=("96365", "96367"), rank=4,
              extends=("96365", "96367"), as_initial="96365", delivery="infusion"),
    AdminCode("96367", "IV infusion, additional sequential infusion of a new drug, up to 1 "
                       "hour", _T, _IV, "sequential", _ADD, primaries=_IV_DRUG_INITIALS, rank=4,
              timed=True, min_minutes=16, hourly_addon="96366", as_initial="96365",
              as_push="96375", delivery="infusion"),
    AdminCode("96368", "IV infusion, concurrent infusion", _T, _IV, "concurrent", _ADD,
              primaries=("96365", "96366", "96413", "96415", "96416"), rank=4, timed=True,
              per_encounter=1, as_initial="96365", as_push="96375", delivery="infusion"),
    AdminCode("96369", "subcutaneous infusion, initial, up to 1 hour, including pump set-up "
                       "and infusion sites", _T, _SC, "initial", _INIT, rank=0, timed=True,
              min_minutes=16, hourly_addon="96370", per_encounter=1, delivery="infusion"),
    AdminCode("96370", "subcutaneous infusion, each additional hour", _T, _SC, "hourly", _ADD,
              primaries=("96369",), extends=("96369",), as_initial="96369",
              delivery="infusion"),
    AdminCode("96371", "subcutaneous infusion, additional pump set-up with a new infusion "
                       "site", _T, _SC, "pump set-up", _ADD, primaries=("96369",),
              per_encounter=1, as_initial="96369", delivery="infusion"),
    AdminCode("96372", "subcutaneous or intramuscular injection", _T, _INJ, "injection",
              _ALONE),
    AdminCode("96373", "intra-arterial injection", _T, _IA, "injection", _ALONE,
              delivery="push"),
    AdminCode("96374", "IV push, single or initial drug", _T, _PUSH, "initial", _INIT, rank=3,
              subsequent="96375", delivery="push"),
    AdminCode("96375", "IV push of a new drug after the initial service", _T, _PUSH,
              "new-drug push", _ADD, primaries=_IV_DRUG_INITIALS, rank=3, as_initial="96374",
              delivery="push"),
    AdminCode("96376", "IV push of the same drug again, more than 30 minutes after its last "
                       "administration (facility only)", _T, _PUSH, "repeat push", _ADD,
              primaries=_IV_DRUG_INITIALS, rank=3, facility_only=True, as_initial="96374",
              delivery="push"),
    AdminCode("96377", "application of an on-body injector for a timed subcutaneous "
                       "injection", _T, _INJ, "on-body injector", _ALONE),
    AdminCode("96379", "unlisted therapeutic, prophylactic or diagnostic injection or "
                       "infusion", _T, _OTHER, "unlisted", _ALONE),
    # chemotherapy and other highly complex drugs (CPT 96401-96549)
    AdminCode("96401", "chemotherapy subcutaneous or intramuscular injection, non-hormonal",
              _C, _INJ, "injection", _ALONE),
    AdminCode("96402", "chemotherapy subcutaneous or intramuscular injection, hormonal",
              _C, _INJ, "hormonal injection", _ALONE),
    AdminCode("96405", "chemotherapy intralesional, up to 7 lesions", _C, _OTHER,
              "intralesional", _ALONE),
    AdminCode("96406", "chemotherapy intralesional, more than 7 lesions", _C, _OTHER,
              "intralesional", _ALONE),
    AdminCode("96409", "chemotherapy IV push, single or initial drug", _C, _PUSH, "initial", _INIT,
              rank=5, subsequent="96411", delivery="push"),
    AdminCode("96411", "chemotherapy IV push, each additional drug", _C, _PUSH,
              "new-drug push", _ADD, primaries=("96409", "96413"), rank=5,
              as_initial="96409", delivery="push"),
    AdminCode("96413", "chemotherapy IV infusion, initial, up to 1 hour", _C, _IV, "initial",
              _INIT, rank=6, timed=True, min_minutes=16, hourly_addon="96415",
              subsequent="96417", as_push="96409", delivery="infusion"),
    AdminCode("96415", "chemotherapy IV infusion, each additional hour", _C, _IV, "hourly",
              _ADD, primaries=("96413", "96417"), rank=6, extends=("96413", "96417"),
              as_initial="96413", delivery="infusion"),
    AdminCode("96416", "prolonged chemotherapy infusion (more than 8 hours) started with a "
                       "portable or implantable pump", _C, _IV, "prolonged pump", _ALONE,
              timed=True, delivery="infusion"),
    AdminCode("96417", "chemotherapy IV infusion, each additional sequential infusion of a "
                       "new drug, up to 1 hour", _C, _IV, "sequential", _ADD,
              primaries=("96413",), rank=6, timed=True, min_minutes=16,
              hourly_addon="96415", as_initial="96413", as_push="96411", delivery="infusion"),
    AdminCode("96420", "chemotherapy intra-arterial push", _C, _IA, "injection", _ALONE,
              delivery="push"),
    AdminCode("96422", "chemotherapy intra-arterial infusion, initial, up to 1 hour", _C, _IA,
              "initial", _INIT, rank=0, timed=True, min_minutes=16, hourly_addon="96423",
              delivery="infusion"),
    AdminCode("96423", "chemotherapy intra-arterial infusion, each additional hour", _C, _IA,
              "hourly", _ADD, primaries=("96422",), extends=("96422",), as_initial="96422",
              delivery="infusion"),
    AdminCode("96425", "prolonged intra-arterial chemotherapy infusion (more than 8 hours) "
                       "started with a portable or implantable pump", _C, _IA,
              "prolonged pump", _ALONE, timed=True, delivery="infusion"),
    AdminCode("96440", "chemotherapy into the pleural cavity", _C, _OTHER, "cavity", _ALONE),
    AdminCode("96446", "chemotherapy into the peritoneal cavity", _C, _OTHER, "cavity",
              _ALONE),
    AdminCode("96450", "chemotherapy into the central nervous system", _C, _OTHER, "cavity",
              _ALONE),
    AdminCode("96521", "refilling and maintenance of a portable pump", _C, _OTHER, "device",
              _ALONE, carries_drug=False),
    AdminCode("96522", "refilling and maintenance of an implantable pump or reservoir", _C,
              _OTHER, "device", _ALONE, carries_drug=False),
    AdminCode("96523", "irrigation of an implanted venous access device", _C, _OTHER, "device",
              _ALONE, carries_drug=False),
    AdminCode("96542", "chemotherapy through a subcutaneous reservoir or intraventricular "
                       "catheter", _C, _OTHER, "cavity", _ALONE),
    AdminCode("96549", "unlisted chemotherapy procedure", _C, _OTHER, "unlisted", _ALONE),
)

#: code -> its record.
CATALOGUE: MappingProxyType[str, AdminCode] = MappingProxyType({r.code: r for r in _RECORDS})


def _codes(keep) -> frozenset[str]:
    return frozenset(r.code for r in _RECORDS if keep(r))


def _mapping(pairs) -> MappingProxyType:
    return MappingProxyType(dict(pairs))


# ----- derived sets (every name scrubber.codes exported before the catalogue stays) -------

#: every real administration code.
ADMINISTRATION = frozenset(CATALOGUE)
#: administration codes that give a drug or fluid billed on its own line.
DRUG_ADMINISTRATION = _codes(lambda r: r.carries_drug)
#: initial services (the codes CPT calls initial, of every access).
INITIAL = _codes(lambda r: r.role == "initial")
#: initials of the IV access: one per encounter (DOMAIN.md "One initial service"), chosen
#: by the facility hierarchy.
IV_INITIAL = _codes(lambda r: r.role == "initial" and (r.rank or 0) > 0)
#: add-on codes -> the primary codes CPT lets them be reported with.
ADDON_PRIMARIES = _mapping((r.code, r.primaries) for r in _RECORDS if r.role == "add-on")
#: add-on codes -> the initial each would be as the encounter's first service.
AS_INITIAL = _mapping((r.code, r.as_initial) for r in _RECORDS if r.as_initial)
#: facility hierarchy rank of every ranked code (see the module docstring).
RANK = _mapping((r.code, r.rank) for r in _RECORDS if r.rank is not None)
#: the same for initials: the higher rank is kept as the initial service.
INITIAL_RANK = _mapping((c, RANK[c]) for c in sorted(INITIAL))
#: codes of the facility's IV hierarchy (rank 1 and up).
IV_HIERARCHY = _codes(lambda r: (r.rank or 0) > 0)
#: what an initial becomes when another initial is kept for the encounter.
SUBSEQUENT = _mapping((r.code, r.subsequent) for r in _RECORDS if r.subsequent)
#: time-based codes whose start and stop must be documented on their own line.
TIME_BASED = _codes(lambda r: r.timed)
#: codes with a minimum number of minutes (a payer profile may raise it).
MINIMUM_MINUTES = _mapping((r.code, r.min_minutes) for r in _RECORDS if r.min_minutes)
#: each-additional-hour add-ons -> the primaries they may follow (for 96361 that is also
#: secondary hydration after another initial).
HOURLY_ADDON_PRIMARIES = _mapping((r.code, r.primaries) for r in _RECORDS if r.hourly)
HOURLY_ADDON = frozenset(HOURLY_ADDON_PRIMARIES)
#: each-additional-hour add-ons -> the lines whose minutes they add hours to.
HOURLY_EXTENDS = _mapping((r.code, r.extends) for r in _RECORDS if r.hourly)
#: IV pushes (time is not what they bill, but a start time is expected).
PUSH = _codes(lambda r: r.method == "iv push")
#: IV drug infusions that a push can be miscoded as, -> the push code that bills it.
AS_PUSH = _mapping((r.code, r.as_push) for r in _RECORDS if r.as_push)
INFUSION = frozenset(AS_PUSH)
CHEMO_INFUSION = _codes(lambda r: r.code in INFUSION and r.family == "chemotherapy")
#: hydration administration codes.
HYDRATION = _codes(lambda r: r.family == "hydration")
#: CPT's once-per-encounter codes -> their limit.
PER_ENCOUNTER = _mapping((r.code, r.per_encounter) for r in _RECORDS if r.per_encounter)
#: codes only a facility reports.
FACILITY_ONLY = _codes(lambda r: r.facility_only)
#: (delivery, family) -> the IV initial that bills it: ("infusion", "chemotherapy") -> 96413.
IV_INITIAL_OF = _mapping(((CATALOGUE[c].delivery, CATALOGUE[c].family), c)
                         for c in sorted(IV_INITIAL))

# ----- claim-line patterns and modifiers -------------------------------------------------

#: distinct-service modifiers that allow a second initial (CMS audit topic 0071).
DISTINCT_MODIFIERS = ("59", "XE", "XS", "XP", "XU")
#: NCCI PTP-associated modifiers (NCCI Policy Manual ch. I): with one on the column-2 line,
#: an edit of modifier indicator 1 lets both codes be paid. Anatomic, global surgery, other.
NCCI_MODIFIERS = ("E1", "E2", "E3", "E4", "FA", *(f"F{n}" for n in range(1, 10)), "LC",
                  "LD", "LM", "LT", "RC", "RI", "RT", "TA", *(f"T{n}" for n in range(1, 10)),
                  "24", "25", "57", "58", "78", "79", "27", "59", "91", "XE", "XS", "XP",
                  "XU")
#: drug supply lines: HCPCS Level II J, Q and C codes.
DRUG_CODE_PATTERN = r"^[JQC]\d{4}$"
#: a CPT code (Category I five digits; Category II/III four digits and F or T) or a HCPCS
#: Level II code (letter and four digits).
CODE_PATTERN = r"^(?:\d{5}|\d{4}[FTU]|[A-V]\d{4})$"
#: a five-digit number inside the administration ranges (real or not).
RANGE_PATTERN = r"^(?:963[67]\d|96(?:40[1-9]|4[1-9]\d|5[0-4]\d))$"


def only(**attributes: object) -> str:
    """The one code whose record has these attribute values, e.g. ``only(kind="concurrent")``
    -> "96368".

    Raises:
        LookupError: no code, or more than one, matches.
    """
    found = [r.code for r in _RECORDS
             if all(getattr(r, name) == value for name, value in attributes.items())]
    if len(found) != 1:
        raise LookupError(f"{len(found)} administration codes have {attributes}: {found}")
    return found[0]


def in_ranges(code: str) -> bool:
    """``code`` is five digits inside 96360-96379 or 96401-96549 (a real code or not)."""
    return code.isdigit() and len(code) == 5 and any(lo <= int(code) <= hi for lo, hi in RANGES)


def nearest(code: str, most: int = 3) -> tuple[str, ...]:
    """The real codes numerically nearest to ``code``: the two nearest, and a third when it is
    as near as the second (96378 -> 96377, 96379; 96364 -> 96365, 96366)."""
    number = int(code)
    ranked = sorted(CATALOGUE, key=lambda c: (abs(int(c) - number), c))
    cutoff = abs(int(ranked[1]) - number)
    return tuple(c for c in ranked[:most] if abs(int(c) - number) <= cutoff)
