# cookiecutter-fastapi-fargate: render the template and test everything it renders. `make help` lists targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell scripts/find-python.sh)
VENV := .venv
CHECKOV_VENV := .venv-checkov
# pip-compile pins for the Python it runs on, down to its patch level: the lock files are compiled on the
# oldest Python the template supports (scripts/find-python.sh; Debian 12's 3.11.2), and every newer one
# installs them as they are.
LOCK_PYTHON ?= python3.11
LOCK_VENV := .venv-lock
OUT ?= build
# Many tests wait on Terraform's provider or the emulated AWS account rather than compute: twice as many
# workers as cores (at least 4). loadgroup keeps each lifecycle's tests in one worker (tests/conftest.py).
WORKERS ?= $(shell n=$$(nproc); echo $$(( n * 2 > 4 ? n * 2 : 4 )))
PYTEST_ARGS ?= -n $(WORKERS) --dist loadgroup
IAM_EVALUATOR := tests/iam/node_modules/.installed
BACKSTAGE := tests/backstage/node_modules/.installed

.PHONY: help render test lint lock toolchain system-deps bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

# The template's own Python tools, from lock files: every dependency pinned, every download checked against
# its hashes. `make lock` writes each requirements-*.txt from the requirements-*.in a person edits.
$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --require-hashes -r requirements-checkov.txt
	touch $@

# The IAM policy evaluator of the permission proof (tests/iam), from its lock file.
$(IAM_EVALUATOR): tests/iam/package.json tests/iam/package-lock.json
	npm ci --prefix tests/iam --no-audit --no-fund --loglevel=error
	touch $@

# Backstage's validators, templating engine and fetch:cookiecutter action (tests/backstage), from its lock file.
$(BACKSTAGE): tests/backstage/package.json tests/backstage/package-lock.json
	npm ci --prefix tests/backstage --no-audit --no-fund --loglevel=error
	touch $@

# pip-tools, pinned in requirements-dev.in, on LOCK_PYTHON.
$(LOCK_VENV)/.installed: requirements-dev.txt
	$(LOCK_PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

# Extras stay in the lock files: the suite reads moto[server]'s pin from requirements-dev.txt.
lock: $(LOCK_VENV)/.installed ## Re-pin requirements-*.txt with hashes from requirements-*.in (LOCK_PYTHON=python3.11)
	for input in requirements-dev.in requirements-checkov.in; do \
	  $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --no-strip-extras --no-emit-find-links \
	    $$input || exit 1; \
	done

render: $(VENV)/.installed ## Render the default project into build/ (OUT=dir to change)
	$(VENV)/bin/cookiecutter --no-input --overwrite-if-exists --output-dir $(OUT) .

toolchain: ## Build or check the offline Terraform toolchain (prints export lines)
	scripts/terraform-toolchain.sh

system-deps: ## Install wrk, bubblewrap and jq, which the reliability tests, benchmarks and the emulated GitHub use
	scripts/install-system-deps.sh

lint: $(VENV)/.installed ## Lint the template's own code (hooks, tests, scripts)
	$(VENV)/bin/flake8
	$(VENV)/bin/shellcheck -x scripts/*.sh .ci/run

test: $(VENV)/.installed $(CHECKOV_VENV)/.installed $(IAM_EVALUATOR) $(BACKSTAGE) system-deps lint ## Run the whole test suite (installs what it needs)
	eval "$$(scripts/terraform-toolchain.sh)" && \
	CHECKOV_BIN=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov $(VENV)/bin/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed system-deps ## Benchmark the rendered service against bare FastAPI and raw ASGI
	$(VENV)/bin/python benchmarks/run.py

clean: ## Remove the virtual environments and rendered output
	rm -rf $(VENV) $(CHECKOV_VENV) $(LOCK_VENV) $(OUT)
