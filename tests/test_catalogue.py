"""The code catalogue: exactly DOMAIN.md's real codes, and every derived set agrees with it."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from scrubber import codes
from scrubber.codes import CATALOGUE, FAMILIES, METHODS, ROLES
from scrubber.config import TIMED_CODES

#: DOMAIN.md "The codes": every real code of the two ranges, as it lists them.
DOMAIN_CODES = {
    "96360", "96361", "96365", "96366", "96367", "96368", "96369", "96370", "96371", "96372",
    "96373", "96374", "96375", "96376", "96377", "96379",
    "96401", "96402", "96405", "96406", "96409", "96411", "96413", "96415", "96416", "96417",
    "96420", "96422", "96423", "96425", "96440", "96446", "96450", "96521", "96522", "96523",
    "96542", "96549",
}
ADDONS = {"96361", "96366", "96367", "96368", "96370", "96371", "96375", "96376", "96411",
          "96415", "96417", "96423"}
PACKAGE = Path(codes.__file__).parent


def test_the_catalogue_holds_exactly_the_real_codes():
    assert set(CATALOGUE) == DOMAIN_CODES
    assert codes.ADMINISTRATION == DOMAIN_CODES
    assert all(record.code == code for code, record in CATALOGUE.items())


@pytest.mark.parametrize("code", ["96378", "96364", "96380", "96400", "96500", "96550"])
def test_numbers_that_are_not_codes(code):
    assert code not in CATALOGUE


def test_range_pattern_is_the_two_ranges():
    for number in range(96300, 96700):
        code = str(number)
        inside = 96360 <= number <= 96379 or 96401 <= number <= 96549
        assert bool(re.fullmatch(codes.RANGE_PATTERN, code)) is inside, code
        assert codes.in_ranges(code) is inside, code
    assert all(codes.in_ranges(code) for code in CATALOGUE)


@pytest.mark.parametrize(("code", "expected"), [
    ("96378", ("96377", "96379")), ("96364", ("96365", "96366")),
    ("96363", ("96361", "96365")), ("96500", ("96521", "96522")),
    ("96412", ("96411", "96413")), ("96404", ("96405", "96402", "96406")),
])
def test_nearest_real_codes(code, expected):
    assert codes.nearest(code) == expected


def test_records_are_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CATALOGUE["96365"].rank = 9  # type: ignore[misc]
    with pytest.raises(TypeError):
        CATALOGUE["96378"] = CATALOGUE["96377"]  # type: ignore[index]
    with pytest.raises(TypeError):
        codes.SUBSEQUENT["96369"] = "96371"  # type: ignore[index]


def test_every_record_uses_the_known_vocabulary():
    for record in CATALOGUE.values():
        assert record.family in FAMILIES, record
        assert record.method in METHODS, record
        assert record.role in ROLES, record
        assert record.delivery in ("infusion", "push", ""), record
        assert record.description and record.description == record.description.strip()


def test_roles():
    assert codes.INITIAL == {"96360", "96365", "96369", "96374", "96409", "96413", "96422"}
    assert codes.IV_INITIAL == {"96360", "96365", "96374", "96409", "96413"}
    assert set(codes.ADDON_PRIMARIES) == ADDONS
    standalone = {c for c, r in CATALOGUE.items() if r.role == "standalone"}
    assert standalone == DOMAIN_CODES - codes.INITIAL - ADDONS
    assert {"96372", "96373", "96377", "96401", "96402", "96416"} <= standalone


def test_add_ons_name_real_primaries_and_their_initial():
    for addon, primaries in codes.ADDON_PRIMARIES.items():
        assert primaries and set(primaries) <= DOMAIN_CODES, addon
        assert addon not in primaries
        first = codes.AS_INITIAL[addon]
        assert first in codes.INITIAL, addon
        assert CATALOGUE[first].family == CATALOGUE[addon].family, addon
    assert set(codes.AS_INITIAL) == ADDONS
    for record in CATALOGUE.values():
        if record.role != "add-on":
            assert not record.primaries and record.as_initial is None, record


def test_primaries_follow_cpt():
    drug_initials = ("96365", "96374", "96409", "96413")
    assert codes.ADDON_PRIMARIES["96361"] == ("96360", *drug_initials)
    assert codes.ADDON_PRIMARIES["96367"] == drug_initials
    assert codes.ADDON_PRIMARIES["96375"] == drug_initials
    assert codes.ADDON_PRIMARIES["96376"] == drug_initials
    assert codes.ADDON_PRIMARIES["96366"] == ("96365", "96367")
    assert codes.ADDON_PRIMARIES["96411"] == ("96409", "96413")
    assert codes.ADDON_PRIMARIES["96415"] == ("96413", "96417")
    assert codes.ADDON_PRIMARIES["96417"] == ("96413",)
    assert codes.ADDON_PRIMARIES["96423"] == ("96422",)
    assert codes.ADDON_PRIMARIES["96370"] == codes.ADDON_PRIMARIES["96371"] == ("96369",)


def test_every_initial_has_a_rank_and_the_hierarchy_orders_as_domain_says():
    assert set(codes.INITIAL_RANK) == codes.INITIAL
    rank = codes.RANK
    # chemotherapy infusion > chemotherapy push > therapeutic infusion > therapeutic push
    # > hydration, and the SC / intra-arterial initials below every IV service
    assert rank["96413"] > rank["96409"] > rank["96365"] > rank["96374"] > rank["96360"]
    assert rank["96360"] > rank["96369"] == rank["96422"]
    assert codes.IV_HIERARCHY == {c for c, r in rank.items() if r > 0}
    for code in codes.IV_HIERARCHY:  # an add-on of the IV access ranks as its initial
        assert rank[code] == rank[codes.AS_INITIAL.get(code, code)], code
    outside = {"96372", "96373", "96377", "96401", "96402", "96416", "96425", "96370",
               "96371", "96423", "96521"}
    assert not outside & set(rank)


def test_subsequent_codes_are_add_ons_of_their_initial():
    assert dict(codes.SUBSEQUENT) == {"96360": "96361", "96365": "96367", "96374": "96375",
                                      "96409": "96411", "96413": "96417"}
    for initial, later in codes.SUBSEQUENT.items():
        assert later in ADDONS
        assert initial in codes.ADDON_PRIMARIES[later]
        assert codes.AS_INITIAL[later] == initial
        assert CATALOGUE[later].rank == CATALOGUE[initial].rank


def test_time_based_and_hourly_add_ons():
    assert codes.TIME_BASED == {"96360", "96365", "96367", "96368", "96369", "96413", "96416",
                                "96417", "96422", "96425"}
    assert codes.HOURLY_ADDON == {"96361", "96366", "96370", "96415", "96423"}
    assert dict(codes.HOURLY_EXTENDS) == {"96361": ("96360",), "96366": ("96365", "96367"),
                                          "96370": ("96369",), "96415": ("96413", "96417"),
                                          "96423": ("96422",)}
    for record in CATALOGUE.values():
        if record.hourly_addon:  # each timed line's hours go on the add-on that extends it
            assert record.code in codes.HOURLY_EXTENDS[record.hourly_addon], record
            assert record.timed
    for addon, extended in codes.HOURLY_EXTENDS.items():
        assert set(extended) <= set(codes.HOURLY_ADDON_PRIMARIES[addon])
        assert all(CATALOGUE[c].hourly_addon == addon for c in extended)


def test_minimum_minutes():
    assert dict(codes.MINIMUM_MINUTES) == {"96360": 31, "96361": 31, "96365": 16,
                                           "96367": 16, "96369": 16, "96413": 16,
                                           "96417": 16, "96422": 16}
    assert set(TIMED_CODES) == set(codes.MINIMUM_MINUTES)


def test_push_and_infusion_sets():
    assert codes.PUSH == {"96374", "96375", "96376", "96409", "96411"}
    assert codes.INFUSION == {"96365", "96367", "96368", "96413", "96417"}
    assert codes.CHEMO_INFUSION == {"96413", "96417"}
    assert dict(codes.AS_PUSH) == {"96365": "96374", "96367": "96375", "96368": "96375",
                                   "96413": "96409", "96417": "96411"}
    for infusion, push in codes.AS_PUSH.items():
        assert CATALOGUE[push].method == "iv push"
        assert CATALOGUE[push].family == CATALOGUE[infusion].family
        assert CATALOGUE[push].role == CATALOGUE[infusion].role
        assert CATALOGUE[infusion].delivery == "infusion"
    assert dict(codes.IV_INITIAL_OF) == {
        ("infusion", "chemotherapy"): "96413", ("push", "chemotherapy"): "96409",
        ("infusion", "therapeutic"): "96365", ("push", "therapeutic"): "96374",
        ("infusion", "hydration"): "96360"}


def test_limits_settings_and_drugs():
    assert codes.HYDRATION == {"96360", "96361"}
    assert dict(codes.PER_ENCOUNTER) == {"96368": 1, "96369": 1, "96371": 1}
    assert codes.FACILITY_ONLY == {"96376"}
    assert codes.ADMINISTRATION - codes.DRUG_ADMINISTRATION == {"96521", "96522", "96523"}


def test_only_finds_one_code_or_says_why_not():
    assert codes.only(kind="concurrent") == "96368"
    assert codes.only(kind="prolonged pump", method="intra-arterial") == "96425"
    with pytest.raises(LookupError, match="2 administration codes"):
        codes.only(kind="prolonged pump")
    with pytest.raises(LookupError, match="0 administration codes"):
        codes.only(kind="no such kind")


def test_the_exported_names_stay_importable():
    for name in ("INITIAL", "INITIAL_RANK", "SUBSEQUENT", "TIME_BASED", "HOURLY_ADDON_PRIMARIES",
                 "HOURLY_ADDON", "PUSH", "INFUSION", "CHEMO_INFUSION", "DISTINCT_MODIFIERS",
                 "DRUG_CODE_PATTERN", "CODE_PATTERN", "ADMINISTRATION", "HYDRATION"):
        assert hasattr(codes, name), name
    assert codes.DISTINCT_MODIFIERS == ("59", "XE", "XS", "XP", "XU")


def _code_literals(path: Path) -> list[tuple[int, str]]:
    """String constants naming an administration code, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings and re.fullmatch(r"96[345]\d\d", node.value)]


@pytest.mark.parametrize("path", sorted([*PACKAGE.glob("rules/**/*.py"),
                                         *PACKAGE.glob("coding/*.py"), PACKAGE / "config.py"]),
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_rules_and_the_coding_engine_read_codes_from_the_catalogue(path):
    assert _code_literals(path) == []
