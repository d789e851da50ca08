"""Chinese labels of the lawyers service's codes, as printed on documents and reports."""
from __future__ import annotations

KIND_ZH = {"retained_counsel": "常年法律顾问", "public_lawyer": "公职律师", "studio_lawyer": "复查复核工作室律师"}
LEGALITY_ZH = {"lawful": "合法合理", "partly_lawful": "部分合法合理", "unlawful": "不合法或不合理",
               "undetermined": "尚难认定"}
CHANNEL_ZH = {"litigation": "诉讼", "arbitration": "仲裁", "administrative_reconsideration": "行政复议",
              "petition": "信访渠道办理", "mediation": "调解", "other": "其他途径"}
ROLE_ZH = {"petitioner": "信访人（申请人）", "respondent": "被申请人", "third_party": "第三人"}

# The categories (and specialties) of DOMAIN.md ("Words the outside systems send"): one shared
# vocabulary, shared/vocabulary.py; a stored word that is not a code is printed as it was sent.
from shared.vocabulary import LABELS, UNCATEGORISED, category_label  # noqa: E402, F401

CATEGORY_ZH = LABELS["category"]
