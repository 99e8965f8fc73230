#!/usr/bin/env bash
# Installs the hub side of the local platform from Debian's packages: JupyterHub 3.0 (with configurable-http-proxy),
# pytest for the shim's tests, Chromium and npm for the browser test (playwright-core from npm drives Debian's
# Chromium), and procps (pkill) for deploy/hub.sh.
# (Debian's CHP needs NODE_PATH=/usr/share/nodejs:/usr/lib/nodejs with the Node.js these machines carry.)
set -euo pipefail
cd "$(dirname "$0")/.."
need=""
for p in jupyterhub node-configurable-http-proxy python3-pytest curl chromium procps; do dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"; done
# npm for playwright-core: Debian's, unless a Node.js that brings its own (NodeSource's provides npm) is installed.
command -v npm >/dev/null 2>&1 || need="$need npm"
if [ -n "$need" ]; then
  echo "[platform] installing:$need"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
# playwright-core only, at the locked version: it drives Debian's Chromium and never downloads a browser.
if [ ! -d deploy/browser/node_modules/playwright-core ] || [ deploy/browser/package-lock.json -nt deploy/browser/node_modules ]; then
  echo "[platform] npm ci in deploy/browser"
  (cd deploy/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
