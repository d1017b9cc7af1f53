# Two commands set up a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1

.PHONY: demo test lint bench install clean chromium cjk-fonts postgresql

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## make demo: install, ingest the bundled demo corpus into ./news.duckdb, print a trend table
demo: $(STAMP)
	$(BIN)/newsfacts demo

## make chromium: the headless browser the report test renders with; installed if missing and we are root
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || true

## make cjk-fonts: Japanese and Korean fonts, so the report test can check CJK text renders with real glyphs
cjk-fonts:
	@{ fc-list :lang=ja | grep -q . && fc-list :lang=ko | grep -q .; } 2>/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null; } || true

## make postgresql: PostgreSQL 15 for the fleet tests (a throwaway cluster each); installed if missing and we are root
postgresql:
	@test -x /usr/lib/postgresql/15/bin/initdb || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; } || true

## make test: lint, import contracts, types, then the test suite
test: $(STAMP) chromium cjk-fonts postgresql
	$(BIN)/ruff format --check --quiet flows extractors warehouse tests bench
	$(BIN)/ruff check flows extractors warehouse tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff format flows extractors warehouse tests bench
	$(BIN)/ruff check --fix flows extractors warehouse tests bench

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) news.duckdb .pytest_cache .mypy_cache .ruff_cache
