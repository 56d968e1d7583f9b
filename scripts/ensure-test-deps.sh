#!/bin/bash
# Install what the suite needs beyond Python packages: Debian's Chromium (+ a CJK font) for the
# browser tests and the npm packages: ical.js for the feed conformance tests, axe-core for the accessibility
# walk of every page (tests/e2e/test_every_page.py).
set -euo pipefail
if [ ! -x /usr/lib/chromium/chromium ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" \
    || ! command -v msgfmt >/dev/null; then
    echo "Installing Chromium, a CJK font and gettext from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium fonts-wqy-microhei gettext >/dev/null
fi
if [ -f tests/js/package.json ]; then
    if [ ! -f tests/js/node_modules/ical.js/package.json ] \
        || [ ! -f tests/js/node_modules/axe-core/axe.min.js ] || [ tests/js/package.json -nt tests/js/node_modules ] \
        || [ tests/js/package-lock.json -nt tests/js/node_modules ]; then
        echo "Installing npm test packages"
        (cd tests/js && npm ci --no-audit --no-fund --silent 2>/dev/null || npm install --no-audit --no-fund --silent)
        touch tests/js/node_modules
    fi
fi
# The OpenAPI linters of tests/api/test_schema_lint.py (Redocly CLI, Spectral), pinned there.
if [ -f tests/api/lint/package.json ]; then
    if [ ! -f tests/api/lint/node_modules/@redocly/cli/package.json ] \
        || [ tests/api/lint/package.json -nt tests/api/lint/node_modules ] \
        || [ tests/api/lint/package-lock.json -nt tests/api/lint/node_modules ]; then
        echo "Installing the OpenAPI linters (npm)"
        (cd tests/api/lint && npm ci --no-audit --no-fund --silent 2>/dev/null || npm install --no-audit --no-fund --silent)
        touch tests/api/lint/node_modules
    fi
fi
