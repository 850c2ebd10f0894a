# The README's two commands: `make demo` and `make test`. Both create .venv and install only
# what pyproject.toml declares, so nothing installed by hand can make them pass by accident.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install demo test test-slow bench embedded clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test,notebook]"
	rm -f $(VENV)/.installed-*; touch $(STAMP)

demo: $(STAMP)
	$(BIN)/nas-suite demo
	$(BIN)/nas-suite reproduce quickstart --jobs 2

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_nb201_load.py
	$(BIN)/python benchmarks/bench_nb101.py

embedded: $(STAMP)
	$(BIN)/python scripts/build_embedded.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
