#!/usr/bin/env bash
# Installs what `npm run demo` and `npm test` need beyond a clone: checks the tools, installs the npm packages
# when package-lock.json changed, and with --browser installs Debian's chromium for the end-to-end tests.
# Keycloak itself (from Maven Central) and the plugin JAR are fetched and built by the harness on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "bootstrap: $*" >&2; exit 1; }
say() { echo "bootstrap: $*" >&2; }

command -v node >/dev/null || fail "node is missing: install Node.js 20.19 or newer."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || fail "Node.js $(node --version) is too old: 20.19+ is needed (it loads the ESM-only Keycloak admin client with require)."
command -v mvn >/dev/null || fail "mvn is missing: install Maven 3.8+ (apt-get install maven); it fetches Keycloak and builds the plugin."
command -v java >/dev/null || fail "java is missing: install a JDK (17 builds the plugin; Keycloak needs 21+, see README)."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci) ..."
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = "--browser" ]; then
  chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ ! -x "$chromium" ]; then
    [ -n "${CHROMIUM_PATH:-}" ] && fail "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable."
    command -v apt-get >/dev/null || fail "no chromium at /usr/bin/chromium and no apt-get: install Chromium and set CHROMIUM_PATH."
    sudo=""
    if [ "$(id -u)" != 0 ]; then
      command -v sudo >/dev/null || fail "chromium is missing and installing it needs root: run 'apt-get install chromium' as root."
      sudo="sudo"
    fi
    say "installing Debian's chromium for the browser tests (apt-get) ..."
    $sudo apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends chromium >/dev/null
    [ -x /usr/bin/chromium ] || fail "apt-get finished but /usr/bin/chromium is still missing."
  fi
fi
