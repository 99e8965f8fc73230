#!/usr/bin/env bash
# Installs the hub side of the local platform from Debian's packages: JupyterHub 3.0 (with configurable-http-proxy),
# pytest for the shim's tests, Chromium and npm for the browser test (playwright-core from npm drives Debian's
# Chromium), procps (pkill) for deploy/hub.sh, and Prometheus 2.42 (prometheus and promtool: the alert-rule tests and
# PrometheusIT start their own, so no daemon is started here).
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
# Prometheus without its daemon: the package's init script must not start one on :9090 (policy-rc.d 101 = not now).
if ! dpkg -s prometheus >/dev/null 2>&1; then
  echo "[platform] installing: prometheus (no daemon)"
  own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
fi
# playwright-core only, at the locked version: it drives Debian's Chromium and never downloads a browser.
if [ ! -d deploy/browser/node_modules/playwright-core ] || [ deploy/browser/package-lock.json -nt deploy/browser/node_modules ]; then
  echo "[platform] npm ci in deploy/browser"
  (cd deploy/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
