#!/usr/bin/env bash
# Installs the hub side of the local platform from Debian's packages: JupyterHub 3.0 (with configurable-http-proxy),
# pytest for the shim's tests, and Chromium for the browser test, which drives it with playwright-core from npm.
# (Debian's CHP needs NODE_PATH=/usr/share/nodejs:/usr/lib/nodejs with the Node.js these machines carry.)
set -euo pipefail
cd "$(dirname "$0")/.."
need=""
for p in jupyterhub node-configurable-http-proxy python3-pytest curl chromium; do dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"; done
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
