# The README's two commands: `make demo` and `make test`. Both create .venv and install only
# what pyproject.toml declares, so nothing installed by hand can make them pass by accident.
# `make demo` installs the package alone; `make test` adds the test tools and the extras the tests
# use (xgboost/lightgbm, Dask, Ray, nas-bench-graph). The torch extra is never installed here:
# tests that need it skip, naming it (CI installs it and runs them: see .ci/run).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
CKSUM := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
BASE_STAMP := $(VENV)/.installed-base-$(CKSUM)
TEST_STAMP := $(VENV)/.installed-test-$(CKSUM)
# the demo writes here (git-ignored); the committed reference results/quickstart/ stays untouched
DEMO_RESULTS := runs

.PHONY: install demo test test-slow bench embedded clean

install: $(TEST_STAMP)

$(BASE_STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	rm -f $(VENV)/.installed-*; touch $(BASE_STAMP)

$(TEST_STAMP): $(BASE_STAMP)
	$(BIN)/python -m pip install -q -e ".[test,notebook]"
	touch $(TEST_STAMP)

demo: $(BASE_STAMP)
	$(BIN)/nas-suite demo --out $(DEMO_RESULTS)/demo
	$(BIN)/nas-suite reproduce quickstart --jobs 2 --results $(DEMO_RESULTS)
	@echo "demo: results are in $(DEMO_RESULTS)/ (git-ignored); the committed reference is results/quickstart/"

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q

test-slow: $(TEST_STAMP)
	$(BIN)/python -m pytest -q -m slow

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_nb201_load.py
	$(BIN)/python benchmarks/bench_nb101.py

embedded: $(BASE_STAMP)
	$(BIN)/python scripts/build_embedded.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
