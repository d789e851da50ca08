"""The words the outside systems send (DOMAIN.md "Words the outside systems send"), in one place.

Categories (信访事项类别), lawyers' specialties and the nature of a dispute each have a code, a Chinese
label and synonyms. Every field that takes one accepts the code, the label or a synonym (Chinese, or
one of the English words the suite used before the vocabulary existed, e.g. `labour`), stores the code
and answers with the code and `<field>_label`.

- An unknown category is not refused: it is stored as `other`, the words as sent are kept in
  `category_text`, and the answer carries a warning (`warnings`).
- Specialties use the category codes plus a few of the lawyers' own (`administrative_law`, `contract`,
  `tort`, `criminal`); a category may name one of those too, so that an opinion request can ask for that
  specialty (requests are matched on the category's code against the specialties). An unknown
  specialty is kept as `other` with its words in `specialties_text`.
- The nature of a dispute (`nature`): `civil`, `administrative`, `litigation_related`. A category that
  names a nature (e.g. "行政争议") also sets the nature when none is given: administrative disputes are
  outside people's mediation (访调对接).

A province with other words changes the tables below, not the code that uses them.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

OTHER = "other"

# code -> (label, synonyms). Order is the order of DOMAIN.md (and of reports).
CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "labour_social_security": ("劳动和社会保障", ("劳动争议", "劳动社保", "欠薪", "工资拖欠", "社保",
                                                  "labour", "labor", "social_security", "wages")),
    "urban_construction": ("城乡建设", ("住房", "物业", "拆迁", "征收补偿", "housing", "demolition")),
    "natural_resources": ("自然资源", ("国土资源", "土地", "林地", "land")),
    "rural_agriculture": ("农村农业", ("土地承包", "村务", "agriculture", "rural")),
    "health": ("卫生健康", ("医疗纠纷", "医患纠纷", "medical")),
    "law_and_justice": ("政法", ("涉法涉诉",)),
    "civil_affairs": ("民政", ("婚姻家庭", "救助", "family", "marriage")),
    "education_culture": ("教育文体", ("education",)),
    "transport": ("交通运输", ("交通事故", "traffic")),
    "environment": ("生态环境", ("环境保护", "噪声", "environmental")),
    "market_regulation": ("市场监管", ("消费纠纷", "商贸", "consumer")),
    "personnel": ("组织人事", ()),
    "discipline": ("纪检监察", ("检举控告",)),
    "enterprise_restructuring": ("企业改制", ("国资监管",)),
    "veterans": ("退役军人事务", ()),
    "party_government": ("党务政务", ()),
    OTHER: ("其他", ("其它",)),
}

# The lawyers' own specialties, beyond the category codes.
SPECIALTY_EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "administrative_law": ("行政法", ("administrative", "行政")),
    "contract": ("合同", ("合同纠纷", "contract_dispute")),
    "tort": ("侵权", ("侵权纠纷",)),
    "criminal": ("刑事", ("刑事辩护",)),
}

NATURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "civil": ("民事纠纷", ("民事",)),
    "administrative": ("行政争议", ("行政纠纷", "行政案件", "administrative_dispute", "administrative_law", "行政法")),
    "litigation_related": ("涉法涉诉", ("litigation",)),
}

UNCATEGORISED = "未分类"


def _key(word: str) -> str:
    """The comparable form: NFKC (full-width letters), case-folded, without spaces."""
    return "".join(unicodedata.normalize("NFKC", word).casefold().split())


def _index(table: dict[str, tuple[str, tuple[str, ...]]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, (label, synonyms) in table.items():
        for w in (code, label, *synonyms):
            out.setdefault(_key(w), code)
    return out


SPECIALTIES = {**CATEGORIES, **SPECIALTY_EXTRAS}
LABELS: dict[str, dict[str, str]] = {
    "category": {c: v[0] for c, v in SPECIALTIES.items()},
    "specialty": {c: v[0] for c, v in SPECIALTIES.items()},
    "nature": {c: v[0] for c, v in NATURES.items()},
}
_CATEGORY_INDEX = _index(SPECIALTIES)
_NATURE_INDEX = _index(NATURES)


@dataclass(frozen=True)
class Term:
    """A word as understood: its code and label; `text` holds the words as sent when they were unknown."""

    code: str
    label: str
    text: str | None = None

    @property
    def known(self) -> bool:
        return self.text is None


def _lookup(index: dict[str, str], word: str) -> str | None:
    k = _key(word)
    if not k:
        return None
    code = index.get(k)
    if code is None and k.endswith("类"):  # "劳动和社会保障类": the provincial system's suffix
        code = index.get(k[:-1])
    return code


def category(word: str | None) -> Term | None:
    """The category for `word` (code, label or synonym); unknown words are `other` with `text`; None if blank."""
    if word is None or not str(word).strip():
        return None
    word = str(word).strip()
    code = _lookup(_CATEGORY_INDEX, word)
    if code is None:
        return Term(OTHER, LABELS["category"][OTHER], word)
    return Term(code, LABELS["category"][code])


def specialty(word: str) -> Term | None:
    """A lawyer's specialty: the same codes as categories plus the lawyers' own."""
    return category(word)


def nature(word: str | None) -> str | None:
    """The nature code for `word`, or None when it names none."""
    if word is None:
        return None
    return _lookup(_NATURE_INDEX, str(word))


def category_code(word: str | None) -> str:
    """The stored form of a category: its code, `other` for unknown words, "" when blank."""
    t = category(word)
    return t.code if t else ""


def label(kind: str, code: str | None) -> str | None:
    """The Chinese label of `code` in vocabulary `kind` (category, specialty, nature); the code when unknown."""
    if code is None:
        return None
    return LABELS[kind].get(code, code)


def category_label(code: str | None) -> str:
    """The label printed on documents and reports; 未分类 for no category."""
    if not code:
        return UNCATEGORISED
    return LABELS["category"].get(code, code)


def specialties(words: list[str]) -> tuple[list[str], list[str]]:
    """A lawyer's specialties as codes (deduplicated, in order) and the unknown words (kept as `other`)."""
    codes: list[str] = []
    unknown: list[str] = []
    for w in words:
        t = specialty(w)
        if t is None:
            continue
        if t.code not in codes:
            codes.append(t.code)
        if t.text is not None and t.text not in unknown:
            unknown.append(t.text)
    return codes, unknown


def unknown_category_warning(text: str, field: str = "category") -> dict[str, Any]:
    return {"code": "unknown_category", "field": field, "value": text, "stored_as": OTHER,
            "message": f"{field}: {text!r} is not a known category; stored as 'other' with the words as sent",
            "message_zh": f"{field}：「{text}」不是已知类别，已按“其他”（other）保存并保留原文"}


def unknown_specialty_warning(texts: list[str]) -> dict[str, Any]:
    words = "、".join(texts)
    return {"code": "unknown_specialty", "field": "specialties", "value": texts, "stored_as": OTHER,
            "message": f"specialties: {', '.join(texts)} not known; stored as 'other' with the words as sent",
            "message_zh": f"specialties：「{words}」不是已知专业领域，已按“其他”（other）保存并保留原文"}


def category_fields(code: str | None, text: str | None, field: str = "category") -> dict[str, Any]:
    """The answer's fields for a stored category: code, `<field>_label`, `<field>_text` and `warnings`."""
    out: dict[str, Any] = {field: code, f"{field}_label": label("category", code) if code else None,
                           f"{field}_text": text or None}
    out["warnings"] = [unknown_category_warning(text, field)] if text else []
    return out


def nature_of(data: dict[str, Any]) -> str | None:
    """The nature of a dispute from a request: `nature`, else a category (or its words) that names one."""
    n = nature(data.get("nature"))
    if n:
        return n
    for k in ("category_text", "category"):
        n = nature(data.get(k))
        if n:
            return n
    return None


def match_key(code: str | None, text: str | None = None) -> str:
    """What an opinion request asks of a lawyer's specialties: "" for nothing in particular (no category,
    or 其他 as sent), the code, or for unknown words `other:<words>` (a lawyer who listed the same words)."""
    if not code or (code == OTHER and not text):
        return ""
    if code == OTHER and text:
        return f"{OTHER}:{_key(text)}"
    return code


def specialty_keys(codes: list[str], texts: list[str] | None = None) -> frozenset[str]:
    """A lawyer's specialties as `match_key` compares them: the codes and `other:<words>` for unknown ones."""
    return frozenset([*(str(c).casefold() for c in codes), *(f"{OTHER}:{_key(t)}" for t in texts or ())])


def choices(kind: str = "category") -> list[dict[str, Any]]:
    """The vocabulary as data (for forms and the API docs): code, label, synonyms."""
    table = {"category": CATEGORIES, "specialty": SPECIALTIES, "nature": NATURES}[kind]
    return [{"code": c, "label": v[0], "synonyms": list(v[1])} for c, v in table.items()]
