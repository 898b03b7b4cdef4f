# The project's commands. `make demo` and `make test` set everything up themselves.
SHELL := /bin/bash
PYTHON ?= python3
APP ?= test/fixtures/django_tutorial
STACK ?= heroku-24
RUNNER ?=
CONFIG ?=
STACKS ?= heroku-20 heroku-22 heroku-24 heroku-26
VENV := .venv
VENV38 := .venv38
# The local platform's command line (also installed as the `localheroku` console script).
LH := PYTHONPATH=tools $(PYTHON) -m localheroku

.PHONY: setup runtimes runtimes-src images build run demo test test-unit test-py38 test-integration reliability reliability-suite lint bench clean

setup:  ## apt packages, the dev tooling venvs and the local runtime store
	bash tools/setup.sh

runtimes:  ## the local runtime store in .runtimes/ (incremental)
	STACKS="$(STACKS)" $(PYTHON) tools/make_runtimes.py --stacks "$(STACKS)"

runtimes-src:  ## CPython from Debian's source, built in the stand-in images (what the tests use); once per machine
	$(PYTHON) tools/source_runtimes.py

images:  ## pull Heroku's stack images, or make the Debian stand-ins (once per machine)
	$(LH) images $(STACKS)

# CONFIG values go to the app's config store without being echoed (the @), then the build reads them there.
build:  ## build APP as Heroku would: make build APP=dir [STACK=heroku-24] [RUNNER=container|sandbox] [CONFIG="K=V ..."]
	@$(if $(strip $(CONFIG)),$(LH) --app $(APP) config:set $(CONFIG))
	$(LH) build $(APP) --stack $(STACK) $(if $(RUNNER),--runner $(RUNNER))

run:  ## run APP's last build at /app: release first, then every process type, behind an HTTPS router
	$(LH) --app $(APP) run

demo: setup  ## build and run the tutorial-style fixture app
	$(MAKE) --no-print-directory build APP=test/fixtures/django_tutorial STACK=$(STACK)
	$(MAKE) --no-print-directory run APP=test/fixtures/django_tutorial

test: setup  ## every test: lint, unit (3.11 and the heroku-20 python 3.8) and integration
	$(MAKE) --no-print-directory lint
	$(VENV)/bin/python -m pytest test --ignore=test/reliability
	$(VENV38)/bin/python -m pytest test/unit -q -p no:cacheprovider
	$(MAKE) --no-print-directory reliability-suite

lint:  ## ruff and mypy over the buildpack and its tools
	$(VENV)/bin/ruff check lib tools test
	$(VENV)/bin/mypy

test-unit:
	$(VENV)/bin/python -m pytest test/unit

test-py38:
	$(VENV38)/bin/python -m pytest test/unit

test-integration:
	$(VENV)/bin/python -m pytest test/integration

reliability: setup  ## bad inputs, faults, kills, canary secrets, crafted archives; ends with one line of figures
	$(MAKE) --no-print-directory reliability-suite

# Builds wait on the sandbox and the disk as much as on the CPU: three at a time.
reliability-suite:
	$(VENV)/bin/python -m pytest test/reliability -q -p no:cacheprovider -n 3

bench: setup  ## build times, slug sizes, boot time (not in CI)
	$(VENV)/bin/python tools/bench.py

clean:
	rm -rf .local
