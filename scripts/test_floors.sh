#!/usr/bin/env bash
# make test-floors: are pyproject.toml's lower bounds true? The lowest version of every direct dependency
# (runtime and dev; uv --resolution lowest-direct, their own dependencies as new as those allow) into a
# scratch venv under var/floors, then a fast subset of the tests on it (SQLite, and PostgreSQL when
# TEST_DATABASE_URL is set). A failure here means a floor is too low: raise it in pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-.venv/bin/uv}"
PY="${PY:-python3}"
dir="${FLOORS_DIR:-var/floors}"
# The subset: the foundation (app wiring, errors, settings, outbox, calendar), the release checks
# (migrations, drift, startup check), sign-in and tokens, and one booking and handoff path end to end.
tests=(${FLOORS_TESTS:-tests/shared tests/release tests/gateway/oauth/test_auth.py tests/mediation/session/test_booking.py
       tests/gateway/handoff/test_handoff_flows.py tests/lawyers/lawyer/test_roster.py})

mkdir -p "$dir"
"$UV" pip compile pyproject.toml --extra dev --resolution lowest-direct --python-version 3.11 --quiet \
    --no-header -o "$dir/floors.txt"
echo "floors: $(grep -cE '^[a-z0-9]' "$dir/floors.txt") packages; the direct ones:"
"$PY" - "$dir/floors.txt" <<'PY'
import re, sys, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
direct = {re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0].lower().replace("_", "-")
          for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
pins = [line.split()[0] for line in open(sys.argv[1]) if re.match(r"[a-z0-9]", line)]
print("  " + " ".join(p for p in pins if p.split("==")[0] in direct))
PY
rm -rf "$dir/venv"
"$UV" venv --quiet --python "$PY" "$dir/venv"
"$UV" pip install --quiet --python "$dir/venv/bin/python" -r "$dir/floors.txt"
# The project's code from the work tree (not installed: nothing of it is built into the scratch venv).
existing=()
for t in "${tests[@]}"; do
  if [ -e "$t" ]; then existing+=("$t"); else echo "test-floors: $t is gone: update scripts/test_floors.sh" >&2; fi
done
PYTHONPATH="$PWD" "$dir/venv/bin/python" -m pytest -q "${existing[@]}"
