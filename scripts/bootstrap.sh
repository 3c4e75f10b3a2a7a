#!/usr/bin/env bash
# Installs what `npm run demo` and `npm test` need beyond a clone: checks the tools, installs the npm packages
# when package-lock.json changed, with --browser installs Debian's chromium for the end-to-end tests, and with
# --postgres Debian's postgresql (server binaries only: test/stack/postgres-server.ts starts a throw-away server), and
# with --bench Debian's wrk (the load generator of `npm run bench -- bridge`, whose replay npm test also tests).
# Keycloak itself (from Maven Central) and the plugin JAR are fetched and built by the harness on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "bootstrap: $*" >&2; exit 1; }
say() { echo "bootstrap: $*" >&2; }

browser=false
postgres=false
bench=false
for arg in "$@"; do
  case "$arg" in
    --browser) browser=true ;;
    --postgres) postgres=true ;;
    --bench) bench=true ;;
    *) fail "unknown option '$arg' (known: --browser, --postgres, --bench)" ;;
  esac
done

# apt_install HINT PACKAGE...: apt-get as root, or through sudo; HINT says what to do on a machine without apt-get
sudo=""
apt_updated=false
apt_install() {
  local hint="$1"; shift
  command -v apt-get >/dev/null || fail "$* missing and no apt-get: $hint."
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || fail "$* missing and installing it needs root: run 'apt-get install $*' as root."
    sudo="sudo"
  fi
  if [ "$apt_updated" = false ]; then
    $sudo apt-get update -q >/dev/null || fail "apt-get update failed (network, proxy or sources.list?)."
    apt_updated=true
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "$@" >/dev/null \
    || fail "apt-get install $* failed."
}

command -v node >/dev/null || fail "node is missing: install Node.js 20.19 or newer."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || fail "Node.js $(node --version) is too old: 20.19+ is needed (it loads the ESM-only Keycloak admin client with require)."
command -v mvn >/dev/null || fail "mvn is missing: install Maven 3.8+ (apt-get install maven); it fetches Keycloak and builds the plugin."
command -v java >/dev/null || fail "java is missing: install a JDK (17 builds the plugin; Keycloak needs 21+, see README)."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci) ..."
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "$browser" = true ]; then
  chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ ! -x "$chromium" ]; then
    [ -n "${CHROMIUM_PATH:-}" ] && fail "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable."
    say "installing Debian's chromium for the browser tests (apt-get) ..."
    apt_install "install Chromium and set CHROMIUM_PATH" chromium
    [ -x /usr/bin/chromium ] || fail "apt-get finished but /usr/bin/chromium is still missing."
  fi
fi

# The server binaries (initdb, postgres) live in /usr/lib/postgresql/<major>/bin, off PATH; the harness takes the newest.
has_postgres() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }
if [ "$postgres" = true ]; then
  if [ -n "${POSTGRES_BIN_DIR:-}" ]; then
    [ -x "$POSTGRES_BIN_DIR/initdb" ] && [ -x "$POSTGRES_BIN_DIR/postgres" ] \
      || fail "POSTGRES_BIN_DIR=$POSTGRES_BIN_DIR has no initdb and postgres."
  elif ! has_postgres; then
    say "installing Debian's postgresql for the PostgreSQL tests (apt-get) ..."
    # The harness starts its own throw-away server per run. Without this line the package would create the usual
    # 'main' cluster (/var/lib/postgresql/<major>/main) and, on a machine with systemd, start it on port 5432 for good.
    hint="install PostgreSQL and set POSTGRES_BIN_DIR to the folder with initdb and postgres"
    apt_install "$hint" postgresql-common
    conf=/etc/postgresql-common/createcluster.conf
    if ! grep -Eq '^[[:space:]]*create_main_cluster[[:space:]]*=' "$conf"; then
      printf '%s\n' "# set by $(pwd)/scripts/bootstrap.sh: no cluster on package install" "create_main_cluster = false" \
        | $sudo tee -a "$conf" >/dev/null
    fi
    apt_install "$hint" postgresql
    has_postgres || fail "apt-get finished but /usr/lib/postgresql/<major>/bin has no initdb and postgres."
  fi
  # initdb and postgres refuse root; as root the harness runs them as the package's postgres account (or POSTGRES_RUN_AS)
  if [ "$(id -u)" = 0 ] && ! id "${POSTGRES_RUN_AS:-postgres}" >/dev/null 2>&1; then
    fail "running as root, the PostgreSQL tests need an unprivileged account '${POSTGRES_RUN_AS:-postgres}' (Debian's postgresql-common creates 'postgres'); create it or set POSTGRES_RUN_AS."
  fi
fi

if [ "$bench" = true ] && ! command -v wrk >/dev/null; then
  say "installing Debian's wrk for the bridge benchmark (apt-get) ..."
  apt_install "install wrk 4 (https://github.com/wg/wrk) on PATH" wrk
  command -v wrk >/dev/null || fail "apt-get finished but wrk is still not on PATH."
fi
