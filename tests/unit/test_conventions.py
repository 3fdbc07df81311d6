"""`[conventions]` in the config: parsed with errors naming key and line, applied to the loaded
catalog (cold and warm), and a name that matches nothing reported on its config line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from domain_lsp.catalog.load import load_catalog
from domain_lsp.config import ConfigError, Convention, load_config

SCHEMA = """\
CREATE TABLE core.customer (customer_id int PRIMARY KEY, email text, phone text);
CREATE TABLE staging.customer (customer_id int, email text);
CREATE TABLE sales.orders_v1 (order_id int, coupon text);
CREATE TABLE sales.orders (order_id int);
CREATE TABLE analytics.events (event_date date, user_id int);
"""

CONVENTIONS = """\
[conventions]
pii = ["core.customer.email", "core.customer.phone"]

[conventions.deprecated]
"sales.orders_v1" = "use sales.orders"
"sales.orders_v1.coupon" = true

[conventions.required_filters]
"analytics.events" = ["event_date"]
"""


def workspace(tmp_path: Path, conventions: str = CONVENTIONS) -> Path:
    (tmp_path / "schema.sql").write_text(SCHEMA, encoding="utf-8")
    (tmp_path / "domain-lsp.toml").write_text(
        '[sql]\ndialect = "postgres"\nschemas = ["schema.sql"]\n\n' + conventions, encoding="utf-8"
    )
    old = time.time() - 3600  # older than the cache's racy window, so a warm start can happen
    for path in tmp_path.iterdir():
        os.utime(path, (old, old))
    return tmp_path / "domain-lsp.toml"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOMAIN_LSP_CACHE_DIR", str(tmp_path / "cache"))


def test_conventions_are_read_in_order_with_their_lines(tmp_path: Path) -> None:
    config = load_config(workspace(tmp_path))
    assert config.conventions == (
        Convention("pii", "core.customer.email", line=6, character=7),
        Convention("pii", "core.customer.phone", line=6, character=30),
        Convention("deprecated", "sales.orders_v1", "use sales.orders", line=9),
        Convention("deprecated", "sales.orders_v1.coupon", "", line=10),
        Convention("required_filters", "analytics.events", columns=("event_date",), line=13),
    )


@pytest.mark.parametrize(
    ("text", "line", "key", "problem"),
    [
        ("[conventions]\npii = 3\n", 2, "conventions.pii", "expected a list of strings, got an integer"),
        (
            '[conventions]\npii = ["email"]\n',
            2,
            "conventions.pii",
            "`email` is not a column; write table.column (core.customer.email)",
        ),
        ('[conventions]\npi = ["a.b"]\n', 2, "conventions.pi", "unknown key; did you mean `pii`?"),
        (
            '[conventions.deprecated]\n"a.b" = 1\n',
            2,
            "conventions.deprecated.a.b",
            'expected the note ("use sales.orders") or true, got an integer',
        ),
        (
            '[conventions.required_filters]\n"a.b" = []\n',
            2,
            "conventions.required_filters.a.b",
            "expected the columns a query must filter on, got an empty list",
        ),
        (
            '[conventions]\nrequired_filters = ["a"]\n',
            2,
            "conventions.required_filters",
            "expected a table, got an array",
        ),
        ('[conventions]\npii = ["a..b"]\n', 2, "conventions.pii", "`a..b` is not a table or column name"),
    ],
)
def test_bad_conventions_name_key_line_and_problem(
    tmp_path: Path, text: str, line: int, key: str, problem: str
) -> None:
    path = tmp_path / "domain-lsp.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert (caught.value.key, caught.value.line, caught.value.problem) == (key, line, problem)


def test_conventions_apply_to_the_catalog_cold_and_warm(tmp_path: Path) -> None:
    config = load_config(workspace(tmp_path))
    for expected_cache in (False, True):
        loaded = load_catalog(config)
        assert loaded.from_cache is expected_cache
        catalog = loaded.catalog
        customer = catalog.get("customer", "core")
        assert customer is not None
        assert [(c.name, c.tags) for c in customer.columns.values()] == [
            ("customer_id", ()),
            ("email", ("pii",)),
            ("phone", ("pii",)),
        ]
        staging = catalog.get("customer", "staging")
        assert staging is not None and staging.column("email").tags == ()  # type: ignore[union-attr]
        orders_v1 = catalog.get("orders_v1", "sales")
        assert orders_v1 is not None and orders_v1.deprecated == "use sales.orders"
        assert orders_v1.column("coupon").deprecated == ""  # type: ignore[union-attr]
        orders = catalog.get("orders", "sales")
        assert orders is not None and orders.deprecated is None
        events = catalog.get("events", "analytics")
        assert events is not None and events.required_filters == ("event_date",)
        assert [(r.kind, r.problems) for r in loaded.sources] == [("ddl", []), ("conventions", [])]


def test_a_changed_convention_applies_without_reading_the_sources_again(tmp_path: Path) -> None:
    path = workspace(tmp_path)
    load_catalog(load_config(path))
    path.write_text(path.read_text(encoding="utf-8").replace('"core.customer.phone"', ""), encoding="utf-8")
    loaded = load_catalog(load_config(path))
    assert loaded.from_cache  # the cache holds the sources' metadata, not the conventions'
    phone = loaded.catalog.get("customer", "core").column("phone")  # type: ignore[union-attr]
    assert phone is not None and phone.tags == ()


def test_a_name_matching_nothing_or_several_is_a_problem_on_its_line_through_the_cli(tmp_path: Path) -> None:
    conventions = """\
[conventions]
pii = [
  "core.customer.email",
  "core.customer.emial",
  "customer.email",
]

[conventions.deprecated]
"sales.order_v1" = "use sales.orders"

[conventions.required_filters]
"analytics.events" = ["event_day"]
"""
    workspace(tmp_path, conventions)
    (tmp_path / "q.sql").write_text("SELECT email FROM core.customer;\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", "q.sql", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "DOMAIN_LSP_CACHE_DIR": str(tmp_path / "cache")},
        timeout=120,
    )
    assert "Traceback" not in result.stderr
    on_config = [
        (f["range"]["start"]["line"] + 1, f["range"]["start"]["character"], f["code"], f["severity"], f["message"])
        for f in json.loads(result.stdout)["diagnostics"]
        if f["path"] == "domain-lsp.toml"
    ]
    assert on_config == [
        (
            8,
            2,
            "source-error",
            "warning",
            "conventions source: conventions.pii `core.customer.emial`: `core.customer` has no column `emial`; fix the name or remove the entry",
        ),
        (
            9,
            2,
            "source-error",
            "warning",
            "conventions source: conventions.pii `customer.email`: `customer` names 2 tables (`core.customer`, `staging.customer`); qualify it with its schema",
        ),
        (
            13,
            0,
            "source-error",
            "warning",
            "conventions source: conventions.deprecated `sales.order_v1`: no table or column of that name in the catalog; fix the name or remove the entry",
        ),
        (
            16,
            0,
            "source-error",
            "warning",
            "conventions source: conventions.required_filters `analytics.events`: `analytics.events` has no column `event_day`; fix the name or remove the entry",
        ),
    ]
