# textwash — `make run` cleans raw/ into processed/; `make test` runs the test suite; `make bench`
# measures speed and memory (bench/RESULTS.md).
# All set up .venv first (pinned by requirements.lock) when it is missing or out of date.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM ?= chromium
STAMP := $(VENV)/.installed
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: setup browser run test lock bench bench-big clean eval fuzz train

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[test]"
	touch $(STAMP)

run: setup
	$(BIN)/textwash run raw --out processed

test: setup browser
	$(BIN)/python -m pytest -q

# The report's browser test needs headless Chromium: install Debian's package when it is missing
# and this machine can (root with apt-get). Elsewhere that test skips and says why.
browser:
	@if command -v $(CHROMIUM) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing chromium for the report's browser test"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; } \
	    || echo "could not install chromium: the report's browser test will skip"; \
	else echo "chromium is missing and cannot be installed here (needs root and apt-get): the report's browser test will skip"; fi

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
	$(BIN)/python bench/run_bench.py --big-files $(BIG) $(if $(PAGES),--pages $(PAGES))

# Big files alone (bench/RESULTS-big.md): one JSONL dump and one WARC of each size in MB, peak
# memory and time, and 1 against 2 workers on the first and the largest JSONL size.
BIG ?= 50,500
bench-big: setup
	$(BIN)/python bench/run_bench.py --big-files $(BIG) $(if $(PAGES),--pages $(PAGES))

# Fuzz the per-document path with FUZZ generated hostile inputs (about 100 a second): no crash,
# nothing lost; prints the count of each outcome.
FUZZ ?= 100000
fuzz: setup
	$(BIN)/python bench/fuzz.py --inputs $(FUZZ)

clean:
	rm -rf processed/documents processed/rejects processed/_current processed/_versions processed/_staging processed/.lock \
	  processed/report processed/site-templates.json

# Retrain the cleaner's segment model (src/textwash/cleaning/models/segments.json.gz) from train/data and
# write its held-out tables to train/RESULTS.md (several minutes; LightGBM on one thread). Add a set of your own
# first with `$(BIN)/python train/train.py pack DIR NAME` (DIR: truth.jsonl and folders of dumps).
train: setup
	$(BIN)/python train/train.py fit --report train/RESULTS.md

# Score the cleaner on a folder of page dumps with ground truth:
#   make eval EVAL=path/to/articles-dev [SCORER=path/to/score_articles.py] [WITHOUT="rules end-rules"]
EVAL ?= eval
SCORER ?= $(EVAL)/../score_articles.py
EVAL_OUT ?= /tmp/textwash-eval
eval: setup
	$(BIN)/python bench/eval_articles.py $(EVAL)/text $(EVAL_OUT) $(if $(WITHOUT),--without $(WITHOUT))
	$(BIN)/python $(SCORER) $(EVAL)/truth.jsonl $(EVAL_OUT)
