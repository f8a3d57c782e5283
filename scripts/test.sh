#!/usr/bin/env bash
# The whole test suite: static checks, then unit, infra (CDK assertions, cdk-nag, cfn-lint) and
# integration tests (moto's S3/SQS server and local HEC/_bulk receivers, started by the tests themselves).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== typecheck"
npx tsc --noEmit -p tsconfig.json
echo "== lint"
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }

# Quiet, deterministic test output: Powertools logs and EMF metrics are asserted through the code's
# own ports, and the SDK's Node 20 notice says nothing about sluice (Lambda runs Node 24).
export POWERTOOLS_LOG_LEVEL=SILENT POWERTOOLS_METRICS_DISABLED=true AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

# The CLI tests run `bin/sluice.mjs` as users do: on the built CLI. A tree edited since `npm ci` would
# otherwise fall back to tsx, whose esbuild service a Ctrl-C test's SIGINT to the process group stops.
echo "== build the CLI"
npm run --silent build:cli

mapfile -t files < <(find test/unit test/infra test/integration -name '*.test.ts' | sort)
echo "== tests (${#files[@]} files)"
exec node --import tsx --test --test-reporter=spec --test-concurrency=2 "${files[@]}"
