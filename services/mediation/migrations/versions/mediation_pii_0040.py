"""Parties' personal data (issues 13 and 14): the phone sealed (AES-GCM, key id beside it), the optional ID
number, keyed hashes for matching; `party_key` recomputed as a keyed hash (it held the phone in clear) in
`session_party`, in the parties' claims (`resource_claim`) and in `satisfaction`; the phones and ID numbers
of the handed-off parties (`case_intake.parties`) sealed. Uses MEDIATION_PII_KEYS / MEDIATION_PII_HASH_KEY.

Revision ID: mediation_pii_0040
Revises: mediation_reminders_0030
"""
import sqlalchemy as sa
from alembic import op

revision = "mediation_pii_0040"
down_revision = "mediation_reminders_0030"
branch_labels = None
depends_on = None

NEW_COLUMNS = (("name_key", sa.String(length=200)), ("phone_cipher", sa.Text()), ("id_number_cipher", sa.Text()),
               ("pii_kid", sa.String(length=32)), ("phone_hash", sa.String(length=64)),
               ("id_hash", sa.String(length=64)))


def _crypto():
    from services.mediation.party import crypto
    return crypto.current()


def _rekey(conn, sid: str, old: str, new: str) -> None:
    if old == new:
        return
    conn.execute(sa.text("UPDATE resource_claim SET resource_key = :new WHERE session_id = :sid "
                         "AND resource_kind = 'party' AND resource_key = :old"), {"new": new, "sid": sid, "old": old})
    conn.execute(sa.text("UPDATE satisfaction SET party_key = :new WHERE session_id = :sid AND party_key = :old"),
                 {"new": new, "sid": sid, "old": old})


def upgrade() -> None:
    with op.batch_alter_table("session_party") as batch:
        for name, type_ in NEW_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    conn = op.get_bind()
    crypto = _crypto()
    rows = conn.execute(sa.text("SELECT session_id, position, name, phone, party_key FROM session_party")).all()
    for sid, pos, name, phone, old_key in rows:
        cols = crypto.columns(name, phone, None)
        conn.execute(sa.text(
            "UPDATE session_party SET name_key = :name_key, phone_cipher = :phone_cipher, "
            "id_number_cipher = :id_number_cipher, pii_kid = :pii_kid, phone_hash = :phone_hash, "
            "id_hash = :id_hash, party_key = :party_key WHERE session_id = :sid AND position = :pos"),
            dict(cols, sid=sid, pos=pos))
        _rekey(conn, sid, old_key, cols["party_key"])
    with op.batch_alter_table("session_party") as batch:
        batch.alter_column("name_key", existing_type=sa.String(length=200), nullable=False, server_default="")
        batch.drop_column("phone")
    op.create_index("ix_session_party_name_key", "session_party", ["name_key"])
    op.create_index("ix_session_party_id_hash", "session_party", ["id_hash"])
    _intakes(conn, lambda p: crypto.seal_intake_party(p) if isinstance(p, dict) else p)


def _intakes(conn, change) -> None:
    from shared.db import JSONType

    table = sa.table("case_intake", sa.column("id", sa.String), sa.column("parties", JSONType))
    for iid, parties in conn.execute(sa.select(table.c.id, table.c.parties)).all():
        new = [change(p) for p in parties or []]
        if new != (parties or []):
            conn.execute(table.update().where(table.c.id == iid).values(parties=new))


def downgrade() -> None:
    conn = op.get_bind()
    crypto = _crypto()
    with op.batch_alter_table("session_party") as batch:
        batch.add_column(sa.Column("phone", sa.String(length=32), nullable=True))
    rows = conn.execute(sa.text("SELECT session_id, position, name, party_key, phone_cipher, id_number_cipher, "
                                "pii_kid FROM session_party")).mappings().all()
    for r in rows:
        phone, _ = crypto.reveal(dict(r))
        old_key = " ".join(r["name"].split()).casefold() + "|" + "".join(ch for ch in (phone or "") if ch.isdigit())
        conn.execute(sa.text("UPDATE session_party SET phone = :phone, party_key = :key "
                             "WHERE session_id = :sid AND position = :pos"),
                     {"phone": phone, "key": old_key, "sid": r["session_id"], "pos": r["position"]})
        _rekey(conn, r["session_id"], r["party_key"], old_key)

    def unseal(p):
        if not isinstance(p, dict) or not any(k in p for k in ("phone_cipher", "id_number_cipher")):
            return p
        phone, idn = crypto.reveal(p)
        out = {k: v for k, v in p.items() if k not in ("phone_cipher", "id_number_cipher", "pii_kid", "phone_hash",
                                                       "id_hash")}
        if phone:
            out["phone"] = phone
        if idn:
            out["id_number"] = idn
        return out

    _intakes(conn, unseal)
    op.drop_index("ix_session_party_id_hash", table_name="session_party")
    op.drop_index("ix_session_party_name_key", table_name="session_party")
    with op.batch_alter_table("session_party") as batch:
        for name, _ in reversed(NEW_COLUMNS):
            batch.drop_column(name)
