"""The shared vocabulary (DOMAIN.md "Words the outside systems send"): codes, labels, synonyms."""
from __future__ import annotations

import pytest

from shared import vocabulary as v


@pytest.mark.parametrize("word, code", [
    ("labour_social_security", "labour_social_security"),
    ("劳动和社会保障", "labour_social_security"),
    ("劳动争议", "labour_social_security"),
    ("欠薪", "labour_social_security"),
    ("工资拖欠", "labour_social_security"),
    (" 社保 ", "labour_social_security"),
    ("劳动和社会保障类", "labour_social_security"),   # the provincial system's suffix
    ("labour", "labour_social_security"),            # the English word used before the vocabulary
    ("ＬＡＢＯＵＲ", "labour_social_security"),        # full-width letters
    ("住房", "urban_construction"), ("征收补偿", "urban_construction"),
    ("土地", "natural_resources"), ("land", "natural_resources"),
    ("土地承包", "rural_agriculture"), ("医患纠纷", "health"), ("涉法涉诉", "law_and_justice"),
    ("婚姻家庭", "civil_affairs"), ("教育文体", "education_culture"), ("交通事故", "transport"),
    ("噪声", "environment"), ("消费纠纷", "market_regulation"), ("组织人事", "personnel"),
    ("检举控告", "discipline"), ("国资监管", "enterprise_restructuring"), ("退役军人事务", "veterans"),
    ("党务政务", "party_government"), ("其他", "other"), ("other", "other"),
])
def test_categories_by_code_label_and_synonym(word, code):
    t = v.category(word)
    assert t.code == code and t.known and t.text is None
    assert t.label == v.LABELS["category"][code]


def test_every_code_answers_its_own_label():
    for c in v.CATEGORIES:
        assert v.category(c).code == c
        assert v.category(v.CATEGORIES[c][0]).code == c
    assert v.category_label("labour_social_security") == "劳动和社会保障"
    assert v.category_label("") == v.category_label(None) == "未分类"
    assert v.label("category", "health") == "卫生健康"


def test_unknown_category_is_other_with_the_words_as_sent():
    t = v.category("  海事纠纷 ")
    assert (t.code, t.label, t.text, t.known) == ("other", "其他", "海事纠纷", False)
    fields = v.category_fields(t.code, t.text)
    assert fields["category"] == "other" and fields["category_label"] == "其他"
    assert fields["category_text"] == "海事纠纷"
    assert [w["code"] for w in fields["warnings"]] == ["unknown_category"]
    assert "海事纠纷" in fields["warnings"][0]["message_zh"]
    assert v.category_fields("health", None)["warnings"] == []
    assert v.category("") is None and v.category(None) is None and v.category_code("  ") == ""


def test_specialties_are_categories_plus_the_lawyers_own():
    codes, unknown = v.specialties(["劳动争议", "labour", "行政法", "合同", "侵权", "刑事辩护", "税务", "税务"])
    assert codes == ["labour_social_security", "administrative_law", "contract", "tort", "criminal", "other"]
    assert unknown == ["税务"]
    assert v.label("specialty", "criminal") == "刑事"


@pytest.mark.parametrize("word, nature", [
    ("civil", "civil"), ("民事纠纷", "civil"),
    ("administrative", "administrative"), ("行政争议", "administrative"), ("行政纠纷", "administrative"),
    ("行政案件", "administrative"), ("administrative_dispute", "administrative"),
    ("litigation_related", "litigation_related"), ("涉法涉诉", "litigation_related"),
    ("劳动争议", None), ("", None), (None, None),
])
def test_natures(word, nature):
    assert v.nature(word) == nature


def test_nature_of_a_request_from_nature_or_category():
    assert v.nature_of({"nature": "行政案件", "category": "劳动争议"}) == "administrative"
    assert v.nature_of({"category": "行政争议"}) == "administrative"
    assert v.nature_of({"category": "other", "category_text": "行政纠纷"}) == "administrative"
    assert v.nature_of({"category": "劳动争议"}) is None


def test_choices_list_the_vocabulary():
    cats = v.choices("category")
    assert cats[0] == {"code": "labour_social_security", "label": "劳动和社会保障",
                       "synonyms": list(v.CATEGORIES["labour_social_security"][1])}
    assert {c["code"] for c in v.choices("specialty")} >= {"administrative_law", "contract", "tort", "criminal"}
    assert [c["code"] for c in v.choices("nature")] == ["civil", "administrative", "litigation_related"]


def test_the_services_labels_are_the_shared_ones():
    from services.lawyers import labels as lawyer_labels
    from services.mediation import labels as mediation_labels

    assert mediation_labels.CATEGORY_ZH is v.LABELS["category"]
    assert lawyer_labels.CATEGORY_ZH is v.LABELS["category"]
    assert mediation_labels.category_label("transport") == lawyer_labels.category_label("transport") == "交通运输"
