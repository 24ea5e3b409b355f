# cookiecutter-fastapi-fargate: render the template and test everything it renders. `make help` lists targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell scripts/find-python.sh)
VENV := .venv
RENDER_VENV := .venv-render
CHECKOV_VENV := .venv-checkov
# uv installs the template's tools from uv.lock (and checkov from tools/checkov/uv.lock); pip installs uv.
UV_VENV := .venv-uv
UV := $(UV_VENV)/bin/uv
# uv uses the Python scripts/find-python.sh found and never downloads one; --locked refuses a uv.lock that
# no longer matches its pyproject.toml; --compile-bytecode compiles at install, as pip does.
UV_SYNC := UV_PYTHON_DOWNLOADS=never $(UV) sync --locked --compile-bytecode --python $(PYTHON)
LOCK_HINT := || { echo "If uv says the lock needs to be updated: a pin in a pyproject.toml changed; run make lock." >&2; exit 1; }
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

$(UV): requirements-uv.txt
	$(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/python -m pip install --quiet --require-hashes -r requirements-uv.txt
	touch $@

# The template's own Python tools, from uv.lock: every dependency pinned, every download checked against its
# hashes. Rendering needs cookiecutter alone (the render group); the suite needs the test group.
$(RENDER_VENV)/.installed: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(RENDER_VENV) $(UV_SYNC) --no-default-groups --group render $(LOCK_HINT)
	touch $@

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV_SYNC) $(LOCK_HINT)
	touch $@

$(CHECKOV_VENV)/.installed: $(UV) tools/checkov/pyproject.toml tools/checkov/uv.lock
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(CHECKOV_VENV) $(UV_SYNC) --project tools/checkov $(LOCK_HINT)
	touch $@

# The IAM policy evaluator of the permission proof (tests/iam), from its lock file.
$(IAM_EVALUATOR): tests/iam/package.json tests/iam/package-lock.json
	npm ci --prefix tests/iam --no-audit --no-fund --loglevel=error
	touch $@

# Backstage's validators, templating engine and fetch:cookiecutter action (tests/backstage), from its lock file.
$(BACKSTAGE): tests/backstage/package.json tests/backstage/package-lock.json
	npm ci --prefix tests/backstage --no-audit --no-fund --loglevel=error
	touch $@

lock: $(UV) $(RENDER_VENV)/.installed ## Resolve every uv.lock again after a pin changed (the rendered project's too), and requirements-uv.txt
	UV_PYTHON_DOWNLOADS=never $(UV) lock --python $(PYTHON)
	UV_PYTHON_DOWNLOADS=never $(UV) lock --python $(PYTHON) --project tools/checkov
	$(UV) pip compile --quiet --no-config --generate-hashes --universal requirements-uv.in -o requirements-uv.txt
	scripts/lock-rendered.sh $(UV) $(PYTHON) $(RENDER_VENV)/bin/cookiecutter

render: $(RENDER_VENV)/.installed ## Render the default project into build/ (OUT=dir to change)
	$(RENDER_VENV)/bin/cookiecutter --no-input --overwrite-if-exists --output-dir $(OUT) .

toolchain: ## Build or check the offline Terraform toolchain (prints export lines)
	scripts/terraform-toolchain.sh

system-deps: ## Install wrk, bubblewrap, jq and podman (runc, catatonit, debootstrap): reliability, benchmarks, emulated GitHub, the image
	scripts/install-system-deps.sh

lint: $(VENV)/.installed ## Lint the template's own code (hooks, tests, scripts)
	$(VENV)/bin/flake8
	$(VENV)/bin/shellcheck -x scripts/*.sh .ci/run

test: $(VENV)/.installed $(CHECKOV_VENV)/.installed $(IAM_EVALUATOR) $(BACKSTAGE) system-deps lint ## Run the whole test suite (installs what it needs)
	eval "$$(scripts/terraform-toolchain.sh)" && \
	CHECKOV_BIN=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov $(VENV)/bin/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed system-deps ## Benchmark the rendered service against bare FastAPI and raw ASGI, and its image
	$(VENV)/bin/python benchmarks/run.py
	$(VENV)/bin/python benchmarks/image.py

clean: ## Remove the virtual environments and rendered output
	rm -rf $(VENV) $(RENDER_VENV) $(CHECKOV_VENV) $(UV_VENV) $(OUT)
