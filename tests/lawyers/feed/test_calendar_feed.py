"""The lawyer's calendar feed (RFC 5545), parsed with icalendar."""
from __future__ import annotations

from datetime import date, datetime

from icalendar import Calendar

from tests.lawyers.conftest import BASE, make_lawyer, make_request


def test_feed_has_shifts_assists_hearings_and_due_dates(api):
    pl = make_lawyer(api, "public_lawyer", user="lawyer1")
    studio = make_lawyer(api, "studio_lawyer", user="lawyer2")
    make_lawyer(api, "studio_lawyer")
    c = api("coordinator")
    c.post(f"{BASE}/duty-shifts/generate", json={"from": "2026-12-01", "to": "2026-12-03"})
    c.post(f"{BASE}/reception-assists", json={"leader": "王区长", "start": "2026-12-15T09:00:00+08:00",
                                              "end": "2026-12-15T12:00:00+08:00", "topic": "拆迁安置"})
    req = make_request(api)
    assert req["assignee_id"] == pl["id"]
    rv = c.post(f"{BASE}/reviews", json={"case_no": "ICS-1", "kind": "review", "received_on": "2026-11-20"}).json()
    c.post(f"{BASE}/reviews/{rv['id']}/hearings", json={"start": "2026-12-08T14:00:00+08:00",
                                                         "end": "2026-12-08T16:00:00+08:00", "location": "听证室"})

    r = api("lawyer1").get(f"{BASE}/lawyers/{pl['id']}/calendar.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    evs = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    duty = [e for s, e in evs.items() if s == "接待大厅值班"]
    assert len(cal.walk("VEVENT")) == 3 + 1 + 1  # three duty days, one assist, one opinion due date
    assert duty and all(e.decoded("dtstart").utcoffset().total_seconds() == 8 * 3600 for e in duty)
    assist = evs["协助王区长接访"]
    assert assist.decoded("dtstart") == datetime.fromisoformat("2026-12-15T09:00:00+08:00")
    due = evs[f"法律意见书到期 {req['case_no']}"]
    assert due.decoded("dtstart") == date.fromisoformat(req["due_on"])

    cal2 = Calendar.from_ical(api("lawyer2").get(f"{BASE}/lawyers/{studio['id']}/calendar.ics").content)
    summaries = {str(e["summary"]) for e in cal2.walk("VEVENT")}
    assert "听证 ICS-1" in summaries and "复查复核意见到期 ICS-1" in summaries
    hearing = next(e for e in cal2.walk("VEVENT") if str(e["summary"]) == "听证 ICS-1")
    assert str(hearing["location"]) == "听证室"
    # one lawyer cannot read another's feed; auditors can
    assert api("lawyer2").get(f"{BASE}/lawyers/{pl['id']}/calendar.ics").status_code == 404
    assert api("auditor").get(f"{BASE}/lawyers/{pl['id']}/calendar.ics").status_code == 200
