from tests.mediation.mediation_kit import BASE, at


def test_book_and_read(api, day):
    room, med = api.room(), api.mediator()
    s = api.book(room, [med], at(day, "09:00"), at(day, "10:00"))
    assert s["status"] == "scheduled"
    assert s["start"].endswith("+08:00")
    r = api().get(f"{BASE}/sessions/{s['id']}")
    assert r.status_code == 200, r.text
