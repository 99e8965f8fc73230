#!/usr/bin/env bash
# Installs the hub side of the local platform from Debian's packages: JupyterHub 3.0 (with configurable-http-proxy)
# and pytest for the shim's tests.
# (Debian's CHP needs NODE_PATH=/usr/share/nodejs:/usr/lib/nodejs with the Node.js these machines carry.)
set -euo pipefail
need=""
for p in jupyterhub node-configurable-http-proxy python3-pytest curl; do dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"; done
if [ -n "$need" ]; then
  echo "[platform] installing:$need"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
