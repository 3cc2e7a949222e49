# Set-up on a fresh machine installs the exact versions in the committed lock files:
#   make run   - create .venv from requirements.lock, start the studio on the embedded default model
#   make test  - the same .venv plus requirements-test.lock, then the whole test suite (2 pytest-xdist workers,
#                one file per worker at a time; run one file with .venv/bin/python -m pytest tests/...)
#   make lock  - re-resolve requirements*.txt into requirements*.lock and copy the app pins into
#                pre-requirements.txt (the Space's install; upgrade on purpose, run the tests, commit the files together)
#   make lint  - ruff check (CI runs it before the tests)
#   make format - apply ruff's fixes and formatting
#   make help  - this list
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The lock is resolved for this platform with torch taken from the local CPU wheel (no CUDA packages);
# torch is written as ==2.13.0, which pip satisfies from that wheel here and from PyPI elsewhere.
LOCK_FLAGS := --python-version 3.11 --python-platform x86_64-manylinux_2_28 --find-links /opt/wheels \
	--override .ci/torch-cpu.txt --custom-compile-command "make lock" --quiet

.PHONY: run test lock lint format help clean-venv

help:
	@sed -n 's/^#   //p' Makefile

$(VENV)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed requirements-test.lock
	$(PY) -m pip install --quiet -r requirements-test.lock
	touch $@

run: $(VENV)/.installed
	$(PY) app.py

test: lint
	$(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder

lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile requirements.txt $(LOCK_FLAGS) -o requirements.lock
	$(PYTHON) -m uv pip compile requirements-test.txt -c requirements.lock $(LOCK_FLAGS) -o requirements-test.lock
	sed -i 's/^torch==\([0-9.]*\)+cpu/torch==\1/' requirements.lock requirements-test.lock
	{ sed -n '1,3p' pre-requirements.txt; grep -E '^[A-Za-z0-9]' requirements.lock; } > pre-requirements.txt.new
	mv pre-requirements.txt.new pre-requirements.txt

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .

format: $(VENV)/.test-installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean-venv:
	rm -rf $(VENV)
