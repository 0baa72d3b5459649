# Set-up on a fresh machine is `make demo` or `make test`: both create the
# virtualenv and install the package (editable) with its test extras.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_WORKDIR ?= runs/demo
# Test processes (pytest-xdist). Each imports TensorFlow (about 1 GB), and
# the multi-worker tests start more processes of their own: keep it near
# the number of cores.
TEST_WORKERS ?= 2

.PHONY: install test test-fast lint format demo clean

install: $(STAMP)

$(STAMP): setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal tests

# The suite without its slow tests (pytest.mark.slow: subprocesses,
# clusters, TensorBoard, the demo); every module keeps some tests here.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal -m "not slow" tests

# ruff (pyproject.toml): the format check and the linter; .ci/run runs this
# before the tests.
lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

demo: $(STAMP)
	$(BIN)/dcgan-demo --workdir=$(DEMO_WORKDIR)

clean:
	rm -rf $(VENV) runs *.egg-info
