#!/usr/bin/env bash
# Installs what building oarspawner needs on Debian 12: a JDK 17 and Maven, from Debian's packages; pip, setuptools,
# wheel and venv for the shim's wheel (deploy/build-shim.sh); systemd for systemd-analyze (deploy/systemd/test.sh).
set -euo pipefail
need=""
command -v javac >/dev/null 2>&1 && javac -version 2>&1 | grep -E ' (1[7-9]|2[0-9])' >/dev/null || need="$need openjdk-17-jdk-headless"
command -v mvn >/dev/null 2>&1 || need="$need maven"
for p in python3-pip python3-setuptools python3-wheel python3-venv systemd; do dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"; done
if [ -n "$need" ]; then
  echo "[build-tools] installing:$need"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
