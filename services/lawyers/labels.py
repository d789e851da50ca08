"""Chinese labels of the lawyers service's codes, as printed on documents and reports."""
from __future__ import annotations

KIND_ZH = {"retained_counsel": "常年法律顾问", "public_lawyer": "公职律师", "studio_lawyer": "复查复核工作室律师"}
LEGALITY_ZH = {"lawful": "合法合理", "partly_lawful": "部分合法合理", "unlawful": "不合法或不合理",
               "undetermined": "尚难认定"}
CHANNEL_ZH = {"litigation": "诉讼", "arbitration": "仲裁", "administrative_reconsideration": "行政复议",
              "petition": "信访渠道办理", "mediation": "调解", "other": "其他途径"}
ROLE_ZH = {"petitioner": "信访人（申请人）", "respondent": "被申请人", "third_party": "第三人"}

# The categories of DOMAIN.md ("Words the outside systems send") and the lawyers' own specialties; a
# stored word that is not a code is printed as it was sent.
CATEGORY_ZH = {
    "labour_social_security": "劳动和社会保障", "urban_construction": "城乡建设", "natural_resources": "自然资源",
    "rural_agriculture": "农村农业", "health": "卫生健康", "law_and_justice": "政法", "civil_affairs": "民政",
    "education_culture": "教育文体", "transport": "交通运输", "environment": "生态环境",
    "market_regulation": "市场监管", "personnel": "组织人事", "discipline": "纪检监察",
    "enterprise_restructuring": "企业改制", "veterans": "退役军人事务", "party_government": "党务政务",
    "other": "其他", "administrative_law": "行政法", "contract": "合同", "tort": "侵权", "criminal": "刑事",
}
UNCATEGORISED = "未分类"


def category_label(code: str | None) -> str:
    if not code:
        return UNCATEGORISED
    return CATEGORY_ZH.get(code, code)
