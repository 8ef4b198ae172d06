"""Drug-administration code sets (see ../shared/DOMAIN.md for the plain-words descriptors).

Codes are strings, as they appear on a claim.
"""

from __future__ import annotations

#: initial services: one per encounter (CMS ch. 12 s. 30.5; NCCI ch. XI). 96422 (intra-arterial)
#: is left out: it is a different route, and payers treat it with the IV initial separately.
INITIAL = frozenset({"96360", "96365", "96369", "96374", "96409", "96413"})

#: facility hierarchy (CMS ch. 12 s. 30.5): chemotherapy > therapeutic > hydration, and within
#: each, infusion > push. Higher rank is kept as the initial service.
INITIAL_RANK = {"96413": 6, "96409": 5, "96365": 4, "96374": 3, "96369": 2, "96360": 1}

#: what an initial becomes when another initial is kept for the encounter.
SUBSEQUENT = {"96365": "96367", "96374": "96375", "96360": "96361", "96413": "96417",
              "96409": "96411"}

#: time-based infusion codes whose start and stop must be documented.
TIME_BASED = frozenset({"96360", "96365", "96367", "96368", "96369", "96413", "96416",
                        "96417", "96422"})

#: each-additional-hour add-ons -> the primary lines whose times they extend; 96361 is also
#: secondary hydration after another initial (DOMAIN.md).
HOURLY_ADDON_PRIMARIES = {
    "96361": ("96360", "96365", "96367", "96374", "96409", "96413", "96417"),
    "96366": ("96365", "96367"),
    "96370": ("96369",),
    "96415": ("96413", "96417"),
    "96423": ("96422",),
}
HOURLY_ADDON = frozenset(HOURLY_ADDON_PRIMARIES)

#: IV pushes (time is not what they bill, but a start time is expected).
PUSH = frozenset({"96374", "96375", "96376", "96409", "96411"})

#: IV drug infusions that a push can be miscoded as (hydration is not a push: CPT 96360).
INFUSION = frozenset({"96365", "96367", "96368", "96413", "96417"})
CHEMO_INFUSION = frozenset({"96413", "96417"})

#: distinct-service modifiers that allow a second initial (CMS audit topic 0071).
DISTINCT_MODIFIERS = ("59", "XE", "XS", "XP", "XU")

#: drug supply lines: HCPCS Level II J, Q and C codes.
DRUG_CODE_PATTERN = r"^[JQC]\d{4}$"
#: a CPT code (Category I five digits; Category II/III four digits and F or T) or a HCPCS
#: Level II code (letter and four digits).
CODE_PATTERN = r"^(?:\d{5}|\d{4}[FTU]|[A-V]\d{4})$"

#: administration codes, which bill a drug's administration rather than the drug.
#: 96521-96523 (pump refill, maintenance, device irrigation) carry no drug of their own.
ADMINISTRATION = frozenset(
    {str(c) for c in range(96360, 96380)} | {str(c) for c in range(96401, 96550)}
) - {"96521", "96522", "96523"}

#: hydration administration codes.
HYDRATION = frozenset({"96360", "96361"})
