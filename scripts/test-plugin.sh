#!/usr/bin/env bash
# Runs the plugin's JUnit tests against the Keycloak version pinned in package.json.
set -euo pipefail
cd "$(dirname "$0")/../plugin"
version=$(node -p 'require("../package.json").config.keycloakVersion')
mvn -B -q "-Dkeycloak.version=${version}" test
