#!/usr/bin/env bash
# Installs the proxy side of the local platform from Debian's packages: configurable-http-proxy.
# (Debian's CHP needs NODE_PATH=/usr/share/nodejs:/usr/lib/nodejs with the Node.js these machines carry.)
set -euo pipefail
need=""
for p in node-configurable-http-proxy curl; do dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"; done
if [ -n "$need" ]; then
  echo "[platform] installing:$need"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
