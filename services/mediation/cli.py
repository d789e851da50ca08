"""Operator commands of the mediation service.

    python -m services.mediation.cli rotate-pii-keys [--rehash] [--batch 500]

`rotate-pii-keys`: re-seal the parties' phones and ID numbers under the first key of MEDIATION_PII_KEYS
(see services/mediation/key_rotation.py); `--rehash` also recomputes the keyed hashes after
MEDIATION_PII_HASH_KEY changed.
"""
from __future__ import annotations

import argparse
import sys

from services.mediation.key_rotation import rotate
from services.mediation.party import crypto
from services.mediation.settings import MediationSettings
from shared.db import Database


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m services.mediation.cli")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("rotate-pii-keys", help="re-seal personal data under the first MEDIATION_PII_KEYS key")
    r.add_argument("--rehash", action="store_true", help="also recompute the keyed hashes (new hash key)")
    r.add_argument("--batch", type=int, default=500)
    a = p.parse_args(argv)
    settings = MediationSettings()
    settings.refuse_dev_secrets()
    crypto.configure(settings)
    db = Database(settings.database_url, pool_size=1)
    try:
        report = rotate(db, crypto.current(), rehash=a.rehash, batch=max(1, a.batch))
    finally:
        db.engine.dispose()
    current = crypto.current().ring.current
    old = {k: n for k, n in report.left_by_key.items() if k != current}
    print(f"re-sealed {report.parties} parties and {report.intakes} intakes under key {current!r}"
          f" ({report.rekeyed} identities rehashed); sealed parties by key: {report.left_by_key or {}}")
    if old:
        print(f"still under other keys: {old}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
