"""A `handoff.requested` webhook carries the parties' phones and ID numbers masked, never in clear and
never sealed (issue 13; API.md "Personal data in answers"; shared/handoff_pii.py): checked on a real
receiver on loopback and in the stored delivery."""
from __future__ import annotations

import json

from sqlalchemy import text
from standardwebhooks import Webhook

PHONE, ID_NUMBER = "13812345678", "11010519491231002X"


def test_a_handoff_webhook_carries_masked_phones_only(suite, receiver, hooks):
    hook = hooks.register(receiver.url + "/handoffs", ["handoff.requested"])
    case = "WH-PII-0001"
    r = suite.client("petition-system").post(f"/api/v1/cases/{case}/handoffs", json={
        "target": "mediation", "category": "neighbour_dispute", "summary": "邻里纠纷",
        "parties": [{"name": "张三", "role": "petitioner", "phone": PHONE, "id_number": ID_NUMBER},
                    {"name": "李四", "role": "respondent", "phone": "139 0000 9999"}]})
    assert r.status_code == 202, r.text
    suite.drain()
    assert hooks.deliver() == 1
    [got] = receiver.hits("/handoffs")
    payload = Webhook(hook["secret"]).verify(got.body, got.headers)  # signed as sent
    raw = got.body.decode()
    for clear in (PHONE, "12345678", ID_NUMBER, "19491231", "139 0000 9999", "13900009999"):
        assert clear not in raw, clear
    assert "_sealed" not in raw
    assert payload["type"] == "handoff.requested" and payload["subject"] == case
    assert payload["data"]["parties"] == [
        {"name": "张三", "role": "petitioner", "phone": "138****5678", "id_number": "110***********002X"},
        {"name": "李四", "role": "respondent", "phone": "139****9999"}]
    with suite.db("gateway").session() as s:
        stored = s.execute(text("SELECT body FROM webhook_delivery WHERE subject = :c"), {"c": case}).scalar_one()
    assert json.loads(stored)["data"]["parties"] == payload["data"]["parties"]
