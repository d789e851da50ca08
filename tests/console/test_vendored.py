"""The vendored scripts are exactly the files their record names (version and sha256)."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "services/console/static/vendor"


def test_every_vendored_file_matches_its_recorded_sha256():
    rows = re.findall(r"^\| (\S+) \| [^|]+ \| (\S+) \| ([0-9a-f]{64}) \|$", (VENDOR / "VENDORED.md").read_text(), re.M)
    assert rows, "VENDORED.md lists no file"
    for name, version, sha in rows:
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == sha, f"{name} is not {version}"
    assert {r[0] for r in rows} == {p.name for p in VENDOR.iterdir() if p.suffix == ".js"}


def test_htmx_is_version_2():
    rows = dict(re.findall(r"^\| (\S+) \| [^|]+ \| (\S+) \|", (VENDOR / "VENDORED.md").read_text(), re.M))
    assert rows["htmx.min.js"].startswith("2.")
