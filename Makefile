# Two commands set up a fresh machine:
#   make run   install, ingest corpus/ and start the app on http://127.0.0.1:8501
#   make test  install what the tests need (system packages too) and run every test
# Both are idempotent: installs are skipped when their inputs have not changed, and
# ingest re-embeds only what changed in corpus/.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: run test install install-dev system-deps ingest lint bench eval eval-gate docs clean

# serve.py loads the model and the index while the server starts, so the first answer is quick.
run: install ingest
	$(PY) -m streamlit run serve.py --server.headless true --server.address 127.0.0.1 \
		--server.port $(PORT) --browser.gatherUsageStats false

test: install-dev system-deps
	$(PY) -m pytest -q
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(MAKE) eval-gate

# The gold set as a quality gate, on an index built from this checkout's corpus.
eval-gate: install
	SPO_DATA_DIR=test-artifacts/data $(PY) ingest.py --quiet
	SPO_DATA_DIR=test-artifacts/data $(PY) -m assistant.eval --out test-artifacts/eval \
		--check eval/thresholds.json

# torch first, on its own: the CPU build lies on this machine's disk, and without it
# sentence-transformers would pull a multi-GB CUDA build.
$(VENV)/.torch:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	touch $@

$(STAMP): $(VENV)/.torch pyproject.toml
	$(PY) -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

install-dev: install
	bash scripts/install_llm.sh $(VENV)

# Debian's Chromium for the end-to-end browser test (never a browser download),
# PostgreSQL for the shared-feedback-database test (the tests start it on loopback), and
# Tesseract with its English data for reading scanned PDFs (SPO_OCR).
system-deps:
	@command -v chromium >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
		&& command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx eng || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium chromium-driver postgresql tesseract-ocr tesseract-ocr-eng; }

ingest: install
	$(PY) ingest.py

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check assistant
	$(PY) -m mypy

bench: install
	$(PY) bench/ingest.py
	$(PY) bench/noop_ingest.py
	$(PY) bench/answer.py
	$(PY) bench/load.py
	$(PY) bench/scale.py --sizes 1000
	$(PY) bench/redaction.py

# Rewrite the README's generated settings table from assistant/settings.py.
docs: install
	$(PY) scripts/gen_docs.py

eval: install
	$(PY) -m assistant.eval

clean:
	rm -rf data test-artifacts eval/runs
