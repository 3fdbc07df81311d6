"""Imports of a Python file: exact ranges, guards, and the package verdicts against an
inventory and an environment built here."""

from __future__ import annotations

import ast
import importlib.metadata
from pathlib import Path

import pytest

from domain_lsp.analysis.python.complete_imports import complete_import
from domain_lsp.analysis.python.imports import collect_imports, package_findings
from domain_lsp.config import Config, PackageSettings, load_config
from domain_lsp.findings import Finding, Severity
from domain_lsp.inventory.environment import Distribution, Environment
from domain_lsp.inventory.model import Inventory
from domain_lsp.inventory.names import ModuleNames
from domain_lsp.inventory.packages import PackageContext, replacement_in
from domain_lsp.project import Project
from domain_lsp.text import LineIndex
from tests.fixtures.python.packages import APILIB, DYNLIB, build_wheel_files, make_venv

STDLIB = frozenset({"os", "sys", "json", "typing", "tomllib", "collections", "contextlib"})


def context(
    tmp_path: Path,
    declared: tuple[str, ...] = ("httpx", "PyYAML", "scikit-learn", "psycopg"),
    deny: dict[str, str] | None = None,
    grounded: bool = True,
    allow: tuple[str, ...] = (),
) -> PackageContext:
    dists = {
        "httpx": Distribution("httpx", "0.28.1", ("httpx",), ("certifi", "idna")),
        "certifi": Distribution("certifi", "2024.2.2", ("certifi",)),
        "pyyaml": Distribution("PyYAML", "6.0.1", ("_yaml", "yaml")),
        "requests": Distribution("requests", "2.31.0", ("requests",)),
        "attrs": Distribution("attrs", "23.1.0", ("attr", "attrs")),
    }
    environment = Environment(
        "python",
        (3, 11, 4),
        STDLIB,
        (),
        frozenset({"httpx", "yaml", "requests", "attr", "attrs", "mystery", "certifi"}),
        dists,
    )
    inventory = Inventory(files=[tmp_path / "requirements.txt"])
    for name in declared:
        inventory.add(name, tmp_path / "requirements.txt", 1)
    (tmp_path / "src" / "ourapp").mkdir(parents=True, exist_ok=True)
    (tmp_path / "scripts").mkdir(exist_ok=True)
    (tmp_path / "scripts" / "helpers.py").write_text("", encoding="utf-8")
    (tmp_path / "tools" / "deep").mkdir(parents=True, exist_ok=True)
    (tmp_path / "tools" / "deep" / "lsp_driver.py").write_text("", encoding="utf-8")
    return PackageContext(
        root=tmp_path,
        inventory=inventory,
        environment=environment,
        interpreter=Path("python"),
        names=ModuleNames(environment, list(declared)),
        allow=allow,
        deny=deny or {},
        grounded=grounded,
        transitive=environment.required_by(list(declared)),
    )


def check(text: str, ctx: PackageContext, path: str = "") -> list[Finding]:
    lines = LineIndex(text)
    tree = ast.parse(text)
    return package_findings(collect_imports(tree, text, lines), ctx, path, tree, lines)


def located(text: str, findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.code, text[f.start : f.end]) for f in findings]


def test_ranges_point_at_the_top_level_name_in_every_import_form(tmp_path: Path) -> None:
    text = (
        "import os, fake_a.sub as x\n"
        "from  fake_b.deep import thing\n"
        "from \\\n    fake_c import y\n"
        "s = 'é😀'; import fake_d\n"
        "from . import sibling\n"
        "from __future__ import annotations\n"
    )
    findings = check(text, context(tmp_path))
    assert located(text, findings) == [
        ("unknown-package", "fake_a"),
        ("unknown-package", "fake_b"),
        ("unknown-package", "fake_c"),
        ("unknown-package", "fake_d"),
    ]
    assert "not declared in requirements.txt, not installed in the environment (Python 3.11)" in findings[0].message


def test_declared_installed_stdlib_and_workspace_modules_are_fine(tmp_path: Path) -> None:
    text = (
        "import json, tomllib\n"
        "import httpx\n"
        "import yaml\n"  # PyYAML, from the environment's metadata
        "import sklearn\n"  # scikit-learn: declared, not installed, a known mismatch
        "import psycopg\n"  # declared, not installed: its own name
        "import ourapp\n"  # src/ layout
        "import helpers\n"  # a neighbour of the checked script
        "import lsp_driver\n"  # somewhere in the workspace (tests put folders on sys.path)
        "import mystery\n"  # importable, but no metadata says from where: not judged
        "import _typeshed\n"
    )
    assert check(text, context(tmp_path), str(tmp_path / "scripts" / "run.py")) == []


def test_installed_but_undeclared_names_the_distribution_and_version(tmp_path: Path) -> None:
    text = "import attr\n"
    (finding,) = check(text, context(tmp_path))
    assert finding.code == "undeclared-package"
    assert finding.message == "`attr` is installed (attrs 23.1.0) but not declared in requirements.txt"


def test_a_dependency_of_a_declared_package_is_only_a_hint(tmp_path: Path) -> None:
    (finding,) = check("import certifi\n", context(tmp_path))
    assert finding.code == "undeclared-package"
    assert finding.effective_severity == Severity.HINT
    assert finding.message.endswith("(it comes in as a dependency of `httpx`, so only a hint)")


def test_vendored_code_other_runtimes_and_other_python_versions_are_not_judged(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    assert check("import fake_pkg\n", ctx, str(tmp_path / "lib" / "_vendor" / "x.py")) == []
    assert check("import annotationlib, __pypy__, distutils, js\n", ctx) == []


def test_guarded_and_deferred_imports_are_hints(tmp_path: Path) -> None:
    text = (
        "try:\n    import ujson\nexcept ImportError:\n    import simplejson\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import stubs_only\n"
        "import sys\n"
        "if sys.version_info < (3, 11):\n    import tomli\n"
        "def load():\n    import numpydoc\n"
        "import pytest\npytest.importorskip('hypothesis')\nfrom hypothesis import given\n"
    )
    findings = check(text, context(tmp_path))
    names = {text[f.start : f.end]: f for f in findings}
    assert set(names) == {"ujson", "simplejson", "stubs_only", "tomli", "numpydoc", "pytest", "hypothesis"}
    assert names["pytest"].severity is None  # a plain top-level import: a real finding
    for name in ("ujson", "simplejson", "stubs_only", "tomli", "numpydoc", "hypothesis"):
        assert names[name].effective_severity == Severity.HINT, name


def test_a_file_importing_an_uninstalled_declared_package_softens_its_unknowns(tmp_path: Path) -> None:
    text = "import psycopg\nfrom psycopg_pool_helper import Pool\n"
    (finding,) = check(text, context(tmp_path))
    assert finding.effective_severity == Severity.HINT
    assert "dependency of `psycopg`" in finding.message


def test_denied_by_module_or_distribution_with_the_replacement_as_fix(tmp_path: Path) -> None:
    ctx = context(tmp_path, deny={"requests": "use httpx (team standard)", "pyyaml": "unsafe loaders"})
    text = "import requests\nimport yaml.loader\n"
    requests, yaml = check(text, ctx)
    assert (requests.code, requests.message) == ("denied-package", "`requests` is denied: use httpx (team standard)")
    (fix,) = requests.fixes
    assert (fix.title, text[fix.start : fix.end], fix.new_text) == ("Use `httpx`", "requests", "httpx")
    assert yaml.message == "`yaml` is denied (PyYAML): unsafe loaders"
    assert yaml.fixes == ()


def test_allow_list_and_ungrounded_workspaces(tmp_path: Path) -> None:
    assert check("import internal_tools.cli\n", context(tmp_path, allow=("internal_tools",))) == []
    ungrounded = context(tmp_path, declared=(), grounded=False, deny={"requests": ""})
    text = "import fake_pkg\nimport requests\n"
    (finding,) = check(text, ungrounded)
    assert finding.code == "denied-package"
    assert finding.message == "`requests` is denied by the team's package policy"


@pytest.mark.parametrize(
    ("reason", "replacement"),
    [("use httpx (team standard)", "httpx"), ("prefer `orjson`", "orjson"), ("deprecated", None)],
)
def test_replacement_in_a_deny_reason(reason: str, replacement: str | None) -> None:
    assert replacement_in(reason) == replacement


# -- names and keywords of installed libraries (jedi, against a venv built here) ---------------


@pytest.fixture(scope="module")
def api_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    folder = tmp_path_factory.mktemp("apienv")
    wheels = [
        build_wheel_files(folder / "dist", "apilib", "2.1.0", APILIB),
        build_wheel_files(folder / "dist", "dynlib", "0.3.0", DYNLIB),
    ]
    make_venv(folder / "venv", wheels)
    root = folder / "workspace"
    root.mkdir()
    (root / "requirements.txt").write_text("apilib==2.1.0\ndynlib\n", encoding="utf-8")
    (root / "domain-lsp.toml").write_text('[python]\nenvironment = "../venv"\n', encoding="utf-8")
    return Project.load(load_config(root / "domain-lsp.toml"), trusted=True)  # its configured venv counts


def api_findings_of(project: Project, text: str) -> list[tuple[str, str, str]]:
    path = project.config.root / "job.py"
    return [
        (f.code, text[f.start : f.end], f.message)
        for f in project.analyze(path, text)
        if f.code in ("unknown-attribute", "unknown-argument")
    ]


def test_missing_names_and_keywords_against_the_installed_version(api_project: Project) -> None:
    text = (
        "import apilib\n"
        "from apilib import connect, Client, submod, conect\n"
        "apilib.conect('x')\n"
        "apilib.connect('x', timeout=1, ssl=True, retry=3)\n"
        "Client('u', retries=2, verbose=True)\n"
        "apilib.VERSION, apilib.submod\n"
        "apilib.decorated(x=1, y=2)\n"  # functools.lru_cache passes calls through unchanged
    )
    assert api_findings_of(api_project, text) == [
        ("unknown-attribute", "conect", "apilib 2.1.0 has no `conect`; did you mean `connect`?"),
        ("unknown-attribute", "conect", "apilib 2.1.0 has no `conect`; did you mean `connect`?"),
        (
            "unknown-argument",
            "retry",
            "`connect` in apilib 2.1.0 takes no keyword argument `retry`",
        ),
        ("unknown-argument", "verbose", "`Client` in apilib 2.1.0 takes no keyword argument `verbose`"),
        ("unknown-argument", "y", "`decorated` in apilib 2.1.0 takes no keyword argument `y`"),
    ]


def test_nothing_where_the_answer_is_not_certain(api_project: Project) -> None:
    text = (
        "import apilib\n"
        "import dynlib\n"
        "from dynlib import anything\n"  # module __getattr__: any name may exist
        "apilib.registered(x=1, y=2)\n"  # an unknown decorator: its signature may differ
        "apilib.flexible(1, anything=2)\n"  # **options
        "dynlib.whatever\n"
        "try:\n    apilib.maybe_new\nexcept AttributeError:\n    pass\n"
        "if hasattr(apilib, 'newer'):\n    apilib.newer()\n"
        "def shadow(apilib):\n    return apilib.not_the_module\n"  # rebound name
        "apilib.brand_new = 1\n"  # assigning creates it
    )
    assert api_findings_of(api_project, text) == []


# -- completion of module names ---------------------------------------------------------------


def labels(text: str, ctx: PackageContext, path: str = "") -> list[str] | None:
    completions = complete_import(text, len(text), ctx, path)
    return None if completions is None else [c.label for c in completions]


def test_module_completion_offers_inventory_stdlib_and_workspace_only(tmp_path: Path) -> None:
    ctx = context(tmp_path, deny={"requests": "use httpx"})
    offered = labels("import ", ctx)
    assert offered is not None
    assert {"httpx", "yaml", "sklearn", "psycopg", "json", "os", "src", "scripts"} <= set(offered)
    assert "requests" not in offered  # installed but denied
    assert "attr" not in offered  # installed but not declared
    assert "_yaml" not in offered  # private unless asked for
    assert labels("import os, ht", ctx) == ["httpx"]
    assert labels("from sk", ctx) == ["sklearn"]
    completions = complete_import("x = 1\nfrom js", len("x = 1\nfrom js"), ctx)
    assert completions is not None and [c.label for c in completions] == ["json"]
    assert (completions[0].start, completions[0].end) == (len("x = 1\nfrom "), len("x = 1\nfrom js"))


def test_module_completion_lists_submodules_and_stays_out_of_other_code(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    (tmp_path / "src" / "ourapp" / "jobs.py").write_text("", encoding="utf-8")
    assert labels("from ourapp.", ctx) == ["jobs"]
    assert labels("x = imp", ctx) is None
    assert labels("from httpx import ", ctx) is None


# -- distribution names are not module names ----------------------------------------------------


def test_a_distribution_name_imported_as_a_module_names_the_real_module(tmp_path: Path) -> None:
    ctx = context(tmp_path, declared=("httpx", "PyYAML", "PyJWT"))
    text = "import pyyaml\nimport pyjwt\nimport yaml\n"
    pyyaml, pyjwt = check(text, ctx)
    assert (pyyaml.code, text[pyyaml.start : pyyaml.end]) == ("unknown-package", "pyyaml")
    assert pyyaml.message == "`pyyaml` is a distribution; its module is `yaml`"  # PyYAML's metadata says so
    (fix,) = pyyaml.fixes
    assert (fix.title, text[fix.start : fix.end], fix.new_text) == ("Use `yaml`", "pyyaml", "yaml")
    assert pyjwt.message == "`pyjwt` is a distribution; its module is `jwt`"  # declared, not installed
    assert pyjwt.effective_severity == Severity.ERROR


def test_no_module_is_guessed_that_is_standard_or_another_distributions(tmp_path: Path) -> None:
    # typing-extensions once made every file importing `typing` soften invented packages to hints.
    ctx = context(tmp_path, declared=("httpx", "typing-extensions", "certifi-tools"))
    (finding,) = check("import typing\nimport certifi\nimport fastcrm_sync\n", ctx)[-1:]
    assert text_of(finding) == "fastcrm_sync"
    assert finding.effective_severity == Severity.ERROR
    assert "hint" not in finding.message


def test_the_workspaces_own_package_is_not_a_missing_dependency(tmp_path: Path) -> None:
    ctx = context(tmp_path, declared=("httpx", "ourproj"))  # a uv.lock lists the project itself
    ctx.inventory.own_names.add("ourproj")
    (finding,) = check("import ourproj\nimport fastcrm_sync\n", ctx)
    assert finding.code == "unknown-package"
    assert finding.effective_severity == Severity.ERROR


def text_of(finding: Finding) -> str:
    return finding.message.split("`")[1]


# -- submodules versus attributes, on the packages installed here ---------------------------------


@pytest.fixture(scope="module")
def here(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A workspace using this interpreter's own environment (httpx, sqlglot, jedi are installed)."""
    root = tmp_path_factory.mktemp("here")
    (root / "requirements.txt").write_text("httpx\nsqlglot\njedi\n", encoding="utf-8")
    return Project.load(load_config_or_default(root))


def load_config_or_default(root: Path) -> Config:
    return Config(root=root, packages=PackageSettings(inventory=("requirements.txt",)))


def test_a_submodule_is_found_even_when_the_package_binds_the_same_name(here: Project) -> None:
    # sqlglot/__init__.py binds a function `diff`, which shadows the submodule as an attribute.
    text = "from sqlglot.diff import Insert, Remove\nimport sqlglot.optimizer.qualify\nfrom httpx import _api\n"
    assert api_findings_of(here, text) == []


def test_a_submodule_the_installed_package_lacks_is_reported(here: Project) -> None:
    text = "from httpx.routes import APIRoute\nimport sqlglot.dialects.postgress\n"
    version = importlib.metadata.version("httpx")
    assert api_findings_of(here, text) == [
        ("unknown-attribute", "routes", f"httpx {version} has no submodule `routes`"),
        (
            "unknown-attribute",
            "postgress",
            f"`sqlglot.dialects` (sqlglot {importlib.metadata.version('sqlglot')}) has no submodule `postgress`;"
            " did you mean `postgres`?",
        ),
    ]
