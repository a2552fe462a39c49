# jumelage — make run (set up and serve), make test (set up and test), make bench.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODEL  := var/model/multilingual-e5-small
ONNX   := var/onnx/multilingual-e5-small
INDEX  := var/index
HOST   ?= 127.0.0.1
PORT   ?= 8000
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

AXE_CORE ?= 4.10.3

.PHONY: run test test-fast lint index model bench bench-incremental install browser clean

run: index
	$(BIN)/jumelage serve --index $(INDEX) --host $(HOST) --port $(PORT)

test: install model browser lint
	$(BIN)/python -m pytest -q

# Lint, format, types and the layer contract (jumelage → web → search → indexer); configured in pyproject.toml.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

index: install model
	$(BIN)/jumelage index --index $(INDEX) --if-stale

# The sentence-transformers folder is the model of record; the ONNX graphs (fp32, 4-bit weights, int8)
# are exported from it for the onnx backends. A changed exporter re-exports (it skips current graphs).
model: $(MODEL)/modules.json $(ONNX)/jumelage-onnx.json

bench: index
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.soak --index $(INDEX)
	$(BIN)/python -m bench.incremental

# Adding one 40-passage declaration to the bundled and to a 100k synthetic index (bench/incremental.md).
bench-incremental: install model
	$(BIN)/python -m bench.incremental

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# torch is pinned exactly (==2.13.0) in pyproject.toml: pip takes the local CPU wheel, never a CUDA build.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,model-build,bench]'
	touch $@

$(MODEL)/modules.json: | $(STAMP)
	$(BIN)/jumelage model build --dest $(MODEL) --cache var/cache

$(ONNX)/jumelage-onnx.json: $(MODEL)/modules.json indexer/embedding/onnx_export.py | $(STAMP)
	$(BIN)/python -m indexer.embedding.onnx_export --model $(MODEL) --dest $(ONNX)
	touch $@

# The browser tests drive Debian's Chromium (and need a Japanese font for readable screenshots);
# the export test opens the CSV in LibreOffice Calc; the accessibility test injects axe-core (npm, into var/node).
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi ipa || \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium fonts-ipafont-gothic fonts-ipafont-mincho >/dev/null; }
	@command -v soffice >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libreoffice-calc-nogui >/dev/null; }
	@test -f var/node/node_modules/axe-core/axe.min.js || \
	  { command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq npm >/dev/null; }; \
	    npm install --prefix var/node --no-audit --no-fund --silent axe-core@$(AXE_CORE) >/dev/null; }

clean:
	rm -rf var $(VENV) build *.egg-info .pytest_cache .hypothesis tests/artifacts
