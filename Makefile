# cookiecutter-fastapi-fargate: render the template and test everything it renders. `make help` lists targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell scripts/find-python.sh)
VENV := .venv
CHECKOV_VENV := .venv-checkov
OUT ?= build
# Many tests wait on Terraform's provider or the emulated AWS account rather than compute: twice as many
# workers as cores (at least 4). loadgroup keeps each lifecycle's tests in one worker (tests/conftest.py).
WORKERS ?= $(shell n=$$(nproc); echo $$(( n * 2 > 4 ? n * 2 : 4 )))
PYTEST_ARGS ?= -n $(WORKERS) --dist loadgroup
IAM_EVALUATOR := tests/iam/node_modules/.installed
BACKSTAGE := tests/backstage/node_modules/.installed

.PHONY: help render test lint toolchain system-deps bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet -r requirements-dev.txt
	touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt
	touch $@

# The IAM policy evaluator of the permission proof (tests/iam), from its lock file.
$(IAM_EVALUATOR): tests/iam/package.json tests/iam/package-lock.json
	npm ci --prefix tests/iam --no-audit --no-fund --loglevel=error
	touch $@

# Backstage's validators, templating engine and fetch:cookiecutter action (tests/backstage), from its lock file.
$(BACKSTAGE): tests/backstage/package.json tests/backstage/package-lock.json
	npm ci --prefix tests/backstage --no-audit --no-fund --loglevel=error
	touch $@

render: $(VENV)/.installed ## Render the default project into build/ (OUT=dir to change)
	$(VENV)/bin/cookiecutter --no-input --overwrite-if-exists --output-dir $(OUT) .

toolchain: ## Build or check the offline Terraform toolchain (prints export lines)
	scripts/terraform-toolchain.sh

system-deps: ## Install wrk and bubblewrap, which the reliability tests and benchmarks use
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
	rm -rf $(VENV) $(CHECKOV_VENV) $(OUT)
