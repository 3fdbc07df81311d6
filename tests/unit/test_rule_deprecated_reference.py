"""deprecated-reference over fixture pairs (fixtures/rules/deprecated-reference/<dialect>/), its
message and its quick fix, which only a note naming exactly one existing replacement gets."""

from __future__ import annotations

import pytest

from domain_lsp.analysis.sql.rules.deprecated_reference import replacement
from tests.unit.rule_fixtures import assert_faulty, assert_valid, case_id, rule_cases
from tests.unit.test_resolver import Case

FAULTY = rule_cases("deprecated-reference", "faulty")
VALID = rule_cases("deprecated-reference", "valid")


@pytest.mark.parametrize("case", VALID, ids=[case_id(c) for c in VALID])
def test_valid(case: Case) -> None:
    assert_valid(case)


@pytest.mark.parametrize("case", FAULTY, ids=[case_id(c) for c in FAULTY])
def test_faulty(case: Case) -> None:
    assert_faulty(case)


def _fixed(case: Case) -> list[tuple[str, list[str]]]:
    """Each finding's message and the case's text with each of its fixes applied."""
    out = []
    for finding in assert_faulty(case):
        texts = [case.text[: f.start] + f.new_text + case.text[f.end :] for f in finding.fixes]
        out.append((finding.message, texts))
    return out


def _case(name: str) -> Case:
    return next(c for c in FAULTY if c.name == name)


def test_a_qualified_replacement_replaces_the_whole_name_as_written() -> None:
    [(message, [fixed])] = _fixed(_case("deprecated table, quoted and aliased, in a join"))
    assert message == "table `sales.orders_v1` is deprecated: use sales.orders"
    assert "JOIN sales.orders v ON v.order_id = o.order_id" in fixed


def test_a_bare_replacement_replaces_only_the_name() -> None:
    [(_, [fixed])] = _fixed(_case("deprecated table, bare name"))
    assert fixed.endswith("SELECT event_id FROM events;\n\n")
    first, second = _fixed(_case("deprecated column in the select list and in WHERE"))
    assert first[0] == "column `orders.coupon` is deprecated: use discount_code"
    assert "SELECT discount_code FROM sales.orders o WHERE o.coupon" in first[1][0]
    assert "WHERE o.discount_code IS NOT NULL" in second[1][0]


@pytest.mark.parametrize(
    "name",
    [
        "deprecated view without a note",
        "a note that says more than a name",
        "a note naming a table the catalog does not have",
    ],
)
def test_no_fix_unless_the_note_names_one_existing_replacement(name: str) -> None:
    assert [fixes for _, fixes in _fixed(_case(name))] == [[]]


def test_two_replacements_offer_no_fix() -> None:
    messages = _fixed(_case("deprecated table in a CTE body and a subquery"))
    assert ("table `sales.refunds` is deprecated: use sales.returns or sales.credits", []) in messages


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("use sales.orders", "sales.orders"),
        ("Use `orders` instead.", "orders"),
        ("replaced by events", "events"),
        ("use a or b", None),
        ("use sales.orders after the migration", None),
        ("", None),
        ("legacy", None),
    ],
)
def test_the_note_names_one_replacement(note: str, expected: str | None) -> None:
    assert replacement(note) == expected
