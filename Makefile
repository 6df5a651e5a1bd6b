# Two commands: `make demo` and `make test`. Both set up everything they need themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DB ?= sqlite:///./var/epibridge.db
PYTEST_ARGS ?=
# One pytest process per core (pytest-xdist): a single process uses about one core, since the
# live servers of the tests share its interpreter lock. Each worker starts its own PostgreSQL.
TEST_WORKERS ?= auto

.PHONY: demo test install kernel lint format serve clean lock screenshots

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -U pip setuptools wheel
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev,dask]'
	touch $(STAMP)

install: $(STAMP)

# Build the detection kernel now (gcc comes from system-deps.sh), so no first run pays for it.
kernel: $(STAMP)
	$(BIN)/python -c "from epibridge.detection.farrington import native; native.load()"

demo: $(STAMP)
	./scripts/system-deps.sh demo
	$(MAKE) --no-print-directory kernel
	mkdir -p var
	EPIBRIDGE_DATABASE_URL=$(DEMO_DB) $(BIN)/epibridge db upgrade
	EPIBRIDGE_DATABASE_URL=$(DEMO_DB) $(BIN)/epibridge demo load
	EPIBRIDGE_DATABASE_URL=$(DEMO_DB) $(BIN)/epibridge serve

test: $(STAMP)
	./scripts/system-deps.sh test
	$(MAKE) --no-print-directory kernel
	$(BIN)/ruff check src tests benchmarks migrations
	$(BIN)/ruff format --check src tests benchmarks migrations
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks migrations

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks migrations
	$(BIN)/ruff check --fix src tests benchmarks migrations

# Re-pin: the constraints file records the exact versions a fresh install gets.
lock: $(STAMP)
	$(BIN)/pip freeze --exclude-editable | grep -v '^epibridge' > constraints.txt

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache

# The user guides' screenshots (docs/guide/screenshots): run the browser tests, which write them to
# test-artifacts/screenshots, then copy exactly those the guides name; a name no test produced
# fails, and so does a failing browser test (after the copy).
screenshots: $(STAMP)
	./scripts/system-deps.sh test
	rm -rf "$${EPIBRIDGE_TEST_ARTIFACTS:-test-artifacts}/screenshots"
	status=0; $(BIN)/pytest -m browser tests/web || status=$$?; \
	$(BIN)/python scripts/guide_screenshots.py && exit $$status
