"""Chinese labels of the mediation service's codes, as printed on documents and reports."""
from __future__ import annotations

ROLE_ZH = {"petitioner": "申请人", "respondent": "被申请人", "third_party": "第三人"}
OUTCOME_ZH = {"agreement": "达成协议", "partial_agreement": "达成部分协议", "no_agreement": "未达成协议",
              "no_show": "当事人未到场"}
STATUS_ZH = {"scheduled": "已预约", "in_progress": "进行中", "concluded": "已结束", "cancelled": "已取消"}
FORM_ZH = {"written": "书面协议", "oral": "口头协议"}
RATING_ZH = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}
ROUTE_ZH = {"arbitration": "申请仲裁", "administrative": "申请行政机关处理", "litigation": "向人民法院提起诉讼"}
MEDIATOR_KIND_ZH = {"people_mediator": "人民调解员", "petition_officer": "信访干部"}

# The categories (and specialties) of DOMAIN.md ("Words the outside systems send"): one shared
# vocabulary, shared/vocabulary.py; a stored word that is not a code is printed as it was sent.
from shared.vocabulary import LABELS, category_label  # noqa: E402, F401

CATEGORY_ZH = LABELS["category"]
