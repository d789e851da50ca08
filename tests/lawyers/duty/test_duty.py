"""Duty roster (值班表): fairness, leave, swaps; leader reception days; reception assists."""
from __future__ import annotations

from collections import Counter

from tests.lawyers.conftest import BASE, events, make_lawyer, set_day


def _generate(api, frm, to, **kw):
    r = api("coordinator").post(f"{BASE}/duty-shifts/generate", json={"from": frm, "to": to, **kw})
    assert r.status_code == 201, r.text
    return r.json()


def test_one_lawyer_per_working_day_fairly_rotated(api, suite):
    team = [make_lawyer(api, "public_lawyer") for _ in range(4)] + [make_lawyer(api) for _ in range(3)]
    make_lawyer(api, "studio_lawyer")  # not an eligible kind by default
    make_lawyer(api, active=False)
    out = _generate(api, "2026-01-01", "2026-03-31")
    shifts = out["items"]
    days = [s["date"] for s in shifts]
    # Q1 2026 working days: holidays (New Year, Spring Festival) skipped, working Saturdays included
    assert "2026-01-01" not in days and "2026-02-16" not in days
    assert "2026-02-14" in days and "2026-02-28" in days
    assert len(days) == len(set(days))
    load = Counter(s["lawyer_id"] for s in shifts)
    assert set(load) == {x["id"] for x in team}
    assert max(load.values()) - min(load.values()) <= 1
    assert shifts[0]["start"].endswith("+08:00")
    ev = events(suite, "lawyers.duty.generated")
    assert ev[-1].data["shifts"] == len(shifts) and ev[-1].data["max_load"] - ev[-1].data["min_load"] <= 1
    # a second generation over the same period is refused unless replaced
    again = api("coordinator").post(f"{BASE}/duty-shifts/generate", json={"from": "2026-03-01", "to": "2026-03-31"})
    assert again.status_code == 409 and again.json()["code"] == "roster_exists"
    _generate(api, "2026-03-01", "2026-03-31", replace=True)
    listed = api("auditor").get(f"{BASE}/duty-shifts", params={"from": "2026-01-01", "to": "2026-03-31"}).json()
    assert len(listed["items"]) == len(shifts)


def test_n_per_day_eligible_kinds_and_leave(api, settings):
    settings["duty_lawyers_per_day"] = 2
    settings["duty_kinds"] = ["public_lawyer"]
    a, b, c = (make_lawyer(api, "public_lawyer") for _ in range(3))
    make_lawyer(api)  # retained counsel: not eligible under this setting
    api("coordinator").post(f"{BASE}/lawyers/{a['id']}/leaves", json={"start": "2026-05-11", "end": "2026-05-15"})
    shifts = _generate(api, "2026-05-06", "2026-06-30")["items"]
    per_day = Counter(s["date"] for s in shifts)
    assert set(per_day.values()) == {2}
    assert not [s for s in shifts if s["lawyer_id"] == a["id"] and "2026-05-11" <= s["date"] <= "2026-05-15"]
    load = Counter(s["lawyer_id"] for s in shifts)
    assert set(load) == {a["id"], b["id"], c["id"]}
    assert max(load.values()) - min(load.values()) <= 1


def test_fairness_holds_for_a_year_with_many_lawyers(api):
    team = [make_lawyer(api, "public_lawyer") for _ in range(37)]
    shifts = _generate(api, "2026-01-01", "2026-12-31")["items"]
    load = Counter(s["lawyer_id"] for s in shifts)
    assert len(load) == len(team) and max(load.values()) - min(load.values()) <= 1


def test_swaps(api, suite):
    a = make_lawyer(api, "public_lawyer", user="lawyer1")
    b = make_lawyer(api, "public_lawyer", user="lawyer2")
    shifts = _generate(api, "2026-06-01", "2026-06-05")["items"]
    sa = next(s for s in shifts if s["lawyer_id"] == a["id"])
    sb = next(s for s in shifts if s["lawyer_id"] == b["id"])
    assert api("lawyer1").post(f"{BASE}/duty-shifts/{sa['id']}/swap", json={"with_shift_id": sb["id"]}
                               ).status_code == 403
    r = api("coordinator").post(f"{BASE}/duty-shifts/{sa['id']}/swap", json={"with_shift_id": sb["id"],
                                                                              "reason": "家中有事"})
    assert r.status_code == 200
    got = {s["id"]: s["lawyer_id"] for s in r.json()["items"]}
    assert got == {sa["id"]: b["id"], sb["id"]: a["id"]}
    assert events(suite, "lawyers.duty.swapped")[-1].data["reason"] == "家中有事"
    # the lawyer sees only their own shifts
    mine = api("lawyer1").get(f"{BASE}/duty-shifts", params={"from": "2026-06-01", "to": "2026-06-05"}).json()
    assert {s["lawyer_id"] for s in mine["items"]} == {a["id"]}
    assert api("lawyer1").get(f"{BASE}/duty-shifts/{sa['id']}").status_code == 404
    # a swap onto a leave day is refused
    sa2 = next(s for s in shifts if s["lawyer_id"] == a["id"] and s["id"] not in (sa["id"], sb["id"]))
    api("coordinator").post(f"{BASE}/lawyers/{b['id']}/leaves", json={"start": sa2["date"], "end": sa2["date"]})
    sb2 = next(s for s in shifts if s["lawyer_id"] == b["id"] and s["id"] not in (sa["id"], sb["id"]))
    bad = api("coordinator").post(f"{BASE}/duty-shifts/{sb2['id']}/swap", json={"with_shift_id": sa2["id"]})
    assert bad.status_code == 409 and bad.json()["code"] == "lawyer_unavailable"
    same = api("coordinator").post(f"{BASE}/duty-shifts/{sa['id']}/swap", json={"with_shift_id": sa["id"]})
    assert same.status_code == 422


def test_leader_reception_day_moves_to_next_working_day(api, suite, settings):
    c = api("coordinator")
    got = c.get(f"{BASE}/reception-days", params={"from": "2026-01-01", "to": "2026-04-30"}).json()["items"]
    monthly = [x["date"] for x in got if x["kind"] == "monthly"]
    # Jan 15 Thu; Feb 15 Sunday inside the Spring Festival -> Feb 24; Mar 15 Sunday -> Mar 16; Apr 15 Wed
    assert monthly == ["2026-01-15", "2026-02-24", "2026-03-16", "2026-04-15"]
    settings["leader_reception_day"] = 10
    got = c.get(f"{BASE}/reception-days", params={"from": "2026-10-01", "to": "2026-10-31"}).json()["items"]
    assert [x["date"] for x in got] == ["2026-10-10"]  # a working Saturday (调休) stays
    set_day(suite, __import__("datetime").date(2026, 10, 10), "holiday", "test")
    got = c.get(f"{BASE}/reception-days", params={"from": "2026-10-01", "to": "2026-10-31"}).json()["items"]
    assert [x["date"] for x in got] == ["2026-10-12"]
    ad = c.post(f"{BASE}/reception-days", json={"date": "2026-10-20", "leader": "王区长", "note": "专题接访"})
    assert ad.status_code == 201
    got = c.get(f"{BASE}/reception-days", params={"from": "2026-10-01", "to": "2026-10-31"}).json()["items"]
    assert [(x["date"], x["kind"]) for x in got] == [("2026-10-12", "monthly"), ("2026-10-20", "ad_hoc")]
    assert api("lawyer1").post(f"{BASE}/reception-days", json={"date": "2026-10-21"}).status_code == 403


def test_reception_assists(api, suite):
    a = make_lawyer(api, "public_lawyer", name="甲")
    b = make_lawyer(api, "public_lawyer", name="乙")
    make_lawyer(api)  # retained counsel are not sent to leaders' receptions
    c = api("coordinator")

    def assist(leader, start, end):
        r = c.post(f"{BASE}/reception-assists", json={"leader": leader, "start": start, "end": end,
                                                      "topic": "征地补偿"})
        assert r.status_code == 201, r.text
        return r.json()["public_lawyer"]

    first = assist("王区长", "2026-12-15T09:00:00+08:00", "2026-12-15T12:00:00+08:00")
    second = assist("王区长", "2026-12-16T09:00:00+08:00", "2026-12-16T12:00:00+08:00")
    assert first != second and {first, second} == {a["id"], b["id"]}
    # two leaders at the same time: one lawyer each
    x = assist("李副区长", "2026-12-17T09:00:00+08:00", "2026-12-17T12:00:00+08:00")
    y = assist("王区长", "2026-12-17T10:00:00+08:00", "2026-12-17T11:00:00+08:00")
    assert x != y
    # only one lawyer free: the same one again is acceptable
    c.patch(f"{BASE}/lawyers/{b['id']}", json={"active": False})
    assert assist("王区长", "2026-12-18T09:00:00+08:00", "2026-12-18T12:00:00+08:00") == a["id"]
    assert assist("王区长", "2026-12-21T09:00:00+08:00", "2026-12-21T12:00:00+08:00") == a["id"]
    busy = c.post(f"{BASE}/reception-assists", json={"leader": "张书记", "start": "2026-12-21T10:00:00+08:00",
                                                     "end": "2026-12-21T11:00:00+08:00", "topic": "x"})
    assert busy.status_code == 409 and busy.json()["code"] == "no_lawyer_available"
    naive = c.post(f"{BASE}/reception-assists", json={"leader": "张书记", "start": "2026-12-22T10:00:00",
                                                      "end": "2026-12-22T11:00:00+08:00"})
    assert naive.status_code == 422
    backwards = c.post(f"{BASE}/reception-assists", json={"leader": "张书记", "start": "2026-12-22T10:00:00+08:00",
                                                          "end": "2026-12-22T09:00:00+08:00"})
    assert backwards.status_code == 422
    assist = {"leader": "x", "start": "2026-12-22T10:00:00+08:00", "end": "2026-12-22T11:00:00+08:00"}
    assert api("auditor").post(f"{BASE}/reception-assists", json=assist).status_code == 403
    ev = events(suite, "lawyers.assist.assigned")
    assert len(ev) == 6 and ev[0].data["leader"] == "王区长" and "协助" in ev[0].data["message"]
    listed = c.get(f"{BASE}/reception-assists", params={"from": "2026-12-01", "to": "2026-12-31",
                                                        "leader": "王区长"}).json()["items"]
    assert len(listed) == 5
