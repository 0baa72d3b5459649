# Set-up on a fresh machine is `make demo` or `make test`: both create the
# virtualenv and install the package (editable) with its test extras.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_WORKDIR ?= runs/demo

.PHONY: install test demo clean

install: $(STAMP)

$(STAMP): setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q tests

demo: $(STAMP)
	$(BIN)/dcgan-demo --workdir=$(DEMO_WORKDIR)

clean:
	rm -rf $(VENV) runs *.egg-info
