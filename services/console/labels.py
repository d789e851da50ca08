"""Chinese words for the API's codes (enum values), shown on every page."""
from __future__ import annotations

ROLES = {"coordinator": "协调员", "mediator": "调解员", "lawyer": "律师", "auditor": "审计员",
         "petition_system": "信访系统", "service": "内部服务"}
SESSION_STATUS = {"scheduled": "已预约", "in_progress": "进行中", "concluded": "已结束", "cancelled": "已取消"}
PARTY_ROLE = {"petitioner": "信访人", "respondent": "被反映人", "third_party": "第三人"}
MEDIATOR_KIND = {"people_mediator": "人民调解员", "petition_officer": "信访干部"}
LAWYER_KIND = {"retained_counsel": "常年法律顾问", "public_lawyer": "公职律师", "studio_lawyer": "复查复核工作室律师"}
OUTCOME = {"agreement": "达成协议", "partial_agreement": "部分达成协议", "no_agreement": "未达成协议",
           "no_show": "当事人未到场"}
AGREEMENT_FORM = {"written": "书面协议", "oral": "口头协议"}
RATING = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}
LEGALITY = {"lawful": "合法", "partly_lawful": "部分合法", "unlawful": "不合法", "undetermined": "无法确定"}
CHANNEL = {"litigation": "诉讼", "arbitration": "仲裁", "administrative_reconsideration": "行政复议",
           "petition": "信访", "mediation": "调解", "other": "其他"}
OPINION_STATUS = {"assigned": "已分派", "unassigned": "待分派", "answered": "已答复", "overdue": "已逾期"}
REVIEW_KIND = {"review": "复查", "re_examination": "复核"}
HANDOFF_TARGET = {"mediation": "调解", "legal_opinion": "法律意见", "review_studio": "复查复核",
                  "reception_assist": "协助接访"}
HANDOFF_STATUS = {"requested": "已移交", "accepted": "已接收", "rejected": "已退回", "completed": "已办结",
                  "expired": "已过期"}
LANGUAGE = {"zh": "普通话", "yue": "粤语"}
DAY_KIND = {"holiday": "休息日", "workday": "工作日"}
CONFLICT_RESOURCE = {"room": "调解室", "mediator": "调解员", "party": "当事人"}
SPECIALTY = {"contract": "合同纠纷", "neighbour_dispute": "邻里纠纷", "property": "物业纠纷", "administrative": "行政争议",
             "labour": "劳动争议", "land": "土地征收", "social_security": "社会保障", "family": "婚姻家庭",
             "other": "其他"}

ALL = {
    "role": ROLES, "session_status": SESSION_STATUS, "party_role": PARTY_ROLE, "mediator_kind": MEDIATOR_KIND,
    "lawyer_kind": LAWYER_KIND, "outcome": OUTCOME, "agreement_form": AGREEMENT_FORM, "rating": RATING,
    "legality": LEGALITY, "channel": CHANNEL, "opinion_status": OPINION_STATUS, "review_kind": REVIEW_KIND,
    "handoff_target": HANDOFF_TARGET, "handoff_status": HANDOFF_STATUS, "language": LANGUAGE, "day_kind": DAY_KIND,
    "conflict_resource": CONFLICT_RESOURCE, "specialty": SPECIALTY,
}


def label(value, kind: str) -> str:
    """The Chinese word for `value` in vocabulary `kind`; the value itself when unknown."""
    if value is None:
        return ""
    return ALL.get(kind, {}).get(str(value), str(value))
