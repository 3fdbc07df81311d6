"""missing-required-filter over fixture pairs (fixtures/rules/missing-required-filter/<dialect>/):
per table instance and query level, silent where a later filter may reach the table."""

from __future__ import annotations

import pytest

from tests.unit.rule_fixtures import assert_faulty, assert_valid, case_id, rule_cases
from tests.unit.test_resolver import Case

FAULTY = rule_cases("missing-required-filter", "faulty")
VALID = rule_cases("missing-required-filter", "valid")


@pytest.mark.parametrize("case", VALID, ids=[case_id(c) for c in VALID])
def test_valid(case: Case) -> None:
    assert_valid(case)


@pytest.mark.parametrize("case", FAULTY, ids=[case_id(c) for c in FAULTY])
def test_faulty(case: Case) -> None:
    assert_faulty(case)


def test_the_message_names_the_table_and_its_required_columns() -> None:
    case = next(c for c in FAULTY if c.name == "no filter on either required column")
    [finding] = assert_faulty(case)
    assert finding.message == (
        "`sales.orders` must be filtered on `order_date` or `shard_id`: "
        "this query's WHERE, ON and QUALIFY do not filter `orders` on it"
    )
    assert finding.fixes == ()
