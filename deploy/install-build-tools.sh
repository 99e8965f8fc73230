#!/usr/bin/env bash
# Installs what building oarspawner needs on Debian 12: a JDK 17 and Maven, from Debian's packages.
set -euo pipefail
need=""
command -v javac >/dev/null 2>&1 && javac -version 2>&1 | grep -E ' (1[7-9]|2[0-9])' >/dev/null || need="$need openjdk-17-jdk-headless"
command -v mvn >/dev/null 2>&1 || need="$need maven"
if [ -n "$need" ]; then
  echo "[build-tools] installing:$need"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
