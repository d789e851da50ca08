"""The shared vocabulary in the lawyers service: specialties and opinion requests' categories (codes,
Chinese labels, synonyms), matching on the code, unknown words kept with a warning, and the data migration."""
from __future__ import annotations

import json

import sqlalchemy as sa

from shared import migrate
from shared.db import make_engine
from tests.lawyers.conftest import BASE, make_lawyer, make_request


def test_specialties_are_stored_as_codes_and_answered_with_labels(api):
    lw = make_lawyer(api, specialties=["labour", "行政法", "刑事辩护", "劳动争议"])
    assert lw["specialties"] == ["labour_social_security", "administrative_law", "criminal"]
    assert lw["specialties_label"] == ["劳动和社会保障", "行政法", "刑事"]
    assert lw["specialties_text"] == [] and lw["warnings"] == []
    odd = make_lawyer(api, specialties=["海商法"])
    assert odd["specialties"] == ["other"] and odd["specialties_text"] == ["海商法"]
    assert odd["warnings"][0]["code"] == "unknown_specialty"
    c = api("coordinator")
    for word in ("劳动争议", "labour_social_security", "劳动和社会保障"):
        found = c.get(f"{BASE}/lawyers", params={"specialty": word}).json()["items"]
        assert [x["id"] for x in found] == [lw["id"]], word
    r = c.patch(f"{BASE}/lawyers/{odd['id']}", json={"specialties": ["医疗纠纷"]})
    assert r.status_code == 200 and r.json()["specialties"] == ["health"] and r.json()["specialties_text"] == []


def test_a_chinese_category_reaches_the_lawyer_of_that_specialty(api):
    make_lawyer(api, specialties=["land"])
    labour = make_lawyer(api, specialties=["labour"])
    r = make_request(api, category="劳动争议")
    assert r["status"] == "assigned" and r["assignee_id"] == labour["id"]
    assert (r["category"], r["category_label"], r["category_text"], r["warnings"]) == (
        "labour_social_security", "劳动和社会保障", None, [])
    again = make_request(api, category="欠薪")
    assert again["category"] == "labour_social_security" and again["assignee_id"] == labour["id"]
    got = api("coordinator").get(f"{BASE}/opinion-requests/{r['id']}").json()
    assert got["category"] == "labour_social_security" and got["category_label"] == "劳动和社会保障"


def test_other_asks_for_no_particular_specialty(api):
    lw = make_lawyer(api, specialties=["contract"])
    r = make_request(api, category="其他")
    assert (r["category"], r["category_label"], r["warnings"]) == ("other", "其他", [])
    assert r["status"] == "assigned" and r["assignee_id"] == lw["id"]


def test_unknown_words_are_other_with_a_warning_and_match_the_same_words(api):
    make_lawyer(api, specialties=["land"])
    r = make_request(api, category="海事纠纷")
    assert r["category"] == "other" and r["category_text"] == "海事纠纷" and r["category_label"] == "其他"
    assert [w["code"] for w in r["warnings"]] == ["unknown_category"] and r["warnings"][0]["value"] == "海事纠纷"
    assert r["status"] == "unassigned"  # nobody with that specialty
    sea = make_lawyer(api, specialties=["海事纠纷"])
    r2 = make_request(api, category="海事纠纷")
    assert r2["status"] == "assigned" and r2["assignee_id"] == sea["id"]


def _legacy_rows(url: str) -> None:
    engine = make_engine(url, pool_size=1)
    try:
        with engine.begin() as c:
            c.execute(sa.text(
                "INSERT INTO lawyer (id, name, kind, license_no, firm, specialties, languages, active, qualification,"
                " open_requests, created_at) VALUES ('L1', '甲', 'retained_counsel', '1', '', :specs, '[\"zh\"]',"
                " true, '{}', 0, '2026-01-01 00:00:00')"), {"specs": json.dumps(["labour", "劳动争议", "税务"])})
            c.execute(sa.text(
                "INSERT INTO opinion_request (id, case_no, question, category, parties, status, due_on, declined_by,"
                " created_at, created_by) VALUES (:id, 'C-1', 'q', :cat, '[]', 'unassigned', '2026-01-20', '[]',"
                " '2026-01-01 00:00:00', '')"), [{"id": "R1", "cat": "劳动争议"}, {"id": "R2", "cat": "海事"},
                                                 {"id": "R3", "cat": ""}])
    finally:
        engine.dispose()


def test_the_migration_turns_stored_words_into_codes(tmp_path):
    url = f"sqlite:///{tmp_path / 'lawyers.db'}"
    migrate.upgrade("lawyers", url, "lawyers_audit_0010")
    _legacy_rows(url)
    migrate.upgrade("lawyers", url)
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as c:
            specs, texts = c.execute(sa.text("SELECT specialties, specialties_text FROM lawyer")).one()
            assert json.loads(specs) == ["labour_social_security", "other"] and json.loads(texts) == ["税务"]
            rows = {i: (cat, text) for i, cat, text in c.execute(sa.text(
                "SELECT id, category, category_text FROM opinion_request"))}
            assert rows == {"R1": ("labour_social_security", None), "R2": ("other", "海事"), "R3": ("", None)}
    finally:
        engine.dispose()
