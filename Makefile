# Two entry points for a fresh machine: `make demo` and `make test`. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test servers gates install lint bench clean

$(STAMP): pyproject.toml
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	@test -d $(VENV) || uv venv --quiet --python $(PYTHON) $(VENV)
	VIRTUAL_ENV=$(VENV) uv pip install --quiet -e '.[dev,bench,spark]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/cityhub demo

# The gates, then the tests (doctests included) against real servers. CITYHUB_SKIP_SERVERS=1 skips
# the server tests, and the run says so at its end.
test: gates servers
	$(BIN)/python -m pytest -q

# What the server tests need (PostgreSQL, Java, the Neo4j launcher, Elasticsearch); CI runs the same.
servers:
	@if [ "$${CITYHUB_SKIP_SERVERS:-}" = 1 ]; then \
	  echo "servers: not installed (CITYHUB_SKIP_SERVERS=1)"; \
	else \
	  .ci/install-servers.sh; \
	fi

# Style, types, and the layer rule (import contracts in pyproject.toml).
gates: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

lint: gates

bench: $(STAMP)
	$(BIN)/cityhub bench all

clean:
	rm -rf $(VENV) .cityhub .pytest_cache .mypy_cache
