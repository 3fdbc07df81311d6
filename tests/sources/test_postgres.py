"""A live PostgreSQL as a schema source: what it reads, what it never shows (the DSN's secret),
and how it fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from domain_lsp.analysis.sql.document import analyze_sql
from domain_lsp.catalog.load import RETRY_SECONDS, LoadedCatalog, live_due, load_catalog, load_sources
from domain_lsp.catalog.model import ForeignKey
from domain_lsp.config import Config, SourceSettings, SqlSettings, load_config
from tests.sources.conftest import Postgres, Relay, free_port

ENV = "DLSP_TEST_WAREHOUSE_DSN"


def config_for(root: Path, schemas: tuple[str, ...] = (), timeout: float = 10.0) -> Config:
    source = SourceSettings("postgres", dsn_env=ENV, schemas=schemas, timeout=timeout, line=3)
    sql = SqlSettings(dialect="postgres", sources=(source,))
    return Config(root=root, path=root / "domain-lsp.toml", sql=sql, trusted=True)


def load(root: Path, **options: object) -> LoadedCatalog:
    return load_sources(config_for(root, **options))  # type: ignore[arg-type]


def test_tables_views_columns_comments_and_functions(
    postgres: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, postgres.dsn)
    loaded = load(tmp_path)
    [report] = loaded.sources
    assert (report.kind, report.problems) == ("postgres", [])
    assert report.name == f"postgres ${ENV}"
    catalog = loaded.catalog
    names = sorted(t.qualified_name for t in catalog.tables())
    assert names == [
        "core.customers",
        "keyed.order_lines",
        "sales.big_orders",
        "sales.daily",
        "sales.events",
        "sales.events_2026",
        "sales.orders",
        "scratch.tmp_things",
    ]
    orders = catalog.get("orders", "sales")
    assert orders is not None
    assert [(c.name, c.type) for c in orders.columns.values()] == [
        ("id", "bigint"),
        ("customer_id", "integer"),
        ("total", "numeric(10,2)"),
        ("placed_at", "timestamp with time zone"),
    ]  # the dropped column is gone
    view = catalog.get("big_orders", "sales")
    assert view is not None and (view.kind, view.description, view.column_names()) == (
        "view",
        "Orders over 100",
        ["id", "amount"],
    )
    daily = catalog.get("daily", "sales")
    assert daily is not None and daily.kind == "view" and daily.column_names() == ["day", "revenue"]
    customers = catalog.get("customers", "core")
    assert customers is not None and customers.description == "One row per customer"
    email, legacy = customers.column("email"), customers.column("legacy_code")
    assert email is not None and (email.description, email.tags) == ("Login email #pii", ("pii",))
    assert legacy is not None and legacy.deprecated == "use id"
    assert customers.column("full name") is not None
    [net] = catalog.functions_named("net")
    assert (net.schema, net.description) == ("sales", "Amount after tax")


def test_keys_and_not_null(postgres: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, postgres.dsn)
    catalog = load(tmp_path).catalog
    lines = catalog.get("order_lines", "keyed")
    assert lines is not None
    assert lines.primary_key == ("order_id", "line_no")
    # constraints and the plain unique index; not the expression or the partial one
    assert sorted(lines.unique_keys) == [("line_no", "buyer"), ("note",), ("sku", "order_id")]
    assert sorted(lines.foreign_keys) == [
        ForeignKey(("buyer",), "core.customers", ("id",)),
        ForeignKey(("order_id",), "sales.orders", ("id",)),  # `REFERENCES sales.orders`: its key, named
    ]
    assert [c.name for c in lines.columns.values() if c.not_null] == ["order_id", "line_no", "sku"]
    orders, customers = catalog.get("orders", "sales"), catalog.get("customers", "core")
    assert orders is not None and customers is not None
    assert orders.primary_key == ("id",) and orders.foreign_keys == (
        ForeignKey(("customer_id",), "core.customers", ("id",)),
    )
    assert catalog.foreign_keys_between(customers, orders) == [(orders, orders.foreign_keys[0], customers)]
    view = catalog.get("big_orders", "sales")
    assert view is not None and (view.primary_key, view.foreign_keys) == ((), ())


def test_only_the_configured_schemas(postgres: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, postgres.keyword_dsn())
    catalog = load(tmp_path, schemas=("sales",)).catalog
    assert {t.schema for t in catalog.tables()} == {"sales"}
    assert catalog.schemas() == ["sales"]


def test_queries_are_checked_against_the_live_catalog(
    postgres: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, postgres.dsn)
    loaded = load(tmp_path)
    settings = SqlSettings(dialect="postgres")
    good = "SELECT o.id, sales.net(o.total), c.email FROM sales.orders o JOIN core.customers c ON c.id = o.customer_id"
    # Every name is right; the one finding is the information that c.email, tagged `#pii` by
    # its COMMENT in the live database, is in the output.
    found = [
        (f.code, f.effective_severity.label, good[f.start : f.end])
        for f in analyze_sql(good, loaded.catalog, settings).findings
    ]
    assert found == [("pii-column", "information", "email")]
    bad = "SELECT amount, totl FROM sales.big_orders"
    findings = analyze_sql(bad, loaded.catalog, settings).findings
    assert [(f.code, bad[f.start : f.end]) for f in findings] == [("unknown-column", "totl")]


def test_the_session_is_read_only_with_timeouts(
    postgres: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    from domain_lsp.catalog.model import Catalog
    from domain_lsp.catalog.sources.postgres import load_postgres

    calls: list[tuple[tuple[object, ...], dict[str, object]]] = []
    real_connect = psycopg.connect

    def spy(*args: object, **kwargs: object) -> object:
        calls.append((args, kwargs))
        return real_connect(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(psycopg, "connect", spy)
    monkeypatch.setenv(ENV, postgres.dsn)
    load_postgres(SourceSettings("postgres", dsn_env=ENV, timeout=2.5), Catalog())
    [(args, kwargs)] = calls
    assert kwargs["connect_timeout"] == 2
    # A session opened the same way refuses to write and has the statement timeout.
    with real_connect(*args, **{**kwargs, "autocommit": True}) as probe:  # type: ignore[call-overload]
        assert probe.execute("SHOW statement_timeout").fetchone() == ("2500ms",)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            probe.execute("CREATE TABLE scratch.nope (x int)")


def test_a_wrong_password_never_shows_the_dsn(
    postgres: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = Postgres(postgres.host, postgres.port, postgres.database, postgres.user, "Wr0ng-" + postgres.password)
    for dsn in (wrong.dsn, wrong.keyword_dsn()):
        monkeypatch.setenv(ENV, dsn)
        [report] = load(tmp_path).sources
        [problem] = report.problems
        assert "cannot connect" in problem.message and "password authentication failed" in problem.message
        assert wrong.password not in problem.message and dsn not in problem.message
        assert problem.line == 2  # the entry's line in the config file, 0-based


def test_a_malformed_dsn_is_redacted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("psycopg")
    secret = "S3cret-Value-42"
    monkeypatch.setenv(ENV, f"host=localhost password={secret} bogus")
    [report] = load(tmp_path).sources
    [problem] = report.problems
    assert "does not parse" in problem.message and secret not in problem.message and "bogus" not in problem.message


@pytest.mark.parametrize("quoted", [False, True], ids=["unquoted", "quoted"])
def test_no_part_of_a_password_with_a_space_is_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quoted: bool
) -> None:
    pytest.importorskip("psycopg")
    password = "'halfone-7Qx halftwo-9Wz'" if quoted else "halfone-7Qx halftwo-9Wz"
    monkeypatch.setenv(ENV, f"host=127.0.0.1 port={free_port()} user=u dbname=db password={password}")
    [report] = load(tmp_path, timeout=2).sources
    [problem] = report.problems
    assert "halfone" not in problem.message and "halftwo" not in problem.message, problem.message


def test_unreachable_server_and_missing_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.setenv(ENV, f"postgresql://u:pw@127.0.0.1:{free_port()}/db")
    [report] = load(tmp_path, timeout=2).sources
    assert "cannot connect" in report.problems[0].message and ":pw@" not in report.problems[0].message
    monkeypatch.delenv(ENV)
    [report] = load(tmp_path).sources
    assert report.problems[0].message == (
        f"postgres ${ENV}: the environment variable {ENV} is not set (it should hold the connection string); "
        "no earlier copy, so its tables are unknown until it loads"
    )


def test_a_missing_driver_says_which_extra_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now raises ImportError
    monkeypatch.setenv(ENV, "postgresql://u@127.0.0.1/db")
    [report] = load(tmp_path).sources
    assert "pip install 'domain-lsp[postgres]'" in report.problems[0].message


def test_no_output_of_the_cli_contains_the_secret(postgres: Postgres, tmp_path: Path) -> None:
    (tmp_path / "domain-lsp.toml").write_text(
        f'[sql]\ndialect = "postgres"\n\n[[sql.sources]]\nkind = "postgres"\ndsn_env = "{ENV}"\ntimeout = 5\n',
        encoding="utf-8",
    )
    (tmp_path / "q.sql").write_text("SELECT id, nope FROM sales.orders;\n", encoding="utf-8")
    wrong = Postgres(postgres.host, postgres.port, postgres.database, postgres.user, "Zz9-" + postgres.password)
    outputs = []
    for dsn, password in ((postgres.dsn, postgres.password), (wrong.dsn, wrong.password)):
        env = {**os.environ, ENV: dsn, "DOMAIN_LSP_CACHE_DIR": str(tmp_path / "cache")}
        for command in (["check", "q.sql"], ["catalog"], ["catalog", "--format", "json"]):
            result = subprocess.run(
                [sys.executable, "-m", "domain_lsp", *command], cwd=tmp_path, env=env, capture_output=True, text=True
            )
            output = result.stdout + result.stderr
            assert password not in output and dsn not in output, output
            outputs.append(output)
        cache = b"".join(p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file())
        assert password.encode() not in cache
    assert "unknown-column" in outputs[0]  # with the right password, the live catalog is used
    summary = json.loads(outputs[2])
    assert summary["sources"][0]["tables"] == 8
    assert "password authentication failed" in outputs[4]


def test_a_second_load_comes_from_the_cache_until_the_interval_passes(
    postgres: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, postgres.dsn)
    (tmp_path / "domain-lsp.toml").write_text(
        f'[[sql.sources]]\nkind = "postgres"\ndsn_env = "{ENV}"\nrefresh_interval = 3600\n', encoding="utf-8"
    )
    config = replace(load_config(tmp_path / "domain-lsp.toml"), trusted=True)
    first = load_catalog(config)
    assert not first.from_cache and len(first.catalog) == 8
    second = load_catalog(config)
    assert second.from_cache and len(second.catalog) == 8
    # Another database behind the same variable is another source: not the cached one.
    monkeypatch.setenv(ENV, postgres.dsn.replace("/shop", "/postgres"))
    third = load_catalog(config)
    assert not third.from_cache and len(third.catalog) == 0


def test_a_database_down_or_silent_keeps_its_last_good_copy(
    postgres: Postgres, relay: Relay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        ENV, Postgres(postgres.host, relay.port, postgres.database, postgres.user, postgres.password).dsn
    )
    good = load(tmp_path, timeout=1)
    assert good.sources[0].problems == [] and len(good.catalog) == 8
    relay.down()  # connections refused
    down = load(tmp_path, timeout=1)
    [report] = down.sources
    assert len(down.catalog) == 8 and report.tables == 8 and report.failed
    [problem] = report.problems
    assert problem.message.startswith(f"postgres ${ENV}: cannot connect: ")
    assert "; using the copy read " in problem.message and postgres.password not in problem.message
    # A failed source is tried again soon, even with no refresh interval; the CLI tries at once.
    assert live_due(down, now=report.loaded_at + RETRY_SECONDS) and not live_due(good, now=report.loaded_at + 60)
    assert not live_due(down, now=report.loaded_at + 1) and live_due(down, now=report.loaded_at + 1, on_demand=True)
    relay.up()
    relay.silent = True  # accepts, never answers: the connect timeout ends the wait
    silent = load(tmp_path, timeout=1)
    assert len(silent.catalog) == 8 and "; using the copy read " in silent.sources[0].problems[0].message
    relay.silent = False
    again = load(tmp_path, timeout=1)
    assert again.sources[0].problems == [] and not again.sources[0].failed
