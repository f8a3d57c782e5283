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

mapfile -t files < <(find test/unit test/infra test/integration -name '*.test.ts' | sort)
echo "== tests (${#files[@]} files)"
exec node --import tsx --test --test-reporter=spec --test-concurrency=2 "${files[@]}"
