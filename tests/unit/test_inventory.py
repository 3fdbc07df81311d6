"""Reading the inventory files: every format, includes, and malformed files as problems."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from domain_lsp.config import Config, PackageSettings, load_config
from domain_lsp.inventory.load import inventory_files, load_inventory
from domain_lsp.inventory.model import Inventory, normalize
from domain_lsp.inventory.names import guess_modules
from domain_lsp.inventory.report import inventory_findings
from domain_lsp.inventory.requirements import read_requirements
from domain_lsp.project import Project

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "python" / "inventory"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "inventory"
    shutil.copytree(FIXTURE, root)
    return root


def declared(inventory: Inventory) -> set[str]:
    return set(inventory.declared)


def test_requirements_with_includes_extras_markers_urls_and_editables(folder: Path) -> None:
    inventory = Inventory()
    read_requirements(folder / "requirements.txt", inventory)
    assert declared(inventory) == {
        "sqlglot",  # -r requirements-base.txt (which includes requirements.txt back: read once)
        "urllib3",  # -c constraints.txt
        "httpx",
        "pyyaml",  # a hash on a continuation line
        "pkg-with-url",
        "gitdep",  # #egg=
        "local-tool",  # -e ./libs/localtool: the name its pyproject gives
        "typing-extensions",
    }
    assert inventory.problems == []
    assert inventory.declared["pyyaml"].line == 6


def test_pyproject_pep621_pep735_and_poetry(folder: Path) -> None:
    config = Config(root=folder, packages=PackageSettings(inventory=("pyproject.toml",)))
    inventory = load_inventory(config)
    assert declared(inventory) == {"psycopg", "pandas", "scikit-learn", "pytest", "ruff", "opencv-python", "mkdocs"}
    assert inventory.own_names == {"warehouse-jobs"}
    assert inventory.problems == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("uv.lock", {"beautifulsoup4", "soupsieve"}),
        ("poetry.lock", {"pillow"}),
        ("pylock.toml", {"python-dateutil"}),
        ("Pipfile.lock", {"attrs", "black"}),
    ],
)
def test_lock_files(folder: Path, name: str, expected: set[str]) -> None:
    inventory = load_inventory(Config(root=folder, packages=PackageSettings(inventory=(name,))))
    assert declared(inventory) == expected
    assert inventory.files == [(folder / name).resolve()]


def test_without_configuration_the_usual_names_are_discovered(folder: Path) -> None:
    names = {path.name for path in inventory_files(Config(root=folder))}
    assert names == {
        "requirements.txt",
        "requirements-base.txt",
        "pyproject.toml",
        "uv.lock",
        "poetry.lock",
        "pylock.toml",
        "Pipfile.lock",
    }
    assert "constraints.txt" not in names  # only read through -c


def test_malformed_files_are_problems_on_their_line_and_the_rest_still_counts(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("httpx\nhttpx 0.28\n-r missing.txt\nsqlglot\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = [\n', encoding="utf-8")
    (tmp_path / "Pipfile.lock").write_text("{not json", encoding="utf-8")
    inventory = load_inventory(Config(root=tmp_path))
    assert declared(inventory) == {"httpx", "sqlglot"}
    problems = {(p.path.name, p.line, p.message.split(":")[0]) for p in inventory.problems}
    assert ("requirements.txt", 2, "not a requirement") in problems
    assert ("requirements.txt", 3, "included file `missing.txt` not found") in problems
    assert any(name == "pyproject.toml" and message == "invalid TOML" for name, _, message in problems)
    assert any(name == "Pipfile.lock" and message == "invalid JSON" for name, _, message in problems)
    findings = inventory_findings(inventory)[(tmp_path / "requirements.txt").resolve()]
    text = (tmp_path / "requirements.txt").read_text(encoding="utf-8")
    bad = next(f for f in findings if f.message.startswith("not a requirement"))
    assert bad.code == "inventory-error"
    assert text[bad.start : bad.end] == "httpx"
    assert text[bad.start - 1] == "\n" and bad.start == text.index("httpx 0.28")
    missing = next(f for f in findings if "missing.txt" in f.message)
    assert text[missing.start : missing.end] == "missing.txt"


def test_dependencies_of_the_wrong_shape(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\ndependencies = "httpx"\n', encoding="utf-8")
    inventory = load_inventory(Config(root=tmp_path))
    (problem,) = inventory.problems
    assert problem.message == "`project.dependencies` is not a list"
    assert problem.line == 2


def test_normalized_names_and_module_guesses() -> None:
    assert normalize("Foo_Bar.baz") == "foo-bar-baz"
    assert "typing_extensions" in guess_modules("typing-extensions")
    assert "dateutil" in guess_modules("python-dateutil")
    assert "yaml" in guess_modules("PyYAML")
    assert "sklearn" in guess_modules("scikit-learn")
    assert "cv2" in guess_modules("opencv-python-headless")
    assert "pil" in guess_modules("Pillow")
    assert "bs4" in guess_modules("beautifulsoup4")


def test_the_project_reports_inventory_errors_on_the_inventory_file(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("httpx\n!!bad\n", encoding="utf-8")
    project = Project.load(Config(root=tmp_path))
    (finding,) = project.analyze(requirements, requirements.read_text(encoding="utf-8"))
    assert (finding.code, finding.message) == ("inventory-error", "not a requirement: `!!bad`")
    assert project.analyze(tmp_path / "other.txt", "") == []


def test_an_environment_that_cannot_be_read_is_reported_on_the_config(tmp_path: Path) -> None:
    config_file = tmp_path / "domain-lsp.toml"
    config_file.write_text('[python]\nenvironment = "no-such-venv"\n', encoding="utf-8")
    project = Project.load(load_config(config_file), trusted=True)
    (finding,) = project.analyze(config_file, config_file.read_text(encoding="utf-8"))
    assert finding.code == "missing-input"  # an error: the gate fails (tests/cli/test_fail_closed.py)
    assert "python.environment `no-such-venv` does not exist" in finding.message
    # Without the installed packages nothing is called unknown.
    assert project.analyze(tmp_path / "job.py", "import fake_pkg\n") == []
