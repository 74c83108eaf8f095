# Hookbridge — Mattermost plugin conventions: dist, deploy, test, check-style.
PLUGIN_ID := hookbridge
PLUGIN_VERSION := $(shell node -p "require('./plugin.json').version")
NPM ?= npm

.PHONY: all deps test unit conformance check-style dist deploy sandbox bench clean

all: check-style test dist

node_modules: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch node_modules

deps: node_modules

## Every test: unit, end-to-end and Go conformance (installs Go from Debian when missing).
test: deps
	sh test/conformance/build.sh
	$(NPM) test

## Only tests that need no Go toolchain.
unit: deps
	node build/run-tests.mjs --unit

## The Go conformance tests alone.
conformance: deps
	sh test/conformance/build.sh
	$(NPM) run conformance

check-style: deps
	$(NPM) run typecheck

dist: deps
	node build/dist.mjs

deploy: dist
	node build/deploy.mjs

sandbox: deps
	@echo "The sandbox is not built yet."; exit 1

bench: deps
	$(NPM) run bench

clean:
	rm -rf dist .cache server/dist
