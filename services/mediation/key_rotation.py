"""Key rotation for parties' personal data: re-seal every row under the first MEDIATION_PII_KEYS key.

Put the new key first in MEDIATION_PII_KEYS (keep the old ones after it), restart, then run
`python -m services.mediation.cli rotate-pii-keys`; once it reports nothing left under an old key,
the old key may be removed. `--rehash` also recomputes the keyed hashes (after MEDIATION_PII_HASH_KEY
changed): `phone_hash`, `id_hash`, `party_key` and with it the parties' claims and ratings.
Work is done in batches, each its own transaction; running it again continues where it stopped.
It re-seals the sessions' parties (party/) and the case intakes' parties with their 重复信访 index
(casefile/), so it sits above both features, beside the command that runs it (cli.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from services.mediation.casefile import parties as intake_parties
from services.mediation.party import repository as repo
from services.mediation.party.crypto import STORED_KEYS, PartyCrypto

PERSONAL = ("phone_cipher", "id_number_cipher")


@dataclass
class RotationReport:
    parties: int = 0
    intakes: int = 0
    rekeyed: int = 0
    left_by_key: dict[str, int] = field(default_factory=dict)


def _parties_batch(session: Session, crypto: PartyCrypto, after: tuple[str, int] | None, batch: int,
                   rehash: bool, report: RotationReport) -> tuple[str, int] | None:
    rows = repo.sealed_parties(session, not_under=None if rehash else crypto.ring.current, after=after, limit=batch)
    for p in rows:
        phone, idn = crypto.reveal(p)
        cols = crypto.columns(p.name, phone, idn)
        old_key = p.party_key
        for k, v in cols.items():
            setattr(p, k, v)
        report.parties += 1
        if cols["party_key"] != old_key:
            repo.rekey_party(session, p.session_id, old_key, cols["party_key"])
            report.rekeyed += 1
    session.flush()
    return (rows[-1].session_id, rows[-1].position) if len(rows) == batch else None


def _intakes_batch(session: Session, crypto: PartyCrypto, after: str | None, batch: int, rehash: bool,
                   report: RotationReport) -> str | None:
    rows = repo.intakes_after(session, after, batch)
    for intake in rows:
        changed = False
        parties = []
        for p in intake.parties or []:
            sealed = isinstance(p, dict) and any(k in p for k in PERSONAL)
            clear = isinstance(p, dict) and any(p.get(k) for k in ("phone", "id_number"))
            if clear or (sealed and (rehash or p.get("pii_kid") != crypto.ring.current)):
                phone, idn = crypto.reveal(p) if sealed else (p.get("phone"), p.get("id_number"))
                base = {k: v for k, v in p.items() if k not in STORED_KEYS}
                base.update({"phone": phone, "id_number": idn})
                p = crypto.seal_intake_party(base)
                changed = True
            parties.append(p)
        if changed:
            intake.parties = parties
            intake_parties.index(session, intake)  # the new hashes in the 重复信访 index
            report.intakes += 1
    session.flush()
    return rows[-1].id if len(rows) == batch else None


def rotate(db, crypto: PartyCrypto, *, rehash: bool = False, batch: int = 500) -> RotationReport:
    report = RotationReport()
    after_p: tuple[str, int] | None = None
    while True:
        with db.session() as s:
            after_p = _parties_batch(s, crypto, after_p, batch, rehash, report)
        if after_p is None:
            break
    after_i: str | None = None
    while True:
        with db.session() as s:
            after_i = _intakes_batch(s, crypto, after_i, batch, rehash, report)
        if after_i is None:
            break
    with db.session() as s:
        report.left_by_key = repo.sealed_parties_by_key(s)
    return report
