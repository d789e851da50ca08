"""Chinese words for the API's codes (enum values), shown on every page."""
from __future__ import annotations

from shared.vocabulary import LABELS as VOCABULARY_LABELS

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
LANGUAGE = {"zh": "普通话", "yue": "粤语", "hak": "客家话", "nan": "闽南语", "en": "英语"}
DAY_KIND = {"holiday": "休息日", "workday": "工作日"}
CONFLICT_RESOURCE = {"room": "调解室", "mediator": "调解员", "party": "当事人"}
# Lawyers' specialties: the shared vocabulary's codes and labels (shared/vocabulary.py, DOMAIN.md).
SPECIALTY = dict(VOCABULARY_LABELS["specialty"])

# 案件 / 审计 / 设置 (console screens cases, audit, settings)
INTAKE_STATUS = {"pending": "待安排调解", "scheduled": "已安排调解", "completed": "已办结", "rejected": "不予受理"}
SOURCE = {"gateway": "网关", "mediation": "调解系统", "lawyers": "律师系统"}
EVENT_TYPE = {
    "handoff.requested": "案件移交", "handoff.accepted": "移交已接收", "handoff.rejected": "移交被退回",
    "handoff.completed": "移交已办结", "handoff.expired": "移交已过期",
    "mediation.session.scheduled": "预约调解", "mediation.session.rescheduled": "调解改期",
    "mediation.session.cancelled": "取消调解", "mediation.session.started": "调解开始",
    "mediation.session.concluded": "调解结束", "mediation.session.reminder_due": "发送调解提醒",
    "mediation.agreement.recorded": "记录调解协议", "mediation.followup.due": "回访到期",
    "mediation.judicial_confirmation.closing": "司法确认期限将至", "mediation.legal_opinion.requested": "申请法律意见",
    "mediation.satisfaction.recorded": "记录满意度评价", "mediation.handoff.accepted": "调解受理移交",
    "mediation.handoff.rejected": "调解不予受理", "mediation.handoff.completed": "调解办结",
    "lawyers.opinion.assigned": "法律意见已分派", "lawyers.opinion.unassigned": "法律意见待分派",
    "lawyers.opinion.declined": "律师退回法律意见请求", "lawyers.opinion.filed": "法律意见已提交",
    "lawyers.opinion.due_soon": "法律意见即将到期", "lawyers.opinion.overdue": "法律意见已逾期",
    "lawyers.review.opened": "受理复查复核", "lawyers.review.hearing_scheduled": "安排听证",
    "lawyers.review.decided": "复查复核已决定", "lawyers.review.due_soon": "复查复核即将到期",
    "lawyers.review.overdue": "复查复核已逾期", "lawyers.handoff.accepted": "律师系统接收移交",
    "lawyers.handoff.rejected": "律师系统退回移交", "lawyers.handoff.completed": "律师系统办结移交",
    "lawyers.assist.assigned": "指派协助接访律师", "lawyers.hours.warning": "工时预警",
    "lawyers.duty.generated": "生成值班表", "lawyers.duty.swapped": "调换值班", "calendar.day.set": "调整工作日历",
}
WEBHOOK_STATUS = {"active": "启用", "disabled": "已停用"}
DELIVERY_STATUS = {"pending": "待投递", "succeeded": "成功", "failed": "失败", "cancelled": "已取消"}
AUDIT_OUTCOME = {"success": "成功", "failure": "失败"}

ALL = {
    "role": ROLES, "session_status": SESSION_STATUS, "party_role": PARTY_ROLE, "mediator_kind": MEDIATOR_KIND,
    "lawyer_kind": LAWYER_KIND, "outcome": OUTCOME, "agreement_form": AGREEMENT_FORM, "rating": RATING,
    "legality": LEGALITY, "channel": CHANNEL, "opinion_status": OPINION_STATUS, "review_kind": REVIEW_KIND,
    "handoff_target": HANDOFF_TARGET, "handoff_status": HANDOFF_STATUS, "language": LANGUAGE, "day_kind": DAY_KIND,
    "conflict_resource": CONFLICT_RESOURCE, "specialty": SPECIALTY,
    "intake_status": INTAKE_STATUS, "source": SOURCE, "event_type": EVENT_TYPE, "webhook_status": WEBHOOK_STATUS,
    "delivery_status": DELIVERY_STATUS, "audit_outcome": AUDIT_OUTCOME,
}


# Lawyers' screens (法律意见, 值班表, 接访, 复查复核, 工时).
ASSIGN_MODE = {"auto": "自动分派", "manual": "人工指派", "reassign": "重新分派"}
ASSIGN_REASON = {"kind_not_eligible": "律师类别不承办法律意见", "inactive": "已停用",
                 "outside_contract": "不在合同期内",
                 "on_leave": "请假中", "specialty_mismatch": "专业领域不符", "language_mismatch": "不使用所需语言",
                 "conflict_of_interest": "与当事人存在利益冲突", "declined_before": "曾拒绝承办本请求",
                 "at_cap": "在办请求已达上限", "ranked_lower": "在办请求较多或近期已获分派",
                 "coordinator_choice": "协调员另行指派"}
REVIEW_STATUS = {"open": "办理中", "decided": "已办结"}
RECEPTION_KIND = {"monthly": "定期接访日", "ad_hoc": "专题接访"}
DUTY_PLACE = {"reception_hall": "接待大厅"}
# The shared vocabulary (shared/vocabulary.py): categories and specialties with their Chinese labels.
CATEGORY = {**SPECIALTY, **VOCABULARY_LABELS["category"]}
ALL.update({"assign_mode": ASSIGN_MODE, "assign_reason": ASSIGN_REASON, "review_status": REVIEW_STATUS,
            "reception_kind": RECEPTION_KIND, "duty_place": DUTY_PLACE})
ALL.setdefault("category", CATEGORY)


def label(value, kind: str) -> str:
    """The Chinese word for `value` in vocabulary `kind`; the value itself when unknown."""
    if value is None:
        return ""
    return ALL.get(kind, {}).get(str(value), str(value))
