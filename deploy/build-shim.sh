#!/usr/bin/env bash
# Builds the JupyterHub shim (spawner-api/shim) as a wheel with Debian's Python tools only (python3-pip,
# python3-setuptools, python3-wheel; nothing from PyPI), into spawner-api/target/shim/, then checks it: the wheel's
# version is the Maven project's (0.1.0-SNAPSHOT is 0.1.0.dev0), and it installs into a fresh venv (system site
# packages for JupyterHub, no index) where `import oarspawner` and the jupyterhub.spawners entry point work.
#   deploy/build-shim.sh            prints the wheel's path last
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
OUT="$PWD/spawner-api/target/shim"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Build from a copy, so that setuptools' build/ and egg-info never land in the source tree.
cp -r spawner-api/shim "$work/src"
rm -rf "$work/src/tests" "$OUT"
mkdir -p "$OUT"
"$PY" -m pip wheel --quiet --no-deps --no-build-isolation --no-index --wheel-dir "$OUT" "$work/src"
wheel=$(ls "$OUT"/oarspawner-*.whl)
# One version: the pom's, in PEP 440 spelling.
maven=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)
pep440=${maven%-SNAPSHOT}; [ "$pep440" = "$maven" ] || pep440="$pep440.dev0"
case "$(basename "$wheel")" in
  "oarspawner-$pep440-py3-none-any.whl") ;;
  *) echo "[shim] $(basename "$wheel") does not carry the Maven project's version $maven ($pep440)"; exit 1 ;;
esac
# It installs and imports, from the venv (not from the source tree), with its entry point.
"$PY" -m venv --system-site-packages "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --no-index "$wheel"
(cd "$work" && "$work/venv/bin/python" - "$pep440" "$work/venv" <<'PY'
import sys
from importlib.metadata import entry_points, version
import oarspawner
want, venv = sys.argv[1], sys.argv[2]
assert oarspawner.__file__.startswith(venv), oarspawner.__file__
assert oarspawner.__version__ == want == version("oarspawner"), (oarspawner.__version__, version("oarspawner"), want)
spawners = {e.name: e.value for e in entry_points(group="jupyterhub.spawners")}
assert spawners.get("oarspawner") == "oarspawner:OARSpawner", spawners
assert oarspawner.OARSpawner.__name__ == "OARSpawner"
PY
)
echo "[shim] built, installed and imported in a venv: $wheel"
