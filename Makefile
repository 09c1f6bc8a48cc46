# Two commands: `make start` runs the whole system on embedded defaults, `make test` runs the whole suite.
# Both install what is missing first (npm packages, the Temporal CLI and test server into .tools/).

.PHONY: start test screenshots test-unit test-integration test-workflows test-e2e install typecheck lint format bench bench-xrpl bench-collection bench-bets bench-console bench-matching bench-orders bench-swaps bench-webhooks bench-api-keys bench-reports bench-invoices bench-notifications chaos clean-data

install: node_modules/.package-lock.json node_modules/.patches-applied .tools/pip/bin/temporal .tools/schemathesis/bin/st

LAYOUT = api workflows activities workers domain chains services platform scripts bench test

# npm install, not npm ci: registry mirrors may lack other platforms' optional binaries (anvil, swc), which
# npm install skips but npm ci refuses
node_modules/.package-lock.json: package.json package-lock.json
	npm install --no-audit --no-fund
	@touch $@

# fixes of dependencies not released upstream yet (patches/*.patch say which); npm install undoes them, so again after it
node_modules/.patches-applied: node_modules/.package-lock.json $(wildcard patches/*.patch)
	bash scripts/apply-patches.sh
	@touch $@

.tools/pip/bin/temporal .tools/schemathesis/bin/st:
	bash scripts/install-tools.sh

start: install
	node --import tsx workers/dev.ts

test: install lint
	npx tsc --noEmit
	npx vitest run

# one Vitest project at a time (vitest.config.ts): unit needs no services and runs in seconds; the others start
# only what their files use (test/support/setup/)
test-unit: node_modules/.package-lock.json
	npx vitest run --project unit

test-integration: install
	npx vitest run --project integration

test-workflows: install
	npx vitest run --project workflows

test-e2e: install
	npx vitest run --project e2e

# the console's screenshots in docs/ (the README shows them), taken by its browser test
screenshots: install
	UPDATE_SCREENSHOTS=1 npx vitest run test/e2e/console.test.ts
	UPDATE_SCREENSHOTS=1 npx vitest run test/e2e/invoices-evm.test.ts

typecheck: install
	npx tsc --noEmit

# the layout's rules (.dependency-cruiser.cjs: cycles, workflow-safe imports, feature privacy) and the formatter
lint: install
	npx depcruise $(LAYOUT) --config .dependency-cruiser.cjs --output-type err
	npx prettier --check --log-level warn .

format: install
	npx prettier --write --log-level warn .

bench: install
	node --import tsx bench/ledger.ts
	node --import tsx bench/xrpl-ingest.ts
	node --import tsx bench/collection.ts
	node --import tsx bench/bets.ts
	node --import tsx bench/console.ts
	node --import tsx bench/matching.ts
	node --import tsx bench/orders.ts
	node --import tsx bench/swaps.ts
	node --import tsx bench/webhooks.ts
	node --import tsx bench/api-keys.ts
	node --expose-gc --import tsx bench/reports.ts
	node --import tsx bench/invoices.ts
	node --import tsx bench/notifications.ts

# XRPL payments from the stream to Postgres: payments/s and end-to-end latency percentiles
bench-xrpl: install
	node --import tsx bench/xrpl-ingest.ts

# EVM deposits detected → credited → swept, stage latencies, on a stack of its own
bench-collection: install
	node --import tsx bench/collection.ts

# fast-exchange quote→accept swaps through the API: swaps/s and p50/p99 of the pair of requests
bench-swaps: install
	node --import tsx bench/swaps.ts

# bet placements through the API (p50/p99) and settlement throughput for an event with 10,000 bets
bench-bets: install
	node --import tsx bench/bets.ts

# the operator console's render time p50/p99 (dashboard, transaction list) with 1,000,000 stored payments
bench-console: install
	node --import tsx bench/console.ts

# the matching engine alone against nodejs-order-book on the same command stream: orders/s and their ratio
bench-matching: install
	node --import tsx bench/matching.ts

# spot orders through the API (hold, journal, match, settle): orders/s and p50/p99, then the market and ledger audits
bench-orders: install
	node --import tsx bench/orders.ts

# webhook delivery latency p50/p99: 1,000 events to a merchant answering in 500 ms, and to one failing half the time
bench-webhooks: install
	node --import tsx bench/webhooks.ts
# signed API key requests against bearer tokens on the same read: req/s, p50/p99, SQL statements per request
bench-api-keys: install
	node --import tsx bench/api-keys.ts
# 1,000,000 ledger entries to CSV from a Postgres cursor: seconds, rows/s, peak RSS and heap
bench-reports: install
	node --expose-gc --import tsx bench/reports.ts
# invoices created through the API (USD limits, the invoice and its event stored, its workflow started): invoices/s, p50/p99
bench-invoices: install
	node --import tsx bench/invoices.ts
bench-notifications: install
	node --import tsx bench/notifications.ts
# the fault suite (bench/chaos/): PostgreSQL restarted, XRPL connection drops, EVM reorgs, two kill -9 storms; prints a
# table of counts that must all be zero (README, "Fault suite"). Not part of make test: it takes minutes
chaos: install
	flock /tmp/sluice-bench.lock node --import tsx bench/chaos/run.ts

# wipes the dev stack's data: database, Temporal history, chain state, generated secrets
clean-data:
	rm -rf .data
