"""Documents: the 调解协议书 and the 调解笔录 as PDF (text read back, fonts embedded, phones masked by role),
and what a written agreement records after it is made: signatures, the 司法确认 application, 回访."""
from __future__ import annotations

import io
import os
import re
from datetime import timedelta

from pypdf import PdfReader

from tests.mediation.mediation_kit import BASE, at, outbox, today, uniq, working_day
from tests.problem_kit import problem

PETITIONER, RESPONDENT = "张三丰", "某某建筑工程有限公司"
TERMS = ["被申请人于履行期限内一次性支付申请人工资人民币叁万陆仟元", "申请人放弃其他请求，双方就本纠纷再无争议"]


def pdf_text(content: bytes) -> str:
    """Every page's text without its footer (第 N 页 共 M 页), spaces and line breaks removed."""
    pages = [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]
    pages = [re.sub(r"[^\n]*第\s*\d+\s*页\s*共\s*\d+\s*页\s*$", "", p) for p in pages]
    return re.sub(r"\s+", "", "".join(pages))


def embedded_fonts(content: bytes) -> dict[str, str]:
    """{font name: FontFile key} for every font used on any page (a font without a file maps to '')."""
    out: dict[str, str] = {}
    for page in PdfReader(io.BytesIO(content)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for f in fonts.get_object().values():
            f = f.get_object()
            desc = (f["/DescendantFonts"][0].get_object() if "/DescendantFonts" in f else f).get("/FontDescriptor")
            keys = [k for k in (desc.get_object() if desc else {}) if k in ("/FontFile", "/FontFile2", "/FontFile3")]
            out[str(f["/BaseFont"])] = keys[0] if keys else ""
    return out


def save_for_eyes(name: str, content: bytes) -> None:
    """DOCUMENTS_OUT=/some/dir keeps the PDFs (to render with pdftoppm and look at)."""
    where = os.environ.get("DOCUMENTS_OUT")
    if where:
        with open(os.path.join(where, name), "wb") as fh:
            fh.write(content)


def concluded_session(api, day, *, form="written", mediator_user=None, **agreement):
    room = api.room(name=uniq("第一调解室"))
    med = api.mediator(name="李调解", user=mediator_user) if mediator_user else api.mediator(name="李调解")
    other = api.mediator(name="王调解")
    s = api.book(room, [med, other], at(day, "09:00"), at(day, "10:30"), notes="双方就拖欠工资数额和支付期限发生争议。",
                 parties=[{"name": PETITIONER, "role": "petitioner", "phone": "13812345678"},
                          {"name": RESPONDENT, "role": "respondent", "phone": "020-87654321"}])
    assert api().post(f"{BASE}/sessions/{s['id']}/check-in").status_code == 200
    body = {"form": form, "terms": TERMS, "performance_due": (today() + timedelta(days=20)).isoformat(),
            "performance_method": "银行转账至申请人账户",
            "facts": "申请人自2025年3月起在被申请人处从事木工工作，被申请人拖欠其工资。",
            "responsibilities": "被申请人未按时足额支付劳动报酬，应承担支付责任。"}
    body.update(agreement)
    r = api().post(f"{BASE}/sessions/{s['id']}/conclude", json={"outcome": "agreement", "agreement": body})
    assert r.status_code == 200, r.text
    return s, room, med


def test_agreement_pdf_with_signatures(suite, api, day):
    s, _room, _med = concluded_session(api, day, mediator_user="mediator1")
    url = f"{BASE}/sessions/{s['id']}/agreement"
    # Signatures: by party name, recorded once each; the agreement is complete when every party has signed.
    r = api().post(f"{url}/signatures", json={"signed_by": [PETITIONER]})
    assert r.status_code == 201, r.text
    assert [p["name"] for p in r.json()["signed_by"]] == [PETITIONER]
    assert r.json()["unsigned"] == [RESPONDENT] and r.json()["all_signed"] is False
    problem(api().post(f"{url}/signatures", json={"signed_by": ["路人甲"]}), 422, "validation_error")
    problem(api().post(f"{url}/signatures", json={"signed_by": []}), 422, "validation_error")
    later = (today() + timedelta(days=1)).isoformat()
    problem(api().post(f"{url}/signatures", json={"signed_by": [RESPONDENT], "signed_on": later}), 422,
            "validation_error")
    r = api("mediator1").post(f"{url}/signatures", json={"signed_by": [RESPONDENT, PETITIONER]})
    assert r.status_code == 201 and r.json()["all_signed"] is True and r.json()["unsigned"] == []
    assert api("auditor").get(f"{url}/signatures").json()["all_signed"] is True
    assert api("auditor").get(url).json()["signed_by"] == [PETITIONER, RESPONDENT]
    assert api("auditor").post(f"{url}/signatures", json={"signed_by": [PETITIONER]}).status_code == 403
    signed = outbox(suite, "mediation.agreement.signed", s["case_no"])
    assert [e["data"]["signed_by"] for e in signed] == [[PETITIONER], [RESPONDENT]]
    assert signed[-1]["data"]["all_signed"] is True

    r = api().get(f"{url}.pdf")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF-")
    save_for_eyes("agreement.pdf", r.content)
    text = pdf_text(r.content)
    for words in ("人民调解协议书", PETITIONER, RESPONDENT, "申请人", "被申请人", *TERMS, "纠纷主要事实", "拖欠其工资",
                  "各方当事人的责任", "应承担支付责任", "履行方式", "银行转账至申请人账户", "司法确认", "第三十三条",
                  "30日内", "李调解", "王调解", "人民调解员", "签名、盖章或按指印",
                  "各方当事人均已签署", "区信访事项人民调解委员会", "（印章）", s["case_no"], "字第"):
        assert words in text, words
    assert "13812345678" in text  # a coordinator sees the phones in full
    fonts = embedded_fonts(r.content)
    assert fonts and all(v in ("/FontFile2", "/FontFile3") for v in fonts.values()), fonts
    assert all("+" in name for name in fonts), fonts  # subset fonts (ABCDEF+Name)
    # The session's own mediator sees the phones; an auditor only masked ones.
    assert "13812345678" in pdf_text(api("mediator1").get(f"{url}.pdf").content)
    audited = pdf_text(api("auditor").get(f"{url}.pdf").content)
    assert "138****5678" in audited and "13812345678" not in audited and PETITIONER in audited
    # The same rules as the JSON: a mediator not on the session gets 404, a lawyer 403.
    api.mediator(user="mediator2")
    problem(api("mediator2").get(f"{url}.pdf"), 404, "not_found")
    problem(api("mediator2").get(f"{BASE}/sessions/{s['id']}/record.pdf"), 404, "not_found")
    problem(api("lawyer1").get(f"{url}.pdf"), 403, "forbidden")
    problem(api().get(f"{BASE}/sessions/nope/agreement.pdf"), 404, "not_found")


def test_agreement_number_counts_the_year(api, day):
    first, _, _ = concluded_session(api, day)
    second, _, _ = concluded_session(api, working_day(1))
    n1 = re.search(r"字第(\d{4})号", pdf_text(api().get(f"{BASE}/sessions/{first['id']}/agreement.pdf").content))
    n2 = re.search(r"字第(\d{4})号", pdf_text(api().get(f"{BASE}/sessions/{second['id']}/agreement.pdf").content))
    assert n1 and n2 and int(n2.group(1)) == int(n1.group(1)) + 1


def test_record_pdf(suite, api, day):
    s, room, _ = concluded_session(api, day)
    r = api().get(f"{BASE}/sessions/{s['id']}/record.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    save_for_eyes("record.pdf", r.content)
    text = pdf_text(r.content)
    for words in ("人民调解笔录", s["case_no"], "调解时间", "调解地点", room["name"], "到场人员", PETITIONER,
                  RESPONDENT,
                  "李调解", "调解经过", "双方就拖欠工资数额和支付期限发生争议", "调解结果", "达成协议", *TERMS, "到场"):
        assert words in text, words
    assert all(v in ("/FontFile2", "/FontFile3") for v in embedded_fonts(r.content).values())
    # A session not yet held prints as the form to fill in; a failed one says which routes were told.
    pending = api.book(api.room(), [api.mediator()], at(day, "14:00"), at(day, "15:00"))
    assert "调解尚未结束" in pdf_text(api().get(f"{BASE}/sessions/{pending['id']}/record.pdf").content)
    r = api().post(f"{BASE}/sessions/{pending['id']}/conclude", json={"outcome": "no_agreement",
                                                                      "routes_told": ["litigation"]})
    assert r.status_code == 200, r.text
    failed = pdf_text(api().get(f"{BASE}/sessions/{pending['id']}/record.pdf").content)
    assert "未达成协议" in failed and "向人民法院提起诉讼" in failed and "第二十六条" in failed
    problem(api().get(f"{BASE}/sessions/{pending['id']}/agreement.pdf"), 404, "not_found")


def test_oral_agreement_is_not_signed(api, day):
    s, _, _ = concluded_session(api, day, form="oral")
    problem(api().post(f"{BASE}/sessions/{s['id']}/agreement/signatures", json={"signed_by": [PETITIONER]}), 409,
            "oral_agreement")
    text = pdf_text(api().get(f"{BASE}/sessions/{s['id']}/agreement.pdf").content)
    assert "口头调解协议登记表" in text and "第三十条" in text and TERMS[0] in text


def test_judicial_confirmation_and_followups(suite, api, day):
    effective = today() - timedelta(days=40)
    s, _, _ = concluded_session(api, day, effective_on=effective.isoformat(),
                                performance_due=(effective + timedelta(days=5)).isoformat())
    url = f"{BASE}/sessions/{s['id']}/agreement"
    a = api().get(url).json()
    problem(api().get(f"{url}/judicial-confirmation"), 404, "not_found")
    too_early = (effective - timedelta(days=1)).isoformat()
    problem(api().post(f"{url}/judicial-confirmation", json={"applied_on": too_early}), 422, "validation_error")
    r = api().post(f"{url}/judicial-confirmation", json={"applied_on": (effective + timedelta(days=10)).isoformat(),
                                                         "court": "某区人民法院"})
    assert r.status_code == 201, r.text
    assert r.json()["within_window"] is True and r.json()["deadline"] == a["judicial_confirmation_deadline"]
    problem(api().post(f"{url}/judicial-confirmation", json={"applied_on": effective.isoformat()}), 409,
            "already_recorded")
    assert api("auditor").get(f"{url}/judicial-confirmation").json()["court"] == "某区人民法院"
    assert "已于" in pdf_text(api().get(f"{url}.pdf").content)
    r = api().post(f"{url}/followups", json={"visited_on": a["followup_on"], "performance": "performed",
                                             "note": "款项已付清"})
    assert r.status_code == 201 and r.json()["on_time"] is True
    problem(api().post(f"{url}/followups", json={"visited_on": a["followup_on"], "performance": "maybe"}), 422,
            "validation_error")
    assert [f["note"] for f in api().get(f"{url}/followups").json()] == ["款项已付清"]
    assert outbox(suite, "mediation.judicial_confirmation.applied", s["case_no"])
    assert outbox(suite, "mediation.followup.recorded", s["case_no"])[0]["data"]["on_time"] is True
