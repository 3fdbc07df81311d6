"""dbt: the shop project's manifest and catalog.json as a catalog, and its model files checked
with ref() and source() resolved, findings at the written token."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from domain_lsp.analysis.sql.jinja import analyze_dbt_model, dbt_project_for, render_model
from domain_lsp.analysis.sql.symbols import symbol_at
from domain_lsp.catalog.load import LoadedCatalog, catalog_is_stale, load_sources
from domain_lsp.catalog.sources.dbt import DbtProject
from domain_lsp.config import Config, SqlSettings
from domain_lsp.project import Project

SHOP = Path(__file__).resolve().parents[1] / "fixtures" / "dbt" / "shop"
SETTINGS = SqlSettings(dialect="postgres", schemas=("target/manifest.json",))


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A copy of the project, so a test may change it."""
    return Path(shutil.copytree(SHOP, tmp_path / "shop"))


def load(root: Path, settings: SqlSettings = SETTINGS) -> LoadedCatalog:
    return load_sources(Config(root=root, sql=settings))


def project_of(loaded: LoadedCatalog) -> DbtProject:
    assert len(loaded.dbt) == 1
    return loaded.dbt[0]


def test_models_sources_seeds_and_snapshots_in_their_schemas() -> None:
    loaded = load(SHOP)
    assert [(r.kind, r.problems) for r in loaded.sources] == [("dbt", [])]
    names = sorted(t.qualified_name for t in loaded.catalog.tables())
    assert names == [
        "warehouse.dbt_shop.countries",
        "warehouse.dbt_shop_marts.customers",
        "warehouse.dbt_shop_marts.orders",
        "warehouse.dbt_shop_staging.stg_customers",
        "warehouse.dbt_shop_staging.stg_orders",
        "warehouse.dbt_shop_staging.stg_payments",
        "warehouse.raw_shop.customers",
        "warehouse.raw_shop.orders",
        "warehouse.snapshots.customers_snapshot",
        "warehouse.stripe_raw.charge",  # a source table's identifier, not its name
    ]
    assert loaded.sources[0].tables == 10  # the data test is no relation


def test_warehouse_columns_and_types_merge_with_documented_metadata() -> None:
    catalog = load(SHOP).catalog
    orders = catalog.get("orders", "dbt_shop_marts", "warehouse")
    assert orders is not None
    assert orders.kind == "table" and orders.description == "One row per order, with its paid amount."
    assert orders.location is not None and orders.location.path == str(SHOP / "models/marts/orders.sql")
    amount = orders.column("amount")
    assert amount is not None and (amount.type, amount.description) == ("numeric", "Paid amount in dollars")
    assert amount.location is not None and amount.location.path.endswith("models/marts/schema.yml")
    assert amount.location.line == 15  # `- name: amount` under `- name: orders`
    status = orders.column("status")
    assert status is not None and status.deprecated == "use order_state"
    customers = catalog.get("customers", "dbt_shop_marts", "warehouse")
    assert customers is not None and customers.tags == ("pii",)
    email = customers.column("email")
    assert email is not None and email.tags == ("pii",)
    raw_email = catalog.get("customers", "raw_shop", "warehouse")
    assert raw_email is not None and raw_email.column("email") is not None
    assert raw_email.column("email").tags == ("pii",)  # type: ignore[union-attr]  # meta: {pii: true}
    # Undocumented warehouse columns are there too, in the warehouse's order.
    assert raw_email.column_names() == ["id", "email", "first_name", "last_name"]
    staging = catalog.get("stg_orders", "dbt_shop_staging", "warehouse")
    assert staging is not None and staging.kind == "view"


def test_a_glob_matching_both_artifacts_loads_the_project_once() -> None:
    loaded = load(SHOP, SqlSettings(dialect="postgres", schemas=("target/*.json",)))
    assert [r.kind for r in loaded.sources] == ["dbt"]
    assert len(loaded.catalog) == 10


def test_without_catalog_json_undocumented_columns_are_unknown_not_absent(shop: Path) -> None:
    (shop / "target" / "catalog.json").unlink()
    catalog = load(shop).catalog
    orders = catalog.get("orders", "dbt_shop_marts", "warehouse")
    assert orders is not None and orders.columns_known
    assert orders.column("amount") is not None and orders.column("amount").type is None  # type: ignore[union-attr]
    staging = catalog.get("stg_orders", "dbt_shop_staging", "warehouse")
    assert staging is not None and not staging.columns_known


def test_a_model_whose_columns_are_unknown_reports_no_column(shop: Path) -> None:
    (shop / "target" / "catalog.json").unlink()
    loaded = load(shop)
    text = "select anything from {{ ref('stg_orders') }}"
    path = str(shop / "models" / "x.sql")
    assert analyze_dbt_model(text, loaded.catalog, SETTINGS, path, project_of(loaded)).findings == []


def test_a_broken_manifest_is_a_source_problem_not_a_crash(shop: Path) -> None:
    manifest = shop / "target" / "manifest.json"
    manifest.write_text(manifest.read_text()[:500], encoding="utf-8")
    loaded = load(shop)
    [report] = loaded.sources
    assert report.kind == "dbt" and "invalid JSON" in report.problems[0].message
    assert len(loaded.catalog) == 0


def test_rendering_keeps_length_and_newlines_and_names_the_relations() -> None:
    loaded = load(SHOP)
    for path in sorted(SHOP.glob("**/*.sql")):
        text = path.read_text(encoding="utf-8")
        rendered = render_model(text, project_of(loaded), loaded.catalog)
        assert len(rendered.text) == len(text), path
        assert [i for i, c in enumerate(rendered.text) if c == "\n"] == [i for i, c in enumerate(text) if c == "\n"]
        assert "{" not in rendered.text, path
    text = (SHOP / "models/staging/stg_customers.sql").read_text(encoding="utf-8")
    rendered = render_model(text, project_of(loaded), loaded.catalog)
    assert "from raw_shop.customers" in rendered.text


def test_every_model_of_the_project_checks_clean() -> None:
    loaded = load(SHOP)
    for path in sorted(SHOP.glob("**/*.sql")):
        project = dbt_project_for(loaded.dbt, str(path))
        assert project is not None, path
        text = path.read_text(encoding="utf-8")
        analysis = analyze_dbt_model(text, loaded.catalog, SETTINGS, str(path), project)
        found = [(f.code, f.effective_severity.label, text[f.start : f.end]) for f in analysis.findings]
        # stg_customers returns `email`, which schema.yml tags PII: information, not a mistake.
        expected = [("pii-column", "information", "email")] if path.name == "stg_customers.sql" else []
        assert found == expected, path


def check(text: str, name: str = "models/marts/new.sql") -> list[tuple[str, str]]:
    loaded = load(SHOP)
    analysis = analyze_dbt_model(text, loaded.catalog, SETTINGS, str(SHOP / name), project_of(loaded))
    return [(f.code, text[f.start : f.end]) for f in analysis.findings]


def test_a_misspelt_column_of_a_ref_is_reported_on_the_written_token() -> None:
    text = "{{ config(materialized='table') }}\nselect o.order_id, o.amout\nfrom {{ ref('orders') }} as o\n"
    assert check(text) == [("unknown-column", "amout")]
    # Through a source() whose identifier differs from its name.
    assert check("select created, refunded from {{ source('stripe', 'charges') }}") == [("unknown-column", "refunded")]


def test_a_long_schema_falls_back_to_the_bare_name_which_wins_over_same_named_tables() -> None:
    # `dbt_shop_marts.orders` is longer than `{{ ref('orders') }}`; raw_shop.orders exists too.
    assert check("select order_count from {{ ref('orders') }}") == [("unknown-column", "order_count")]
    assert check("select order_id, amount from {{ ref('orders') }}") == []


def test_opaque_jinja_hides_column_findings_of_its_statement_but_not_table_ones() -> None:
    text = "select {{ dbt_utils.star(ref('orders')) }}, nope from {{ ref('orders') }} join raw_shop.nothing on true"
    assert check(text) == [("unknown-table", "nothing")]


def test_a_ref_the_manifest_lacks_is_opaque_while_its_file_exists(shop: Path) -> None:
    # A model added since the last compile: its file is there, so it is opaque, not an error.
    (shop / "models" / "brand_new_model.sql").write_text("select 1 as id\n", encoding="utf-8")
    loaded = load(shop)
    text = "select anything from {{ ref('brand_new_model') }}"
    path = str(shop / "models" / "x.sql")
    assert analyze_dbt_model(text, loaded.catalog, SETTINGS, path, project_of(loaded)).findings == []


def test_an_unknown_ref_or_source_is_unknown_table_on_its_name_with_the_manifests_names() -> None:
    loaded = load(SHOP)
    project = project_of(loaded)
    cases = {
        "select order_id from {{ ref('stg_ordrs') }}": (
            "stg_ordrs",
            "model `stg_ordrs` does not exist in the dbt project; did you mean `stg_orders` or `orders` or `stg_customers`?",
        ),
        "select id from {{ source('raw', 'custmers') }}": (
            "custmers",
            "source `raw` has no table `custmers`; did you mean `customers`?",
        ),
        'select id from {{ source("rwa", "customers") }}': (
            "rwa",
            "source `rwa` does not exist in the dbt project; did you mean `raw`?",
        ),
    }
    for text, (token, message) in cases.items():
        analysis = analyze_dbt_model(text, loaded.catalog, SETTINGS, str(SHOP / "models/x.sql"), project)
        assert [(f.code, text[f.start : f.end], f.message) for f in analysis.findings] == [
            ("unknown-table", token, message)
        ], text
        fix = analysis.findings[0].fixes[0]
        assert (fix.start, fix.end) == (analysis.findings[0].start, analysis.findings[0].end)
        assert fix.new_text in message


def test_incremental_filter_is_blanked_and_the_full_refresh_branch_checked() -> None:
    text = (
        "select order_id from {{ ref('stg_orders') }}\n"
        "{% if is_incremental() %}\nwhere order_date > (select max(order_date) from {{ this }})\n"
        "{% else %}\nwhere statuss = 'x'\n{% endif %}\n"
    )
    assert check(text) == [("unknown-column", "statuss")]


def test_other_if_blocks_keep_their_first_branch_and_loops_are_opaque() -> None:
    text = "select {% if var('x') %}order_id{% else %}garbage ((({% endif %} from {{ ref('stg_orders') }}"
    assert check(text) == []
    loop = "select {% for m in ['a'] %}sum({{ m }}) as {{ m }}_amount, {% endfor %} bad from {{ ref('stg_orders') }}"
    assert check(loop) == []


def test_go_to_definition_on_a_ref_reaches_the_model_file() -> None:
    loaded = load(SHOP)
    text = "select o.order_id from {{ ref('orders') }} as o"
    analysis = analyze_dbt_model(text, loaded.catalog, SETTINGS, str(SHOP / "models/x.sql"), project_of(loaded))
    symbol = symbol_at(analysis, text.index("ref") + 1, SETTINGS)
    assert symbol is not None and symbol.location is not None
    assert symbol.location.path == str(SHOP / "models/marts/orders.sql")


def test_only_files_under_the_model_folders_are_models() -> None:
    projects = load(SHOP).dbt
    assert dbt_project_for(projects, str(SHOP / "models/staging/stg_orders.sql")) is not None
    assert dbt_project_for(projects, str(SHOP / "snapshots/customers_snapshot.sql")) is not None
    assert dbt_project_for(projects, str(SHOP / "target/compiled/x.sql")) is None
    assert dbt_project_for(projects, str(SHOP.parent / "other.sql")) is None


def test_versioned_and_package_qualified_refs() -> None:
    loaded = load(SHOP)
    project = project_of(loaded)
    assert project.ref("orders", "shop") == project.ref("orders")
    text = "select order_id from {{ ref('shop', 'stg_orders') }}"
    assert render_model(text, project, loaded.catalog).relations[0][2].identifier == "stg_orders"


def test_changing_catalog_json_makes_the_catalog_stale(shop: Path) -> None:
    loaded = load(shop)
    assert not catalog_is_stale(loaded)
    catalog_json = shop / "target" / "catalog.json"
    data = json.loads(catalog_json.read_text(encoding="utf-8"))
    catalog_json.write_text(json.dumps(data), encoding="utf-8")
    stat = catalog_json.stat()
    os.utime(catalog_json, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert catalog_is_stale(loaded)


def test_macros_generic_tests_and_package_files_are_not_checked_as_sql(shop: Path) -> None:
    macro = "{% macro cents(column) %}({{ column }} / 100.0){% endmacro %}\n"
    generic = "{% test positive(model, column_name) %}\nselect * from {{ model }} where {{ column_name }} < 0\n{% endtest %}\n"
    files = {
        "macros/cents.sql": macro,
        "tests/generic/positive.sql": generic,
        "dbt_packages/utils/macros/star.sql": macro,
        "dbt_packages/utils/models/broken.sql": "select from from",
    }
    for relative, text in files.items():
        (shop / relative).parent.mkdir(parents=True, exist_ok=True)
        (shop / relative).write_text(text, encoding="utf-8")
    project = Project.load(Config(root=shop, sql=SETTINGS))
    for relative, text in files.items():
        assert project.analyze(shop / relative, text) == [], relative
    # The same text as a model is a model's syntax error; a singular test is checked as a model.
    assert [f.code for f in project.analyze(shop / "models/cents.sql", "select from from")] == ["syntax-error"]
    singular = "select order_id from {{ ref('orders') }} where amout < 0"
    assert [(f.code, singular[f.start : f.end]) for f in project.analyze(shop / "tests/neg.sql", singular)] == [
        ("unknown-column", "amout")
    ]
