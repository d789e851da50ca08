"""The 法律意见书 as PDF: its text read back (case, question, summary, analysis, legality, channel, basis,
lawyer and firm), the fonts embedded, and the same access rules as the request's JSON."""
from __future__ import annotations

import io
import os
import re

from pypdf import PdfReader

from tests.lawyers.conftest import BASE, OPINION, make_lawyer, make_request


def pdf_text(content: bytes) -> str:
    """Every page's text without its footer (第 N 页 共 M 页), spaces and line breaks removed."""
    pages = [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]
    pages = [re.sub(r"[^\n]*第\s*\d+\s*页\s*共\s*\d+\s*页\s*$", "", p) for p in pages]
    return re.sub(r"\s+", "", "".join(pages))


def font_files(content: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for page in PdfReader(io.BytesIO(content)).pages:
        for f in page["/Resources"].get_object().get("/Font", {}).get_object().values():
            f = f.get_object()
            desc = (f["/DescendantFonts"][0].get_object() if "/DescendantFonts" in f else f).get("/FontDescriptor")
            keys = [k for k in (desc.get_object() if desc else {}) if k in ("/FontFile", "/FontFile2", "/FontFile3")]
            out[str(f["/BaseFont"])] = keys[0] if keys else ""
    return out


def test_opinion_pdf(api, suite):
    lw = make_lawyer(api, name="赵明理", user="lawyer1", firm="明理律师事务所")
    make_lawyer(api, name="钱律师", user="lawyer2", specialties=["tort"])
    r = make_request(api, question="用人单位拖欠工资三个月，劳动者能否解除劳动合同并要求经济补偿？")
    assert r["assignee_id"] == lw["id"]
    url = f"{BASE}/opinion-requests/{r['id']}/opinion.pdf"
    nothing_yet = api("coordinator").get(url)
    assert nothing_yet.status_code == 404 and nothing_yet.json()["code"] == "not_found"
    filed = api("lawyer1").post(f"{BASE}/opinion-requests/{r['id']}/opinion", json=OPINION)
    assert filed.status_code == 201, filed.text

    got = api("coordinator").get(url)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/pdf" and got.content.startswith(b"%PDF-")
    if os.environ.get("DOCUMENTS_OUT"):
        with open(os.path.join(os.environ["DOCUMENTS_OUT"], "opinion.pdf"), "wb") as fh:
            fh.write(got.content)
    text = pdf_text(got.content)
    for words in ("法律意见书", r["case_no"], "区信访局", "咨询事项", "用人单位拖欠工资三个月", "张三", "某某公司",
                  "意见摘要", OPINION["summary"], "法律分析", OPINION["analysis"].rstrip("…"), "基本事实",
                  "申请人于2025年入职", *OPINION["legal_basis"], "诉求是否合法合理：合法合理", "建议处理途径：仲裁",
                  "赵明理", "明理律师事务所", lw["license_no"], "执业证号", "法意字第"):
        assert words in text, words
    fonts = font_files(got.content)
    assert fonts and all(v in ("/FontFile2", "/FontFile3") for v in fonts.values()), fonts

    # The same rules as GET /opinion-requests/{id}: the assignee and overseers see it, others get 404.
    for who, status in (("lawyer1", 200), ("auditor", 200), ("petition-system", 200), ("lawyer2", 404),
                        ("mediator1", 404)):
        json_status = api(who).get(f"{BASE}/opinion-requests/{r['id']}").status_code
        assert json_status == status and api(who).get(url).status_code == status, who
    assert api().get(f"{BASE}/opinion-requests/nope/opinion.pdf").status_code == 404

    # An amendment is a new version: the latest is printed, with its reason.
    amended = dict(OPINION, legality="partly_lawful", recommended_channel="litigation",
                   amendment_reason="补充了仲裁时效的分析")
    assert api("lawyer1").post(f"{BASE}/opinion-requests/{r['id']}/opinion", json=amended).status_code == 201
    text = pdf_text(api().get(url).content)
    assert "部分合法合理" in text and "建议处理途径：诉讼" in text
    assert "第2版" in text and "补充了仲裁时效的分析" in text
