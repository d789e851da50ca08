"""Parties' personal data (issue 13; DOMAIN.md "Personal information", API.md "Personal data in answers"):
phone and ID number sealed at rest with a key id, matched by keyed hashes, masked by role in every
answer, kept out of events, the hub, the timeline and the gateway's idempotency store; keys rotated."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect, text

from services.mediation.key_rotation import rotate
from services.mediation.party import crypto
from services.mediation.settings import DEV_PII_KEYS, MediationSettings
from tests.mediation.mediation_kit import BASE, at, outbox, uniq, working_day
from tests.problem_kit import problem

PHONE, PHONE_DIGITS, PHONE_MASK = "138-1234-5678", "13812345678", "138****5678"
ID_NUMBER, ID_MASK = "11010519491231002X", "110***********002X"  # a valid check digit (X)
OTHER_PHONE = "13900001111"


def book(api, day, who="coordinator", mediator=None, **kw):
    med = mediator or api.mediator(user="mediator1")
    parties = [{"name": "张三", "role": "petitioner", "phone": PHONE, "id_number": ID_NUMBER},
               {"name": "李四", "role": "respondent", "phone": OTHER_PHONE}]
    return api.book(api.room(), [med], at(day, "09:00"), at(day, "10:00"), who=who, parties=parties, **kw)


def everything_in(db, sql: str) -> str:
    with db.session() as s:
        return json.dumps([list(map(str, r)) for r in s.execute(text(sql)).all()], ensure_ascii=False)


def test_the_id_number_is_checked(api, day):
    med = api.mediator()
    for bad in ("440106199001011234", "44010619901301123X", "4401061990010112", "A4010619900101123X"):
        r = api().post(f"{BASE}/sessions", json=api.session_body(
            api.room(), [med], at(day, "09:00"), at(day, "10:00"),
            parties=[{"name": "张三", "role": "petitioner", "id_number": bad}]))
        problem(r, 422, "validation_error")
    s = api.book(api.room(), [med], at(day, "09:00"), at(day, "10:00"),
                 parties=[{"name": "张三", "role": "petitioner", "id_number": ID_NUMBER.lower()}])
    assert s["parties"][0]["id_number"] == ID_NUMBER  # canonical: upper-case X


def test_the_database_holds_no_phone_or_id_number_in_clear(suite, api, day):
    s = book(api, day)
    db = suite.db("mediation")
    rows = everything_in(db, "SELECT * FROM session_party")
    claims = everything_in(db, "SELECT * FROM resource_claim")
    for clear in (PHONE_DIGITS, PHONE, "1234-5678", ID_NUMBER, "19491231", OTHER_PHONE):
        assert clear not in rows and clear not in claims, clear
    with db.session() as x:
        got = x.execute(text("SELECT pii_kid, phone_cipher, id_number_cipher, phone_hash, id_hash, party_key "
                             "FROM session_party WHERE session_id = :s ORDER BY position"), {"s": s["id"]}).all()
    columns = {c["name"] for c in inspect(db.engine).get_columns("session_party")}
    assert "phone" not in columns
    assert got[0][0] == "dev-1" and got[0][1] and got[0][2] and len(got[0][3]) == 64 and len(got[0][4]) == 64
    assert got[0][5].startswith("id:") and got[1][5].startswith("np:") and got[1][2] is None
    # A handoff's parties (the petition system's JSON) are sealed too.
    case_no = uniq("PD")
    r = api("petition-system").post(f"/api/v1/cases/{case_no}/handoffs", json={
        "target": "mediation", "category": "neighbour_dispute", "summary": "邻里纠纷",
        "parties": [{"name": "王五", "role": "petitioner", "phone": "13700002222"}]})
    assert r.status_code == 202, r.text
    suite.drain()
    intakes = everything_in(db, "SELECT parties FROM case_intake")
    assert "phone_cipher" in intakes and "13700002222" not in intakes
    item = api().get(f"{BASE}/cases", params={"q": case_no}).json()["items"][0]
    assert item["parties"][0]["phone"] == "13700002222"  # the coordinator: in full
    item = api("auditor").get(f"{BASE}/cases", params={"q": case_no}).json()["items"][0]
    assert item["parties"][0]["phone"] == "137****2222"
    assert not set(item["parties"][0]) & {"phone_cipher", "phone_hash", "pii_kid"}


def test_answers_are_masked_except_for_coordinators_and_the_sessions_mediators(suite, api, day):
    me = api.mediator(user="mediator1")
    s = book(api, day, mediator=me, case_no=uniq("PM"))
    assert s["parties"][0]["phone"] == PHONE and s["parties"][0]["id_number"] == ID_NUMBER
    assert s["parties"][0]["id"] == f"{s['id']}-0"
    url = f"{BASE}/sessions/{s['id']}"
    full = {"coordinator", "mediator1"}
    for who in ("coordinator", "mediator1", "auditor", "petition-system"):
        one = api(who).get(url).json()
        listed = api(who).get(f"{BASE}/sessions", params={"case_no": s["case_no"]}).json()["items"][0]
        case = api(who).get(f"{BASE}/cases/{s['case_no']}").json()["sessions"][0]
        for got in (one, listed, case):
            p0, p1 = got["parties"]
            if who in full:
                assert (p0["phone"], p0["id_number"], p1["phone"]) == (PHONE, ID_NUMBER, OTHER_PHONE), who
            else:
                assert (p0["phone"], p0["id_number"], p1["phone"]) == (PHONE_MASK, ID_MASK, "139****1111"), who
            assert p0["name"] == "张三"  # names in full to staff handling the case
    # The printed agreement: the same rule (the record too).
    api().post(f"{url}/conclude", json={"outcome": "agreement", "agreement": {
        "form": "written", "terms": ["支付工资"], "performance_due": working_day(3).isoformat()}})
    from tests.mediation.document.test_documents import pdf_text
    text_full = pdf_text(api("mediator1").get(f"{url}/agreement.pdf").content)
    text_masked = pdf_text(api("auditor").get(f"{url}/agreement.pdf").content)
    assert PHONE_DIGITS in text_full.replace("-", "") and ID_NUMBER in text_full
    assert ID_MASK in text_masked and PHONE_MASK in text_masked and ID_NUMBER not in text_masked
    assert PHONE_DIGITS not in text_masked.replace("-", "")


def test_events_hub_and_timeline_carry_no_personal_data(suite, api, day):
    s = book(api, day, case_no=uniq("PE"))
    api().post(f"{BASE}/sessions/{s['id']}/reschedule", json={"start": at(day, "14:00"), "end": at(day, "15:00")})
    api().post(f"{BASE}/sessions/{s['id']}/cancel", json={"reason": "当事人请求"})
    suite.drain()
    mine = json.dumps(outbox(suite, subject=s["case_no"]), ensure_ascii=False)
    assert "mediation.session.scheduled" in mine and "张三" in mine
    timeline = api().get(f"/api/v1/cases/{s['case_no']}/timeline")
    assert timeline.status_code == 200, timeline.text
    assert len(timeline.json()["events"]) >= 3
    hub = everything_in(suite.db("gateway"), "SELECT data FROM hub_event")
    for where in (mine, timeline.text, hub):
        for clear in (PHONE_DIGITS, "1234-5678", ID_NUMBER, OTHER_PHONE, PHONE_MASK, ID_MASK):
            assert clear not in where, clear


def test_idempotency_store_keeps_phones_masked_and_webhook_secrets_sealed(suite, api, day, monkeypatch):
    settings = suite.app["gateway"].state.settings  # the webhook allowlist names host and port
    monkeypatch.setattr(settings, "webhook_allowed_hosts", f"{settings.webhook_allowed_hosts},127.0.0.1:9")
    med = api.mediator()
    body = api.session_body(api.room(), [med], at(day, "09:00"), at(day, "10:00"),
                            parties=[{"name": "张三", "role": "petitioner", "phone": PHONE, "id_number": ID_NUMBER}])
    key = {"Idempotency-Key": uniq("idem")}
    first = api().post(f"{BASE}/sessions", json=body, headers=key)
    assert first.status_code == 201 and first.json()["parties"][0]["phone"] == PHONE
    stored = everything_in(suite.db("gateway"), "SELECT body FROM idempotency_key")
    assert PHONE not in stored and ID_NUMBER not in stored
    again = api().post(f"{BASE}/sessions", json=body, headers=key)
    # The replay: the same status and answer, the personal data masked (documented in redact.py).
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["parties"][0]["phone"] == PHONE_MASK and again.json()["parties"][0]["id_number"] == ID_MASK
    assert again.json() | {"parties": None} == first.json() | {"parties": None}
    # A webhook's secret: stored sealed, replayed as first answered.
    key = {"Idempotency-Key": uniq("hook")}
    hook = {"url": "http://127.0.0.1:9/hook", "event_types": ["*"]}
    made = api().post("/api/v1/webhooks", json=hook, headers=key)
    assert made.status_code == 201, made.text
    secret = made.json()["secret"]
    with suite.db("gateway").session() as x:
        raw = x.execute(text("SELECT body FROM idempotency_key WHERE key = :k"), {"k": key["Idempotency-Key"]}).scalar()
    raw = bytes(raw)
    assert secret.encode() not in raw and raw.startswith(b"sealed:v1:")
    replay = api().post("/api/v1/webhooks", json=hook, headers=key)
    assert replay.status_code == 201 and replay.content == made.content


def test_rotation_reseals_old_rows_and_old_rows_stay_readable(suite, api, day):
    old = book(api, day)
    app_settings = suite.app["mediation"].state.settings
    new_key = "cm90YXRlZC1rZXktZm9yLXRoZS10ZXN0LXN1aXRlISE="  # 32 bytes
    rotated = app_settings.model_copy(update={"pii_keys": f"k2:{new_key},{DEV_PII_KEYS}"})
    db = suite.db("mediation")
    try:
        crypto.configure(rotated)
        # Old rows (under dev-1) still read; new rows are sealed under the first key.
        assert api().get(f"{BASE}/sessions/{old['id']}").json()["parties"][0]["phone"] == PHONE
        new = api.book(api.room(), [api.mediator()], at(day, "14:00"), at(day, "15:00"),
                       parties=[{"name": "赵六", "role": "petitioner", "phone": "13600003333"}])
        with db.session() as x:
            kids = dict(x.execute(text("SELECT session_id, pii_kid FROM session_party WHERE position = 0")).all())
        assert kids[old["id"]] == "dev-1" and kids[new["id"]] == "k2"
        report = rotate(db, crypto.current(), batch=1)
        assert report.parties == 2 and report.left_by_key == {"k2": 3}
        with db.session() as x:
            assert set(x.execute(text("SELECT pii_kid FROM session_party WHERE pii_kid IS NOT NULL")).scalars()) \
                == {"k2"}
        # Readable with the new key alone: the old key may go.
        crypto.configure(app_settings.model_copy(update={"pii_keys": f"k2:{new_key}"}))
        got = api().get(f"{BASE}/sessions/{old['id']}").json()["parties"]
        assert (got[0]["phone"], got[0]["id_number"], got[1]["phone"]) == (PHONE, ID_NUMBER, OTHER_PHONE)
        # Nothing left to do: a second run touches nothing; the party keys did not change.
        assert rotate(db, crypto.current()).parties == 0
        problem(api().post(f"{BASE}/sessions", json=api.session_body(
            api.room(), [api.mediator()], at(day, "09:30"), at(day, "10:30"),
            parties=[{"name": "张三", "role": "petitioner", "phone": PHONE}])), 409, "slot_conflict")
        # A new hash key: `--rehash` recomputes the hashes and party keys (claims included).
        crypto.configure(app_settings.model_copy(update={"pii_keys": f"k2:{new_key}",
                                                         "pii_hash_key": "another-hash-key-for-the-test"}))
        assert rotate(db, crypto.current(), rehash=True).rekeyed == 3
        body = problem(api().post(f"{BASE}/sessions", json=api.session_body(
            api.room(), [api.mediator()], at(day, "09:30"), at(day, "10:30"),
            parties=[{"name": "李四", "role": "petitioner", "phone": OTHER_PHONE}])), 409, "slot_conflict")
        assert body["conflicts"] == [{"resource": "party", "id": "李四", "session_id": old["id"]}]
    finally:
        crypto.configure(app_settings)


def test_rotation_command(suite, api, day, monkeypatch, capsys):
    if suite.backend != "sqlite":
        pytest.skip("the command reads the database from MEDIATION_DATABASE_URL; run once on SQLite")
    book(api, day)
    from services.mediation import cli
    monkeypatch.setenv("MEDIATION_DATABASE_URL", suite.db("mediation").url)
    monkeypatch.setenv("MEDIATION_PII_KEYS", "k3:" + "cm90YXRlZC1rZXktZm9yLXRoZS10ZXN0LXN1aXRlISE=," + DEV_PII_KEYS)
    try:
        assert cli.main(["rotate-pii-keys"]) == 0
    finally:
        crypto.configure(suite.app["mediation"].state.settings)
    assert "re-sealed 2 parties" in capsys.readouterr().out


def test_prod_refuses_the_development_keys():
    base = {"suite_env": "prod", "database_url": "sqlite://", "service_client_secret": "a-real-secret-value",
            "cursor_secret": "a-real-cursor-secret"}
    with pytest.raises(RuntimeError) as e:
        MediationSettings(**base).refuse_dev_secrets()
    assert "MEDIATION_PII_KEYS" in str(e.value) and "MEDIATION_PII_HASH_KEY" in str(e.value)
    with pytest.raises(RuntimeError, match="MEDIATION_PII_KEYS"):  # still listed, even after a new first key
        MediationSettings(**base, pii_keys="k9:" + "cm90YXRlZC1rZXktZm9yLXRoZS10ZXN0LXN1aXRlISE=," + DEV_PII_KEYS,
                          pii_hash_key="a-real-hash-key-0123456789").refuse_dev_secrets()
    MediationSettings(**base, pii_keys="k9:cm90YXRlZC1rZXktZm9yLXRoZS10ZXN0LXN1aXRlISE=",
                      pii_hash_key="a-real-hash-key-0123456789",
                      handoff_pii_keys="h9:cm90YXRlZC1rZXktZm9yLXRoZS10ZXN0LXN1aXRlISE=").refuse_dev_secrets()
    with pytest.raises(ValueError):
        MediationSettings(database_url="sqlite://", pii_keys="k1:not-base64!")


def test_the_migration_seals_stored_phones_and_rekeys_the_parties(tmp_path):
    """mediation_pii_0040 on rows written before it: phones sealed, `party_key` (which held the phone in
    clear) recomputed in the parties, their claims and ratings; handed-off parties sealed; and back."""
    import sqlalchemy as sa

    from shared import migrate

    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade("mediation", url, "mediation_reminders_0030")
    engine = sa.create_engine(url)
    t = "2026-12-03 01:00:00.000000"
    with engine.begin() as c:
        c.execute(text("INSERT INTO mediation_session (id, case_no, room_id, status, starts_at, ends_at, notes, "
                       "created_by, created_at, updated_at, version) VALUES ('s1', 'C1', 'r1', 'scheduled', "
                       ":t, :t, '', 'x', :t, :t, 0)"), {"t": t})
        c.execute(text("INSERT INTO session_party (session_id, position, name, role, phone, party_key) VALUES "
                       "('s1', 0, '张三', 'petitioner', :p, :k0), ('s1', 1, '李四', 'respondent', NULL, '李四|')"),
                  {"p": PHONE, "k0": "张三|" + PHONE_DIGITS})
        c.execute(text("INSERT INTO resource_claim (session_id, resource_kind, resource_key, starts_at, ends_at) "
                       "VALUES ('s1', 'party', :k0, :t, :t), ('s1', 'party', '李四|', :t, :t), "
                       "('s1', 'room', 'r1', :t, :t)"), {"k0": "张三|" + PHONE_DIGITS, "t": t})
        c.execute(text("INSERT INTO satisfaction (id, session_id, case_no, party_name, party_key, rating, comment, "
                       "recorded_by, created_at) VALUES ('r1', 's1', 'C1', '张三', :k0, 'satisfied', '', 'x', :t)"),
                  {"k0": "张三|" + PHONE_DIGITS, "t": t})
        c.execute(text("INSERT INTO case_intake (id, case_no, status, category, summary, parties, received_at) "
                       "VALUES ('i1', 'C1', 'pending', '', '', :parties, :t)"),
                  {"parties": json.dumps([{"name": "张三", "phone": PHONE, "role": "petitioner"}]), "t": t})
    migrate.upgrade("mediation", url)
    crypto_now = crypto.current()
    with engine.connect() as c:
        everything = json.dumps([[str(v) for v in r] for table in ("session_party", "resource_claim", "satisfaction",
                                                                    "case_intake")
                                 for r in c.execute(text(f"SELECT * FROM {table}")).all()], ensure_ascii=False)
        assert PHONE not in everything and PHONE_DIGITS not in everything
        assert "|" not in everything  # no old `name|phone` key left
        p0 = c.execute(text("SELECT * FROM session_party WHERE position = 0")).mappings().one()
        assert crypto_now.reveal(dict(p0)) == (PHONE, None) and p0["pii_kid"] == "dev-1"
        assert p0["party_key"] == crypto_now.party_key("张三", PHONE, None) and p0["name_key"] == "张三"
        keys = set(c.execute(text("SELECT resource_key FROM resource_claim WHERE resource_kind = 'party'")).scalars())
        assert keys == {p0["party_key"], crypto_now.party_key("李四", None, None)}
        assert c.execute(text("SELECT party_key FROM satisfaction")).scalar() == p0["party_key"]
        intake = json.loads(c.execute(text("SELECT parties FROM case_intake")).scalar())
        assert "phone" not in intake[0] and crypto_now.show_intake_party(intake[0], True)["phone"] == PHONE
    migrate.downgrade("mediation", url, "mediation_reminders_0030")
    with engine.connect() as c:
        assert c.execute(text("SELECT phone, party_key FROM session_party WHERE position = 0")).one() == \
            (PHONE, "张三|" + PHONE_DIGITS)
        assert c.execute(text("SELECT party_key FROM satisfaction")).scalar() == "张三|" + PHONE_DIGITS
        assert json.loads(c.execute(text("SELECT parties FROM case_intake")).scalar())[0]["phone"] == PHONE
    engine.dispose()
