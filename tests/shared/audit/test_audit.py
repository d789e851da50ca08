"""The audit trail (issue 13): recorded in the change's transaction, append-only, hash-chained per
service, merged for the auditor, verifiable, anchored, and exported before it is dropped."""
from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from devtools.runner import dev_token
from shared.audit import chain
from shared.audit.migration import create_triggers, drop_triggers
from shared.audit.models import audit_anchor, audit_event
from shared.db import utcnow
from tests.mediation.mediation_kit import Api, at, uniq, working_day

BASE = "/api/v1/mediation"


def records(suite, svc: str, **where) -> list[dict]:
    q = sa.select(audit_event).order_by(audit_event.c.seq)
    for k, v in where.items():
        q = q.where(audit_event.c[k] == v)
    with suite.db(svc).engine.connect() as c:
        return [dict(r) for r in c.execute(q).mappings().all()]


def booked(suite) -> dict:
    api = Api(suite)
    room, mediator = api.room(), api.mediator()
    day = working_day(1)
    return api.book(room, [mediator], at(day, "09:00"), at(day, "10:00"))


def test_a_booking_leaves_one_record_with_actor_and_object(suite):
    s = booked(suite)
    mine = [r for r in records(suite, "mediation") if r["detail"].get("route") == f"{BASE}/sessions"]
    assert len(mine) == 1
    rec = mine[0]
    assert (rec["action"], rec["actor"], rec["roles"], rec["client_id"]) == (
        "mediation.session.book", "coordinator", ["coordinator"], "console")
    assert (rec["object_type"], rec["object_id"], rec["outcome"]) == ("session", s["id"], "success")
    assert rec["ip"] == "127.0.0.1" and rec["detail"] == {"method": "POST", "route": f"{BASE}/sessions"}
    assert "phone" not in json.dumps(rec["detail"])
    # every write of the request recorded once: room, mediator and session, seq without gaps
    assert [r["seq"] for r in records(suite, "mediation")] == [1, 2, 3]
    assert records(suite, "mediation", action="mediation.room.create")[0]["object_type"] == "room"
    # a cancel names the session from its path
    r = suite.client().post(f"{BASE}/sessions/{s['id']}/cancel", json={"reason": "当事人申请"})
    assert r.status_code == 200, r.text
    rec = records(suite, "mediation", action="mediation.session.cancel")
    assert [(x["object_type"], x["object_id"]) for x in rec] == [("session", s["id"])]


def test_a_failed_sign_in_and_refusals_are_recorded(suite):
    r = httpx.post(suite.url["gateway"] + "/oauth/token", data={"grant_type": "password", "client_id": "console",
                                                                "username": "coordinator", "password": "wrong"})
    assert r.status_code == 400
    failed = records(suite, "gateway", action="auth.sign_in", outcome="failure")
    assert [(x["actor"], x["object_type"], x["detail"]["error"]) for x in failed] == [
        ("coordinator", "user", "invalid_grant")]
    assert "wrong" not in json.dumps(failed[0], default=str)
    # a good sign-in (a fresh one: the suite's token cache may hold the auditor's from an earlier test)
    dev_token(suite.url["gateway"], "auditor")
    ok = records(suite, "gateway", action="auth.sign_in", outcome="success", actor="auditor")
    assert ok and ok[0]["roles"] == ["auditor"]
    # a 403 answered by mediation (a mediator may not add a room)
    r = suite.client("mediator1").post(f"{BASE}/rooms", json={"name": uniq("室"), "location": "一楼",
                                                               "capacity": 4, "features": []})
    assert r.status_code == 403
    denied = records(suite, "mediation", action="access.denied")
    assert [(x["actor"], x["outcome"], x["detail"]["status"], x["detail"]["route"]) for x in denied] == [
        ("mediator1", "failure", 403, f"{BASE}/rooms")]
    assert not records(suite, "gateway", action="access.denied")  # the gateway forwarded it: not twice
    # a 401 at the gateway's edge (nothing forwarded)
    r = httpx.get(suite.url["gateway"] + f"{BASE}/rooms", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
    edge = records(suite, "gateway", action="access.denied")
    assert [(x["actor"], x["detail"]["status"], x["detail"]["path"]) for x in edge] == [("", 401, f"{BASE}/rooms")]


def test_the_auditor_lists_every_service_merged_newest_first_and_filtered(suite):
    s = booked(suite)
    httpx.post(suite.url["gateway"] + "/oauth/token", data={"grant_type": "password", "client_id": "console",
                                                            "username": "mediator1", "password": "nope"})
    suite.client("mediator1").post(f"{BASE}/rooms", json={"name": "x", "location": "y", "capacity": 1, "features": []})
    r = suite.client("lawyer1").get("/api/v1/lawyers/reports/monthly", params={"month": "2026-12"})
    assert r.status_code == 403  # refused by lawyers
    auditor = suite.client("auditor")
    r = auditor.get("/api/v1/audit/events", params={"limit": 200})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert {i["service"] for i in items} == {"gateway", "mediation", "lawyers"}
    assert set(items[0]) == {"id", "service", "seq", "at", "actor", "roles", "client_id", "ip", "action",
                             "object_type", "object_id", "outcome", "detail"}
    ats = [i["at"] for i in items]
    assert ats == sorted(ats, reverse=True) and all(a.endswith("+08:00") for a in ats)
    # filters
    failures = auditor.get("/api/v1/audit/events", params={"outcome": "failure"}).json()["items"]
    assert {(i["service"], i["action"], i["actor"]) for i in failures} >= {
        ("gateway", "auth.sign_in", "mediator1"), ("mediation", "access.denied", "mediator1"),
        ("lawyers", "access.denied", "lawyer1")}
    assert all(i["outcome"] == "failure" for i in failures)
    only = auditor.get("/api/v1/audit/events", params={"object_type": "session", "object_id": s["id"]}).json()
    assert [(i["service"], i["action"]) for i in only["items"]] == [("mediation", "mediation.session.book")]
    assert {i["service"] for i in auditor.get("/api/v1/audit/events", params={"service": "lawyers"}).json()[
        "items"]} == {"lawyers"}
    assert all(i["actor"] == "mediator1" for i in auditor.get(
        "/api/v1/audit/events", params={"actor": "mediator1"}).json()["items"])
    today = utcnow().date()
    assert len(auditor.get("/api/v1/audit/events", params={
        "from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1)), "limit": 200}).json()[
        "items"]) == len(auditor.get("/api/v1/audit/events", params={"limit": 200}).json()["items"])
    assert auditor.get("/api/v1/audit/events", params={"to": "2000-01-01"}).json()["items"] == []
    # pages of 2 walk the same merged list: nothing twice, nothing lost
    seen, cursor = [], None
    for _ in range(100):
        page = auditor.get("/api/v1/audit/events", params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        seen += [i["id"] for i in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    everything = [i["id"] for i in auditor.get("/api/v1/audit/events", params={"limit": 200}).json()["items"]]
    assert seen == everything[:len(seen)] and set(everything) <= set(seen) | set(everything[len(seen):])
    assert len(seen) == len(set(seen)) and len(seen) >= len(items)
    # bad input is a 422, never a 500
    for bad in ({"cursor": "MQ"}, {"from": "0001-01-01"}, {"to": "9999-12-31"}, {"from": "2026-13-01"},
                {"from": "2026-12-02T10:00:00"}, {"outcome": "maybe"}, {"service": "nope"}, {"limit": 0}):
        assert auditor.get("/api/v1/audit/events", params=bad).status_code == 422, bad


@pytest.mark.parametrize("who", ["coordinator", "mediator1", "lawyer1", "petition-system"])
def test_only_the_auditor_reads_the_audit_trail(suite, who):
    c = suite.client(who)
    for path in ("/api/v1/audit/events", "/api/v1/audit/verify"):
        r = c.get(path)
        assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    denied = records(suite, "gateway", action="access.denied")
    assert [x["detail"]["route"] for x in denied] == ["/api/v1/audit/events", "/api/v1/audit/verify"]
    assert suite.client(None).get("/api/v1/audit/events").status_code == 401
    # nothing can change or delete a record through the API
    auditor = suite.client("auditor")
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert auditor.request(method, "/api/v1/audit/events").status_code in (404, 405)


@pytest.mark.parametrize("svc", ["mediation", "gateway"])
def test_update_and_delete_through_sql_are_refused(suite, svc):
    booked(suite)
    httpx.post(suite.url["gateway"] + "/oauth/token", data={"grant_type": "password", "client_id": "console",
                                                            "username": "auditor", "password": "nope"})
    first = records(suite, svc)[0]
    for stmt in (sa.update(audit_event).where(audit_event.c.id == first["id"]).values(actor="someone else"),
                 sa.delete(audit_event).where(audit_event.c.id == first["id"])):
        with pytest.raises(sa.exc.DBAPIError) as e, suite.db(svc).engine.begin() as c:
            c.execute(stmt)
        assert "append-only" in str(e.value)
    if suite.backend == "postgresql":
        with pytest.raises(sa.exc.DBAPIError), suite.db(svc).engine.begin() as c:
            c.execute(sa.text("TRUNCATE audit_event"))
    assert records(suite, svc)[0] == first


def test_a_row_changed_behind_the_apis_back_is_named_by_verify(suite):
    booked(suite)
    auditor = suite.client("auditor")
    v = auditor.get("/api/v1/audit/verify").json()
    assert v["ok"] is True, v
    chains = {c["service"]: c for c in v["chains"]}
    assert set(chains) == {"gateway", "mediation", "lawyers"}
    assert chains["mediation"] == {"service": "mediation", "checked": 3, "head": 3, "first_bad_seq": None}
    target = records(suite, "mediation")[1]
    with suite.db("mediation").engine.begin() as c:
        drop_triggers(c)
        c.execute(sa.update(audit_event).where(audit_event.c.id == target["id"]).values(actor="someone-else"))
        create_triggers(c)
    v = auditor.get("/api/v1/audit/verify").json()
    assert v["ok"] is False
    bad = {c["service"]: c for c in v["chains"]}
    assert bad["mediation"]["first_bad_seq"] == target["seq"] == 2
    assert bad["gateway"]["first_bad_seq"] is None and bad["lawyers"]["first_bad_seq"] is None
    # the triggers are back: the change cannot be undone through SQL either
    with pytest.raises(sa.exc.DBAPIError), suite.db("mediation").engine.begin() as c:
        c.execute(sa.update(audit_event).where(audit_event.c.id == target["id"]).values(actor="coordinator"))


def test_a_chain_rewritten_whole_is_caught_by_the_signed_anchor(suite):
    from joserfc import jws
    from joserfc.jwk import KeySet

    from services.gateway.audit.service import anchor_heads

    suite.token("coordinator"), suite.token("auditor")  # signed in now (audited), not inside the test's records
    suite.clean()
    booked(suite)
    gw = suite.app["gateway"]
    rows = anchor_heads(gw)
    assert {r["service"] for r in rows} == {"mediation"}  # the other chains have no record yet: no anchor
    keys = KeySet.import_key_set(gw.state.signer.jwks())
    for r in rows:
        obj = jws.deserialize_compact(r["signature"], keys)
        assert json.loads(obj.payload)["seq"] == r["seq"] and json.loads(obj.payload)["hash"] == r["hash"]
    with suite.db("gateway").engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(audit_anchor)).scalar() == 1
    # rewrite mediation's chain from seq 2 on with every hash recomputed: only the anchor tells
    with suite.db("mediation").engine.begin() as c:
        drop_triggers(c)
        rows = [dict(r) for r in c.execute(sa.select(audit_event).order_by(audit_event.c.seq)).mappings()]
        prev = rows[0]["hash"]
        for rec in rows[1:]:
            rec["actor"] = "forger"
            rec["prev_hash"], rec["hash"] = prev, chain.record_hash(rec, prev)
            prev = rec["hash"]
            c.execute(sa.update(audit_event).where(audit_event.c.id == rec["id"]).values(
                actor="forger", prev_hash=rec["prev_hash"], hash=rec["hash"]))
        c.execute(sa.text("UPDATE audit_chain SET hash = :h"), {"h": prev})
        create_triggers(c)
    v = suite.client("auditor").get("/api/v1/audit/verify").json()
    assert v["ok"] is False
    assert {c["service"]: c["first_bad_seq"] for c in v["chains"]}["mediation"] == 3


def test_an_audit_write_that_fails_refuses_the_change(suite, monkeypatch):
    def boom(*a, **kw):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(chain, "append", boom)
    name = uniq("审计失败的调解室")
    r = suite.client().post(f"{BASE}/rooms", json={"name": name, "location": "一楼", "capacity": 4, "features": []})
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "audit_unavailable" and "Traceback" not in r.text
    monkeypatch.undo()
    names = [x["name"] for x in suite.client().get(f"{BASE}/rooms").json()["items"]]
    assert name not in names
    assert not records(suite, "mediation")
    # the outbox holds no event of the refused change either
    with suite.db("mediation").engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM outbox_event")).scalar() == 0


def test_retention_exports_then_drops_old_records_and_the_chain_still_verifies(suite, tmp_path, monkeypatch):
    from shared.audit.retention import drop_old

    booked(suite)
    app = suite.app["mediation"]
    monkeypatch.setattr(app.state.settings, "audit_export_dir", str(tmp_path))
    before = records(suite, "mediation")
    assert drop_old(app) is None  # nothing is six months old
    out = drop_old(app, now=utcnow() + timedelta(days=184))
    assert out["dropped"] == len(before) == 3 and (out["first_seq"], out["last_seq"]) == (1, 3)
    lines = (tmp_path / out["file"]).read_text().splitlines()
    header, exported = json.loads(lines[0]), [json.loads(x) for x in lines[1:]]
    assert header["chain"] == "mediation" and header["base_seq"] == 0
    assert [(e["seq"], e["hash"]) for e in exported] == [(r["seq"], r["hash"]) for r in before]
    prev = header["base_hash"]
    for e in exported:  # the export verifies on its own
        assert e["prev_hash"] == prev
        prev = e["hash"]
    left = records(suite, "mediation")
    assert [(r["seq"], r["action"]) for r in left] == [(4, "audit.retention.drop")]
    assert left[0]["prev_hash"] == before[-1]["hash"]
    # new records chain on; every chain verifies
    suite.client().post(f"{BASE}/rooms", json={"name": uniq("室"), "location": "一楼", "capacity": 4, "features": []})
    v = suite.client("auditor").get("/api/v1/audit/verify").json()
    assert v["ok"] is True, v
    assert {c["service"]: (c["checked"], c["head"]) for c in v["chains"]}["mediation"] == (2, 5)
    # the retention can never be set below six months
    from services.mediation.settings import MediationSettings
    with pytest.raises(ValueError):
        MediationSettings(audit_retention_days=30)


def test_unmasked_personal_data_views_are_recorded(suite):
    s = booked(suite)
    assert suite.client().get(f"{BASE}/sessions/{s['id']}").status_code == 200
    assert suite.client().get(f"{BASE}/cases/{s['case_no']}").status_code == 200
    assert suite.client("auditor").get(f"{BASE}/sessions/{s['id']}").status_code == 200  # masked: not recorded
    views = records(suite, "mediation", action="personal_data.view")
    assert [(v["actor"], v["object_type"], v["object_id"]) for v in views] == [
        ("coordinator", "session", s["id"]), ("coordinator", "case", s["case_no"])]


def test_concurrent_writes_keep_one_unbroken_chain(suite):
    from concurrent.futures import ThreadPoolExecutor

    c = suite.client()

    def add(i: int) -> int:
        return c.post(f"{BASE}/rooms", json={"name": uniq(f"室{i}"), "location": "一楼", "capacity": 4,
                                             "features": []}).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(add, range(24))) == {201}
    seqs = [r["seq"] for r in records(suite, "mediation")]
    assert seqs == list(range(1, 25))
    assert suite.client("auditor").get("/api/v1/audit/verify").json()["ok"] is True


def test_a_handoff_is_recorded_in_its_own_transaction(suite):
    r = suite.client("petition-system").post(f"/api/v1/cases/{uniq('HO-')}/handoffs", json={
        "target": "mediation", "reason": "申请调解", "category": "labour", "summary": "欠薪",
        "parties": [{"name": "张三", "role": "petitioner"}]})
    assert r.status_code == 202, r.text
    recs = records(suite, "gateway", action="gateway.handoff.request")
    assert [(x["actor"], x["object_type"], x["object_id"]) for x in recs] == [
        ("petition-system", "handoff", r.json()["id"])]
    assert not [x for x in records(suite, "gateway") if x["detail"].get("route", "").endswith("/handoffs")]


def test_a_proxied_call_the_gateway_refuses_is_recorded(suite):
    r = suite.client().get("/api/v1/mediation/internal/audit/events")
    assert r.status_code == 404
    recs = records(suite, "gateway", action="access.denied")
    assert [(x["actor"], x["detail"]["status"], x["detail"]["path"]) for x in recs] == [
        ("coordinator", 404, "/api/v1/mediation/internal/audit/events")]
    assert suite.client().get("/api/v1/mediation/no-such-thing").status_code == 404  # an ordinary 404: not refused
    assert len(records(suite, "gateway", action="access.denied")) == 1


def test_lists_and_printed_documents_that_show_personal_data_are_recorded(suite):
    api = Api(suite)
    day = working_day(1)
    s = api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00"), parties=[
        {"name": uniq("申请人"), "role": "petitioner", "phone": "13800138000"},
        {"name": uniq("被申请人"), "role": "respondent"}])
    c = suite.client()
    assert c.get(f"{BASE}/sessions", params={"case_no": s["case_no"]}).status_code == 200
    assert c.get(f"{BASE}/sessions/{s['id']}/record.pdf").status_code == 200
    # the auditor sees phones masked: neither the list nor the document is recorded for them
    assert suite.client("auditor").get(f"{BASE}/sessions", params={"case_no": s["case_no"]}).status_code == 200
    views = records(suite, "mediation", action="personal_data.view")
    assert [(v["actor"], v["object_type"], v["object_id"], v["detail"]) for v in views] == [
        ("coordinator", "session", "", {"session_ids": [s["id"]]}),
        ("coordinator", "session", s["id"], {"document": True})]


def test_the_intake_list_with_phones_is_recorded(suite):
    case_no = uniq("PD-")
    r = suite.client("petition-system").post(f"/api/v1/cases/{case_no}/handoffs", json={
        "target": "mediation", "reason": "申请调解", "category": "labour", "summary": "欠薪",
        "parties": [{"name": "张三", "role": "petitioner", "phone": "13800138000"}]})
    assert r.status_code == 202, r.text
    suite.drain()  # the handoff reaches mediation as an event
    listed = suite.client().get(f"{BASE}/cases", params={"q": case_no}).json()["items"]
    assert listed and listed[0]["parties"][0]["phone"] == "13800138000"
    views = [v for v in records(suite, "mediation", action="personal_data.view") if v["object_type"] == "case"]
    assert views and views[-1]["actor"] == "coordinator" and case_no in views[-1]["detail"]["case_nos"]
