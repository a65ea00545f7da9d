# baimq front door. Every target sets up .venv on first use (Python >= 3.11, pip only).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PERIOD ?=

.PHONY: help setup report check test test-fast nbval lab notebooks sync data bench fuzz clean

help:
	@echo "make report   - load data/raw, check it and write the bulletin to out/"
	@echo "make test     - run every test (unit tests, then notebooks with nbval)"
	@echo "make check    - check every return in data/raw"
	@echo "make lab      - open JupyterLab on the project's environment"
	@echo "make notebooks- re-execute the notebooks in place (commit their outputs)"
	@echo "make sync     - re-pair notebooks with their py:percent scripts (jupytext)"
	@echo "make data     - rebuild the bundled sample workbooks in data/raw"
	@echo "make bench    - run the benchmarks (results in benchmarks/RESULTS.md)"
	@echo "make fuzz     - long fuzzing run"

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (baimq)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

report: $(STAMP)
	$(BIN)/baimq report --data data/raw --out out --processed data/processed $(if $(PERIOD),--period $(PERIOD),)

check: $(STAMP)
	$(BIN)/baimq check data/raw

test: $(STAMP)
	$(BIN)/python -m pytest tests
	$(BIN)/python -m pytest --nbval notebooks --nbval-sanitize-with notebooks/nbval_sanitize.cfg -p no:cacheprovider

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -x -q

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval notebooks --nbval-sanitize-with notebooks/nbval_sanitize.cfg -p no:cacheprovider

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

notebooks: $(STAMP)
	$(BIN)/python scripts/run_notebooks.py

sync: $(STAMP)
	$(BIN)/jupytext --sync notebooks/*.ipynb

data: $(STAMP)
	$(BIN)/python scripts/build_sample_data.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=long $(BIN)/python -m pytest tests/test_fuzz.py -q

clean:
	rm -rf out .pytest_cache .cache
