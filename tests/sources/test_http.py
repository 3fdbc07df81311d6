"""An HTTP catalog served by a real server on loopback: ETag revalidation, the bearer token, and
the last good copy when the server is down or answers nonsense."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain_lsp.catalog.load import LoadedCatalog, load_sources
from domain_lsp.catalog.summary import summarize
from domain_lsp.config import Config, SourceSettings, SqlSettings
from tests.sources.conftest import TOKEN, TOKEN_ENV, Served, free_port

pytest.importorskip("httpx")


def load(root: Path, url: str, token_env: str | None = TOKEN_ENV) -> LoadedCatalog:
    source = SourceSettings("http", url=url, token_env=token_env, timeout=3, line=4)
    config = Config(root=root, path=root / "domain-lsp.toml", sql=SqlSettings(sources=(source,)), trusted=True)
    return load_sources(config)


def test_the_catalog_loads_and_revalidates_with_its_etag(
    catalog_server: tuple[str, Served], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, served = catalog_server
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    first = load(tmp_path, url)
    [report] = first.sources
    assert (report.kind, report.problems, report.tables) == ("http", [], 2)
    orders = first.catalog.get("orders", "sales")
    assert orders is not None and orders.description == "One row per order"
    assert orders.column("total") is not None and orders.column("total").description == "Gross"  # type: ignore[union-attr]
    customers = first.catalog.get("customers", "core")
    assert customers is not None
    email, legacy = customers.column("email"), customers.column("legacy_id")
    assert email is not None and email.tags == ("pii",)
    assert legacy is not None and legacy.deprecated == "use id"
    assert "if-none-match" not in served.requests[0]
    assert served.requests[0]["authorization"] == f"Bearer {TOKEN}"
    second = load(tmp_path, url)
    assert served.requests[1]["if-none-match"] == '"v1"'  # answered 304 Not Modified
    assert second.sources[0].problems == [] and len(second.catalog) == 2
    # A new version replaces the saved copy.
    served.body, served.etag = json.dumps({"sales": {"refunds": {"id": "int"}}}).encode(), '"v2"'
    third = load(tmp_path, url)
    assert [t.name for t in third.catalog.tables()] == ["refunds"]


def test_unreachable_uses_the_last_good_copy_with_a_warning(
    catalog_server: tuple[str, Served], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = catalog_server
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    load(tmp_path, url)
    closed = f"http://127.0.0.1:{free_port()}/export/catalog.json"
    # The same URL, its server gone: simulate by pointing the copy's URL at a closed port.
    from domain_lsp.catalog.sources.http import copy_paths

    for good, moved in zip(copy_paths(url), copy_paths(closed), strict=True):
        moved.write_bytes(good.read_bytes())
    loaded = load(tmp_path, closed)
    [report] = loaded.sources
    assert len(loaded.catalog) == 2
    [problem] = report.problems
    assert problem.message.startswith(f"{closed} is unreachable (ConnectError); using the copy fetched ")
    assert problem.line == 3


def test_unreachable_without_a_copy_is_a_problem(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/c.json"
    [report] = load(tmp_path, closed, token_env=None).sources
    assert report.problems[0].message == (
        f"http {closed}: {closed} is unreachable (ConnectError); no earlier copy, so its tables are unknown until it loads"
    )
    assert report.failed


def test_a_server_error_bad_json_or_no_answer_keeps_the_last_good_copy(
    catalog_server: tuple[str, Served], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, served = catalog_server
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    load(tmp_path, url)
    served.status = 503
    loaded = load(tmp_path, url)
    assert len(loaded.catalog) == 2 and "answered HTTP 503" in loaded.sources[0].problems[0].message
    served.status, served.body, served.etag = 200, b"<html>maintenance</html>", '"broken"'
    loaded = load(tmp_path, url)
    assert len(loaded.catalog) == 2 and "not valid JSON" in loaded.sources[0].problems[0].message
    assert loaded.sources[0].failed  # tried again soon
    [entry] = summarize(loaded)["sources"]
    assert entry["failed"] is True and entry["tables"] == 2 and "not valid JSON" in entry["problems"][0]["message"]
    served.silent = True  # never answers: the read timeout ends the wait
    loaded = load(tmp_path, url)
    assert len(loaded.catalog) == 2 and "is unreachable (ReadTimeout)" in loaded.sources[0].problems[0].message


def test_the_token_is_never_in_a_message(
    catalog_server: tuple[str, Served], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = catalog_server
    monkeypatch.setenv(TOKEN_ENV, "wrong-" + TOKEN)
    [report] = load(tmp_path, url).sources
    message = report.problems[0].message
    assert "answered HTTP 401" in message and f"is the token in {TOKEN_ENV} valid?" in message
    assert TOKEN not in message
    monkeypatch.delenv(TOKEN_ENV)
    [report] = load(tmp_path, url).sources
    assert f"the environment variable {TOKEN_ENV} is not set" in report.problems[0].message


def test_credentials_in_the_url_are_not_shown(tmp_path: Path) -> None:
    closed = f"http://reader:hunter2@127.0.0.1:{free_port()}/c.json"
    [report] = load(tmp_path, closed, token_env=None).sources
    assert "hunter2" not in report.problems[0].message and "hunter2" not in report.name
