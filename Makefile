# `make demo` and `make test` work on a fresh machine with nothing but Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/tongpan demo

# Mozilla's ical.js reads our feeds in the tests as a second, independent parser.
# Without Node the ical.js test skips (and fails under TONGPAN_REQUIRE_SERVICES=1).
tests/js/node_modules/.installed: tests/js/package.json
	@if command -v npm >/dev/null 2>&1; then \
		cd tests/js && npm install --no-audit --no-fund --silent && touch node_modules/.installed; \
	else echo "npm not found: the ical.js feed test will be skipped"; fi

test: $(BIN)/.installed tests/js/node_modules/.installed
	$(BIN)/pytest -q

# Each writes bench/results/*.json. solve.py takes about 8 minutes, county.py about
# 25 (PostgreSQL and redis-server); feeds.py needs nginx and wrk (apt-get install -y nginx wrk).
bench: $(BIN)/.installed
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/hardening.py
	$(BIN)/python bench/solve.py
	$(BIN)/python bench/feeds.py
	$(BIN)/python bench/county.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/rotation.py

clean:
	rm -rf $(VENV) demo .pytest_cache
