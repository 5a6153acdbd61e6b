#!/usr/bin/env bash
# Install toolkit with the lowest declared release of every dependency (constraints/minimums.txt)
# in a fresh venv, then run the whole suite: the lower bounds in pyproject.toml must really hold.
#
#     scripts/check_minimums.sh [pytest arguments]
#
# The venv is made afresh in .venv-minimums each time.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
venv=.venv-minimums
"$python" -m venv --clear "$venv"  # fresh: a reused venv keeps what earlier pins pulled in
"$venv/bin/pip" install -q -c constraints/minimums.txt -e '.[test]'
# say plainly if a pin was not honoured (every pinned package installed is at its pinned release)
"$venv/bin/python" - <<'PY'
import re
import sys
from importlib.metadata import PackageNotFoundError, version

bad = []
for line in open("constraints/minimums.txt", encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, want = re.split(r"==", line)
    try:
        have = version(name.strip())
    except PackageNotFoundError:
        continue  # constrained but not required (yet)
    if have != want.strip():
        bad.append(f"{name.strip()} {have} (want {want.strip()})")
if bad:
    sys.exit("not at the declared minimum: " + ", ".join(bad))
PY
"$venv/bin/python" -m pytest -p no:cacheprovider "$@"  # addopts has -q: a second one hid the summary line
