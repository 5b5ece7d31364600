# The README's commands. Everything the project needs is installed from here and pyproject.toml.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SCALE  ?= 1.0
PORT   ?= 8501

.PHONY: setup demo data test test-fast browser-deps java-deps bench bench-quick lint clean

$(BIN)/cx: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	touch $(BIN)/cx

setup: $(BIN)/cx

## Generate the demo exports, ingest them, build the warehouse, then serve the dashboard.
demo: setup data
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

data: setup
	$(BIN)/cx demo --scale $(SCALE) --out data/demo_exports --db data/warehouse.duckdb

## Set up and run the whole test suite (browser tests skip without /usr/bin/chromium, Spark tests
## without Java: java-deps installs it where it can).
test: setup java-deps
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow and not browser"

## Debian's Chromium for the browser tests and the board pack's PDF (never `playwright install`: no
## network for it here), and poppler-utils (pdftotext, pdftoppm) for the tests that read the PDF.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi
	@if ! command -v pdftotext >/dev/null || ! command -v pdftoppm >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	fi

## Java 17 for `cx build --engine spark` and its tests (pyspark itself is the `spark` extra).
## Without root or apt the Spark tests skip, with the reason.
java-deps:
	@if ! command -v java >/dev/null 2>&1 && [ -z "$$JAVA_HOME" ]; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null) \
		|| echo "Java 17 could not be installed: the Spark tests will skip"; \
	fi

## The bench's app and load runs drive Debian's Chromium: without it they say "not measured".
bench: setup browser-deps
	$(BIN)/python -m bench.run --scales 1,10,50

bench-quick: setup browser-deps
	$(BIN)/python -m bench.run --scales 0.1

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf data/demo_exports data/*.duckdb data/*.wal data/*-serving .pytest_cache
