"""join-mismatch over fixture pairs (fixtures/rules/join-mismatch/<dialect>/): a PII-tagged column
named in a SELECT's output, or brought in by a star (reported on the star, naming it)."""

from __future__ import annotations

import pytest

from tests.unit.rule_fixtures import assert_faulty, assert_valid, case_id, rule_cases
from tests.unit.test_resolver import Case

FAULTY = rule_cases("join-mismatch", "faulty")
VALID = rule_cases("join-mismatch", "valid")


@pytest.mark.parametrize("case", VALID, ids=[case_id(c) for c in VALID])
def test_valid(case: Case) -> None:
    assert_valid(case)


@pytest.mark.parametrize("case", FAULTY, ids=[case_id(c) for c in FAULTY])
def test_faulty(case: Case) -> None:
    assert_faulty(case)
    assert_faulty(case)


def test_the_message_names_the_declared_pair_and_the_fix_writes_it() -> None:
    case = next(c for c in FAULTY if c.name == "the issue's example")
    [finding] = assert_faulty(case)
    assert finding.message == (
        "`o.order_id = c.customer_id` joins `orders` and `customer` on columns that are not a declared key pair; "
        "the declared foreign key is `orders.customer_id → customer.customer_id`"
    )
    [fix] = finding.fixes
    fixed = case.text[: fix.start] + fix.new_text + case.text[fix.end :]
    assert "JOIN core.customer c ON o.customer_id = c.customer_id;" in fixed


def test_the_fix_replaces_only_the_equality() -> None:
    case = next(c for c in FAULTY if c.name == "the keys the other way round, among other conditions")
    [finding] = assert_faulty(case)
    [fix] = finding.fixes  # `o.total > 0` is not an equality between the two: the fix keeps it
    fixed = case.text[: fix.start] + fix.new_text + case.text[fix.end :]
    assert "ON o.customer_id = c.customer_id AND o.total > 0;" in fixed
