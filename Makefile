# Hookbridge — Mattermost plugin conventions: dist, deploy, test, check-style.
PLUGIN_ID := hookbridge
PLUGIN_VERSION := $(shell node -p "require('./plugin.json').version")
NPM ?= npm

.PHONY: all deps webapp-deps webapp-bundle test unit conformance webapp-test check-style dist deploy sandbox bench clean

all: check-style test dist

node_modules: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch node_modules

deps: node_modules

webapp/node_modules: webapp/package.json webapp/package-lock.json
	cd webapp && $(NPM) ci --no-audit --no-fund
	@touch webapp/node_modules

webapp-deps: webapp/node_modules

## The webapp bundle (webapp/dist/main.js), rebuilt when its sources are newer.
webapp-bundle: webapp-deps
	@if [ ! -f webapp/dist/main.js ] || [ -n "$$(find webapp/src webapp/package.json -newer webapp/dist/main.js -print -quit)" ]; then \
		cd webapp && $(NPM) run build; \
	fi

## Every test: webapp (jest), unit, end-to-end and Go conformance (installs Go from Debian when missing);
## the webapp bundle is built first, as the sandbox's tests load it.
test: deps webapp-bundle
	sh test/conformance/build.sh
	sh build/ensure-chromium.sh >/dev/null
	cd webapp && $(NPM) run test-ci
	$(NPM) test

webapp-test: webapp-deps
	cd webapp && $(NPM) run test-ci

## Only tests that need no Go toolchain.
unit: deps
	node build/run-tests.mjs --unit

## The Go conformance tests alone.
conformance: deps
	sh test/conformance/build.sh
	$(NPM) run conformance

check-style: deps webapp-deps
	$(NPM) run typecheck
	cd webapp && $(NPM) run check-types && $(NPM) run lint

dist: deps
	node build/dist.mjs

deploy: dist
	node build/deploy.mjs

## The sandbox: a local stand-in for Mattermost that runs the plugin executable over
## the real plugin protocol, with a page at http://localhost:8065 (PORT, SANDBOX_DATA,
## SANDBOX_PLUGIN change the port, the data folder and the executable). Local use only.
sandbox: deps webapp-bundle
	node --import tsx sandbox/build.ts
	node --import tsx sandbox/server.ts

bench: deps
	$(NPM) run bench

clean:
	rm -rf dist .cache server/dist
