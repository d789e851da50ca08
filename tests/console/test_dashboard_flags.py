"""工作台: a session flagged by a recusal relation added after its booking says so in its row."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.mediation.mediation_kit import Api, at, working_day


def test_dashboard_marks_a_session_whose_mediator_must_recuse(suite, page_as, console_url):
    api = Api(suite)
    room, med = api.room(name="第一调解室"), api.mediator(name="李调解")
    day = working_day(1)
    s = api.book(room, [med], at(day, "09:00"), at(day, "10:00"), case_no="XF-FLAG-1",
                 parties=[{"name": "张三", "role": "petitioner"}, {"name": "李四", "role": "respondent"}])
    calm = api.book(room, [med], at(day, "14:00"), at(day, "15:00"), case_no="XF-CALM-1",
                    parties=[{"name": "王五", "role": "petitioner"}, {"name": "赵六", "role": "respondent"}])
    r = api().post(f"/api/v1/mediation/mediators/{med['id']}/relations", json={"party_name": "张三",
                                                                               "relation": "近亲属"})
    assert r.json()["flagged_session_ids"] == [s["id"]]

    page = page_as("coordinator")
    page.goto(console_url + "/")
    upcoming = page.get_by_role("region", name="近期调解")
    expect(upcoming.get_by_role("listitem").filter(has_text="XF-FLAG-1")).to_contain_text("调解员须回避")
    expect(upcoming.get_by_role("listitem").filter(has_text="XF-CALM-1")).not_to_contain_text("调解员须回避")
    assert calm["flags"] == []
