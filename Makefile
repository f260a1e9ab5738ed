# textwash — `make run` cleans raw/ into processed/; `make test` runs the test suite; `make bench`
# measures speed and memory (bench/RESULTS.md).
# All set up .venv first (pinned by requirements.lock) when it is missing or out of date.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: setup run test lock bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[test]"
	touch $(STAMP)

run: setup
	$(BIN)/textwash run raw --out processed

test: setup
	$(BIN)/python -m pytest -q

# Re-pin every dependency from a fresh environment (needs the package registry).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --disable-pip-version-check -e ".[test]"
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^textwash' > requirements.lock
	rm -rf .lock-venv

# Benchmark into bench/RESULTS.md: 1000, 10000 and N documents grown from raw/ (and PAGES, a folder
# of more .txt/.html pages); several minutes at N=100000.
N ?= 100000
PAGES ?=
bench: setup
	$(BIN)/python bench/run_bench.py --docs $(N) $(if $(PAGES),--pages $(PAGES))

clean:
	rm -rf processed/documents processed/rejects processed/.staging
