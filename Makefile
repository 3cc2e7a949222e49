# Two commands do all the set-up on a fresh machine:
#   make run   - create .venv, install requirements.txt, start the studio on the embedded default model
#   make test  - create/update the same .venv with the test requirements and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: run test clean-venv

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

run: $(VENV)/.installed
	$(PY) app.py

test: $(VENV)/.test-installed
	$(PY) -m pytest

clean-venv:
	rm -rf $(VENV)
