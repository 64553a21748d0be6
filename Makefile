# The two commands of the README: `make demo` and `make test`.
SWIFT ?= swift
BIN := .build/debug/audiospool

.PHONY: all deps build engines lock demo-engines test demo bench clean

all: build

# Debian packages (libsndfile1-dev, …), installed only when missing.
deps:
	@scripts/install-deps.sh build

build: deps
	$(SWIFT) build

# The engines' own environments (Piper's, Demucs's and XTTS's venvs), from
# their locks: quick when nothing changed, made again when one differs from
# its lock. The first XTTS setup downloads about 3 GB.
engines: build
	$(BIN) engines setup

# Each engine's requirements.lock, again from its requirements.txt (versions
# already locked stay; `audiospool engines lock NAME --upgrade-package PKG`
# moves one). Needs PyPI; commit the locks it changes.
lock: build
	$(BIN) engines lock

# Only what the demo speaks with, so it does not wait for the heavy engines.
demo-engines: build
	$(BIN) engines setup piper

# Most tests start real engines (Python, a model load each); run a few at a
# time, or on a small machine the engines' start timeouts measure the load.
TEST_WIDTH ?= 8
test: build engines
	@scripts/install-deps.sh test
	$(SWIFT) test --experimental-maximum-parallelization-width $(TEST_WIDTH)

demo: build demo-engines
	@AUDIOSPOOL_BIN=$(BIN) scripts/demo.sh

# Not part of `test`: figures, not pass/fail (see bench/RESULTS.md).
bench: deps
	@scripts/install-deps.sh bench
	bench/throughput.sh

clean:
	rm -rf .build
