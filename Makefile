# Two commands matter: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit install clean vsix nvim-helptags system-deps vscode-screenshots bench fuzz

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,postgres,duckdb]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@echo "== domain-lsp check examples/warehouse (exit 1 is expected: the example has AI-made mistakes)"
	@cd examples/warehouse && ../../$(VENV)/bin/domain-lsp check; status=$$?; test $$status -le 1

lint: $(STAMP)
	$(VENV)/bin/ruff check domain_lsp tests bench scripts
	$(VENV)/bin/ruff format --check domain_lsp tests bench scripts

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(PY) -m pytest -q -rs

test: lint typecheck unit

# The benchmark suite (docs/performance.md): prints one table, writes bench/.work/results.json.
bench: $(STAMP)
	$(PY) -m pip install -q 'sqlfluff>=3,<5'
	$(PY) -m bench.run

# The protocol fuzzer and the deep-SQL fuzz (100,000 levels, every dialect) at length; bounded runs are in `make test`.
fuzz: $(STAMP)
	DOMAIN_LSP_FUZZ_DEEP=1 DOMAIN_LSP_FUZZ_EXAMPLES=$${DOMAIN_LSP_FUZZ_EXAMPLES:-2000} $(PY) -m pytest -q -s -p no:cacheprovider tests/fuzz

# Debian packages and code-server for the real-editor tests (CI runs this; needs root).
system-deps:
	scripts/ci/system-deps.sh

vsix:
	scripts/editors/build-vsix.sh

# editors/nvim/doc/tags, committed so `:help domain_lsp` works without :helptags (tests/editors checks it is current).
nvim-helptags:
	$(VENV)/bin/nvim --headless --clean -c 'helptags editors/nvim/doc' -c 'quit'

vscode-screenshots: $(STAMP)
	scripts/editors/install-code-server.sh >/dev/null
	DOMAIN_LSP_UPDATE_SCREENSHOTS=1 $(PY) -m pytest -q tests/editors/test_vscode.py

clean:
	rm -rf $(VENV) build *.egg-info
