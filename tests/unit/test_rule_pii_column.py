"""pii-column over fixture pairs (fixtures/rules/pii-column/<dialect>/): a PII-tagged column
named in a SELECT's output, or brought in by a star (reported on the star, naming it)."""

from __future__ import annotations

import pytest

from tests.unit.rule_fixtures import assert_faulty, assert_valid, case_id, rule_cases
from tests.unit.test_resolver import Case

FAULTY = rule_cases("pii-column", "faulty")
VALID = rule_cases("pii-column", "valid")


@pytest.mark.parametrize("case", VALID, ids=[case_id(c) for c in VALID])
def test_valid(case: Case) -> None:
    assert_valid(case)


@pytest.mark.parametrize("case", FAULTY, ids=[case_id(c) for c in FAULTY])
def test_faulty(case: Case) -> None:
    assert_faulty(case)


def test_a_star_names_the_pii_columns_it_brings() -> None:
    case = next(c for c in FAULTY if c.name == "qualified star")
    [finding] = assert_faulty(case)
    assert finding.message == (
        "`*` brings PII columns `customer.email`, `customer.phone` into the output; list the columns it needs"
    )
    assert finding.severity is None  # the rule's own: information
