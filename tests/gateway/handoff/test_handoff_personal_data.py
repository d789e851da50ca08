"""A handoff's parties' phones and ID numbers never stored or sent in clear by the gateway (issue 13;
DOMAIN.md "Personal information", API.md "Personal data in answers"; shared/handoff_pii.py): the
`handoff` table, the hub's events, the outbox and the NATS message carry the masked value and the
sealed one; mediation opens it (its coordinator sees the phone in full); keys rotate."""
from __future__ import annotations

import asyncio
import base64
import json
import os

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from services.gateway.handoff.sealing import rotate
from services.mediation.party import crypto as mediation_crypto
from shared import migrate
from shared.handoff_pii import DEV_HANDOFF_PII_KEYS, open_party, seal_party, sealed_kids
from shared.pii import PiiKeyError, key_ring
from tests.handoff_kit import case_no, post_handoff

PHONE, PHONE_MASK = "13812345678", "138****5678"
SPACED_PHONE = "139 0000 9999"
ID_NUMBER, ID_MASK = "11010519491231002X", "110***********002X"
CLEAR = (PHONE, "12345678", "1234-5678", ID_NUMBER, "19491231", "139 0000 9999", "13900009999")
OLD = "k-old:" + base64.b64encode(b"an-old-handoff-key-for-the-tests").decode()
NEW = "k-new:" + base64.b64encode(b"a-new-handoff-key-for-the-tests!").decode()


def body(**kw) -> dict:
    return {"target": "mediation", "category": "neighbour_dispute", "summary": "相邻关系纠纷，双方同意调解",
            "parties": [{"name": "张三", "role": "petitioner", "phone": PHONE, "id_number": ID_NUMBER},
                        {"name": "李四", "role": "respondent", "phone": SPACED_PHONE}], **kw}


def dump(db, sql: str, **params) -> str:
    with db.session() as s:
        return json.dumps([[str(v) for v in r] for r in s.execute(text(sql), params).all()], ensure_ascii=False)


def assert_no_clear(where: str, blob: str) -> None:
    for clear in CLEAR:
        assert clear not in blob, (where, clear)


def nats_messages(nats_suite, case: str) -> list[dict]:
    """Every message of the gateway's stream about `case`, as published."""
    async def read() -> list[dict]:
        import nats

        nc = await nats.connect(nats_suite.app["gateway"].state.settings.nats_url)
        try:
            js = nc.jetstream()
            stream = f"{nats_suite.nats_prefix.upper()}_GATEWAY"  # as shared/events/nats.py names it
            info = await js.stream_info(stream)
            out = []
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                try:
                    msg = await js.get_msg(stream, seq)
                except Exception:  # a deleted message
                    continue
                if case.encode() in msg.data:
                    out.append({"subject": msg.subject, "raw": msg.data.decode()})
            return out
        finally:
            await nc.close()

    return asyncio.run(read())


def intake_parties(bus, case: str, who: str = "coordinator") -> list[dict]:
    r = bus.client(who).get("/api/v1/mediation/cases", params={"q": case})
    assert r.status_code == 200, r.text
    [item] = r.json()["items"]
    return item["parties"]


def test_no_clear_phone_or_id_number_in_the_gateway_or_on_the_bus(bus):
    case = case_no()
    r = post_handoff(bus.client("petition-system"), case, body())
    assert r.status_code == 202, r.text
    hid = r.json()["id"]
    bus.drain()
    db = bus.db("gateway")
    # The handoff row: masked and sealed, never in clear; the sealed values open to what was sent.
    assert_no_clear("handoff", dump(db, "SELECT * FROM handoff WHERE case_no = :c", c=case))
    with db.session() as s:
        [stored] = s.execute(text("SELECT parties FROM handoff WHERE id = :i"), {"i": hid}).scalars()
    stored = stored if isinstance(stored, list) else json.loads(stored)
    p0, p1 = stored
    assert (p0["phone"], p0["id_number"], p1["phone"]) == (PHONE_MASK, ID_MASK, "139****9999")
    assert p0["phone_sealed"].startswith("handoff-dev-1:") and p0["id_number_sealed"]
    ring = key_ring(bus.app["gateway"].state.settings.handoff_pii_keys)
    assert open_party(ring, p0) == {"name": "张三", "role": "petitioner", "phone": PHONE, "id_number": ID_NUMBER}
    assert open_party(ring, p1)["phone"] == SPACED_PHONE
    # The hub's events and the gateway's outbox.
    events = dump(db, "SELECT * FROM hub_event WHERE subject = :c", c=case)
    assert "handoff.requested" in events and "phone_sealed" in events
    assert_no_clear("hub_event", events)
    assert_no_clear("outbox_event", dump(db, "SELECT * FROM outbox_event WHERE subject = :c", c=case))
    # On NATS: the message as published.
    if bus.app["gateway"].state.settings.event_transport == "nats":
        msgs = [m for m in nats_messages(bus, case) if m["subject"].endswith(".handoff.requested")]
        assert len(msgs) == 1 and PHONE_MASK in msgs[0]["raw"] and "phone_sealed" in msgs[0]["raw"]
        assert_no_clear("nats", msgs[0]["raw"])
    # Answers: masked, no sealed value.
    for path in (f"/api/v1/handoffs/{hid}", f"/api/v1/cases/{case}/timeline", "/api/v1/events?limit=200"):
        got = bus.client("coordinator").get(path)
        assert got.status_code == 200, got.text
        assert_no_clear(path, got.text)
        assert "_sealed" not in got.text and PHONE_MASK in got.text, path
    # Mediation opened them (its coordinator sees them in full) and sealed them under its own keys.
    parties = intake_parties(bus, case)
    assert (parties[0]["phone"], parties[0]["id_number"], parties[1]["phone"]) == (PHONE, ID_NUMBER, SPACED_PHONE)
    assert intake_parties(bus, case, "auditor")[0]["phone"] == PHONE_MASK
    intakes = dump(bus.db("mediation"), "SELECT parties FROM case_intake WHERE case_no = :c", c=case)
    assert_no_clear("case_intake", intakes)
    assert "phone_sealed" not in intakes and "phone_cipher" in intakes


def test_a_chained_handoff_copies_the_sealed_parties(suite):
    """A lawyer's opinion recommending mediation hands the case back with its predecessor's parties."""
    from shared.events.outbox import emit

    case = case_no()
    r = post_handoff(suite.client("petition-system"), case, body(target="legal_opinion", question="可否调解？"))
    assert r.status_code == 202, r.text
    suite.drain()
    with suite.db("lawyers").session() as s:
        emit(s, source="lawyers", type="lawyers.opinion.filed", subject=case,
             data={"case_no": case, "opinion_id": "op-" + case, "recommended_channel": "mediation",
                   "summary": "建议调解"})
    suite.drain()
    db = suite.db("gateway")
    with db.session() as s:
        rows = s.execute(text("SELECT target, parties FROM handoff WHERE case_no = :c ORDER BY requested_at"),
                         {"c": case}).all()
    assert [t for t, _ in rows] == ["legal_opinion", "mediation"]
    first, second = (p if isinstance(p, list) else json.loads(p) for _, p in rows)
    assert second == first  # the same sealed values, copied (never opened by the gateway)
    assert_no_clear("handoff", dump(db, "SELECT * FROM handoff WHERE case_no = :c", c=case))
    assert intake_parties(suite, case)[0]["phone"] == PHONE


def test_a_new_key_first_still_opens_what_the_old_one_sealed(suite, monkeypatch):
    """Rotation: the new key put first on both services seals; the old one after it still opens; the
    rotation command seals the stored copies again under the new key; then the old key can go."""
    gw = suite.app["gateway"].state.settings
    mediation_settings = suite.app["mediation"].state.settings.model_copy(update={"handoff_pii_keys": OLD})
    monkeypatch.setattr(mediation_crypto, "_settings", mediation_settings)
    monkeypatch.setattr(gw, "handoff_pii_keys", OLD)
    before, after = case_no(), case_no()
    assert post_handoff(suite.client("petition-system"), before, body()).status_code == 202
    monkeypatch.setattr(gw, "handoff_pii_keys", f"{NEW},{OLD}")
    monkeypatch.setattr(mediation_settings, "handoff_pii_keys", f"{NEW},{OLD}")
    assert post_handoff(suite.client("petition-system"), after, body()).status_code == 202
    suite.drain()  # both reach mediation now: one sealed under the old key, one under the new
    for case in (before, after):
        assert intake_parties(suite, case)[0]["phone"] == PHONE
    db = suite.db("gateway")

    def kids(case: str) -> set[str]:
        with db.session() as s:
            parties = s.execute(text("SELECT parties FROM handoff WHERE case_no = :c"), {"c": case}).scalar_one()
            data = s.execute(text("SELECT data FROM hub_event WHERE subject = :c AND type = 'handoff.requested'"),
                             {"c": case}).scalar_one()
        parties = parties if isinstance(parties, list) else json.loads(parties)
        data = data if isinstance(data, dict) else json.loads(data)
        return sealed_kids(parties) | sealed_kids(data["parties"])

    assert kids(before) == {"k-old"} and kids(after) == {"k-new"}
    counts, by_key = rotate(db, f"{NEW},{OLD}", batch=1)  # batch 1: the keyset paging is exercised
    assert counts["handoff"] == 1 and counts["hub_event"] == 1 and counts["outbox_event"] == 1
    assert by_key == {"k-new": 2}
    assert kids(before) == {"k-new"}
    assert rotate(db, f"{NEW},{OLD}")[0]["handoff"] == 0  # nothing left to do
    # The old key gone: everything stored still opens.
    only_new = key_ring(NEW)
    with db.session() as s:
        [parties] = s.execute(text("SELECT parties FROM handoff WHERE case_no = :c"), {"c": before}).scalars()
    parties = parties if isinstance(parties, list) else json.loads(parties)
    assert open_party(only_new, parties[0])["id_number"] == ID_NUMBER
    with pytest.raises(PiiKeyError):
        open_party(key_ring(OLD), parties[0])


def test_a_key_the_receiver_lacks_makes_the_event_wait_not_a_clear_value(suite, monkeypatch):
    """Mediation without the sealing key cannot take the handoff: nothing stored, the event is retried
    (then a dead letter to replay once the key is configured); the value is never guessed."""
    gw = suite.app["gateway"].state.settings
    monkeypatch.setattr(gw, "handoff_pii_keys", NEW)
    case = case_no()
    assert post_handoff(suite.client("petition-system"), case, body()).status_code == 202
    suite.drain()
    assert suite.client("coordinator").get("/api/v1/mediation/cases", params={"q": case}).json()["items"] == []
    mediation_settings = suite.app["mediation"].state.settings.model_copy(update={"handoff_pii_keys": NEW})
    monkeypatch.setattr(mediation_crypto, "_settings", mediation_settings)
    from sqlalchemy import update

    from services.gateway.hub.models import PENDING, HubDelivery
    from shared.db import utcnow

    with suite.db("gateway").session() as s:  # the retry due now
        s.execute(update(HubDelivery).where(HubDelivery.status == PENDING).values(next_attempt_at=utcnow()))
    suite.drain()
    assert intake_parties(suite, case)[0]["phone"] == PHONE


def test_seal_and_open_a_party():
    ring = key_ring(DEV_HANDOFF_PII_KEYS)
    party = {"name": "张三", "phone": PHONE, "id_number": ID_NUMBER, "refused_mediation": False}
    sealed = seal_party(ring, party)
    assert sealed["phone"] == PHONE_MASK and sealed["id_number"] == ID_MASK and sealed["refused_mediation"] is False
    assert seal_party(ring, sealed) == sealed  # already sealed: as it is
    assert seal_party(ring, "王五") == "王五" and seal_party(ring, {"name": "王五"}) == {"name": "王五"}
    assert open_party(ring, sealed) == party
    # A sealed phone copied into the ID number's place does not open (the field is bound to the value).
    with pytest.raises(PiiKeyError):
        open_party(ring, {**sealed, "id_number_sealed": sealed["phone_sealed"]})
    # A mask without its sealed value is no value.
    assert open_party(ring, {"name": "张三", "phone": PHONE_MASK}) == {"name": "张三"}


def test_production_refuses_the_development_key():
    from services.gateway.settings import GatewaySettings
    from services.mediation.settings import MediationSettings

    gw = GatewaySettings(database_url="sqlite://", suite_env="prod")
    assert any("handoff PII key" in p for p in gw.dev_secret_problems())
    med = MediationSettings(database_url="sqlite://", suite_env="prod")
    assert any("handoff PII key" in p for p in med.dev_secret_problems())
    assert not any("handoff PII key" in p for p in GatewaySettings(
        database_url="sqlite://", suite_env="prod", handoff_pii_keys=NEW).dev_secret_problems())
    with pytest.raises(ValueError):
        GatewaySettings(database_url="sqlite://", handoff_pii_keys="k1:not-base64!")


@pytest.fixture
def old_gateway_db(tmp_path):
    """A gateway database at the revision before gateway_0090_handoff_pii (SQLite, or PostgreSQL when
    TEST_DATABASE_URL is set)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        from shared.testing import drop_postgres_databases, postgres_databases

        prefix = f"h8mig_{os.getpid()}"
        url = postgres_databases(base, prefix)["gateway"]
    else:
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
    migrate.upgrade("gateway", url, "gateway_0080_deadlines")
    yield url
    if base:
        drop_postgres_databases(base, prefix)


def test_the_migration_seals_what_was_stored_in_clear(old_gateway_db):
    url = old_gateway_db
    parties = [{"name": "张三", "role": "petitioner", "phone": PHONE, "id_number": ID_NUMBER}, "李四"]
    data = {"handoff_id": "h1", "case_no": "C1", "target": "mediation", "parties": parties}
    wire = {"id": "e1", "source": "gateway", "type": "handoff.requested", "subject": "C1", "data": data}
    t = "2026-12-03 01:00:00+00:00"
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as c:
        c.execute(text("INSERT INTO handoff (id, case_no, target, status, category, summary, parties, details, "
                       "created_by, client_id, requested_at, expires_at, updated_at) VALUES ('h1', 'C1', "
                       "'mediation', 'requested', 'neighbour_dispute', '', :p, '{}', 'x', 'x', :t, :t, :t)"),
                  {"p": json.dumps(parties), "t": t})
        for table in ("hub_event", "outbox_event"):
            extra = ("received_at", ":t") if table == "hub_event" else ("attempts", "0")
            c.execute(text(f"INSERT INTO {table} (id, source, type, subject, sequence, time, data, {extra[0]}) "
                           f"VALUES ('e1', 'gateway', 'handoff.requested', 'C1', 1, :t, :d, {extra[1]})"),
                      {"t": t, "d": json.dumps(data)})
        c.execute(text("INSERT INTO dead_letter (id, transport, consumer, event_id, event, attempts, dead_at, "
                       "replays) VALUES ('d1', 'hub', 'mediation', 'e1', :e, 3, :t, 0)"),
                  {"e": json.dumps(wire), "t": t})
        c.execute(text("INSERT INTO webhook_endpoint (id, owner, url, event_types, secret, status, created_at, "
                       "updated_at) VALUES ('w1', 'petition-system', 'https://example.org/h', '[\"*\"]', 's', "
                       "'active', :t, :t)"), {"t": t})
        c.execute(text("INSERT INTO webhook_delivery (id, endpoint_id, event_id, event_type, subject, body, status, "
                       "attempts, max_attempts, manual, created_at, updated_at) VALUES ('d1', 'w1', 'e1', "
                       "'handoff.requested', 'C1', :b, 'pending', 0, 10, false, :t, :t)"),
                  {"b": json.dumps(wire), "t": t})
    migrate.upgrade("gateway", url)
    ring = key_ring(DEV_HANDOFF_PII_KEYS)

    def everything() -> str:
        with engine.connect() as c:
            return json.dumps([[str(v) for v in r] for table in ("handoff", "hub_event", "outbox_event",
                                                                  "dead_letter", "webhook_delivery")
                               for r in c.execute(text(f"SELECT * FROM {table}")).all()], ensure_ascii=False)

    def loaded(sql: str):
        with engine.connect() as c:
            v = c.execute(text(sql)).scalar_one()
        return v if isinstance(v, (dict, list)) else json.loads(v)

    assert_no_clear("after the migration", everything())
    stored = loaded("SELECT parties FROM handoff")
    assert stored[0]["phone"] == PHONE_MASK and stored[1] == "李四"
    assert open_party(ring, stored[0]) == parties[0]
    for sql in ("SELECT data FROM hub_event", "SELECT data FROM outbox_event"):
        assert open_party(ring, loaded(sql)["parties"][0]) == parties[0]
    assert open_party(ring, loaded("SELECT event FROM dead_letter")["data"]["parties"][0]) == parties[0]
    hook = loaded("SELECT body FROM webhook_delivery")
    assert hook["data"]["parties"][0] == {"name": "张三", "role": "petitioner", "phone": PHONE_MASK,
                                          "id_number": ID_MASK}  # as sent now: masked, nothing sealed
    migrate.downgrade("gateway", url, "gateway_0080_deadlines")
    assert loaded("SELECT parties FROM handoff") == parties
    assert loaded("SELECT data FROM hub_event")["parties"] == parties
    engine.dispose()
