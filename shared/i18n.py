"""Chinese (简体中文) problem texts for callers that say `Accept-Language: zh-CN` (API.md).

English stays the default. A problem's Chinese `detail` is, in order: the `detail_zh` its raiser
gave, the text for its `code` below, the text for its status. A per-field message in `errors` is
the item's own `message_zh`, else the text for its pydantic error type.
"""
from __future__ import annotations

from typing import Any

ZH = "zh-CN"

# Generic Chinese detail per stable problem code (API.md codes and the services' own).
ZH_DETAILS: dict[str, str] = {
    "bad_request": "请求无效。",
    "unauthorized": "需要有效的访问令牌，请重新登录。",
    "invalid_token": "访问令牌无效，请重新登录。",
    "token_expired": "访问令牌已过期，请重新登录。",
    "forbidden": "无权执行此操作。",
    "not_found": "未找到该资源。",
    "method_not_allowed": "不支持该请求方法。",
    "not_acceptable": "无法提供所要求的格式。",
    "payload_too_large": "请求体过大。",
    "unsupported_media_type": "不支持的请求体格式。",
    "validation_error": "请求内容有误。",
    "invalid_json": "请求体不是有效的 JSON。",
    "rate_limited": "请求过于频繁，请稍后再试。",
    "internal_error": "服务器处理请求时出错，已记录。",
    "service_unavailable": "服务暂时不可用，请稍后再试。",
    "gateway_timeout": "服务响应超时，请稍后再试。",
    "bad_gateway": "上游服务返回了无效的应答。",
    "not_ready": "依赖的服务暂不可用。",
    "conflict": "与当前状态冲突。",
    "invalid_idempotency_key": "Idempotency-Key 格式不正确。",
    "idempotency_key_reused": "该 Idempotency-Key 已用于内容不同的请求。",
    "idempotency_in_progress": "使用该 Idempotency-Key 的请求正在处理中，请稍后再试。",
    "write_conflict": "数据正被同时修改，请重试。",
    # mediation (调解)
    "slot_conflict": "该时段已被占用（含间隔时间）。",
    "mediator_recused": "调解员须回避。",
    "outside_working_hours": "所选时间不在工作时间内。",
    "insufficient_notice": "预约时间过近，请提前预约。",
    "beyond_horizon": "预约时间超出可预约范围。",
    "unknown_room": "调解室不存在。",
    "unknown_mediator": "调解员不存在。",
    "language_unavailable": "所选调解员均不使用该语言。",
    "invalid_status": "调解当前的状态不允许此操作。",
    "already_rated": "该当事人已评价过本次调解。",
    "user_taken": "该登录账号已关联其他人员。",
    # lawyers (律师)
    "not_assigned": "该请求未指派给律师。",
    "already_answered": "该请求已答复。",
    "conflict_of_interest": "律师与当事人存在利益冲突。",
    "lawyer_unavailable": "律师当前无法承接。",
    "over_cap": "律师未结请求已达上限。",
    "already_decided": "该审查已作出决定。",
    "already_re_examined": "该案件已复查过。",
    "roster_exists": "该期间已有值班表；如需重新生成请传 replace=true。",
    "invalid_swap": "无法调换这两个班次。",
    "already_on_duty": "律师当日已有值班。",
    "no_lawyer_available": "没有可参加本次接访的公职律师。",
    "license_no_taken": "该执业证号已在名册中。",
    "contract_overlap": "合同期间与已有合同重叠。",
    "conflict_not_waivable": "此类利益冲突不可豁免。",
    "fee_out_of_range": "金额超出规定范围。",
    # gateway (网关)
    "webhook_url_refused": "不接受该回调地址。",
    "webhook_disabled": "该回调已停用。",
}

ZH_BY_STATUS: dict[int, str] = {400: "请求无效。", 401: ZH_DETAILS["unauthorized"], 403: ZH_DETAILS["forbidden"],
                                404: ZH_DETAILS["not_found"], 409: "与当前状态冲突。", 422: "请求内容有误。",
                                429: ZH_DETAILS["rate_limited"], 500: ZH_DETAILS["internal_error"],
                                502: ZH_DETAILS["bad_gateway"], 503: ZH_DETAILS["service_unavailable"],
                                504: ZH_DETAILS["gateway_timeout"]}

_DATE = "日期格式不正确，应为 YYYY-MM-DD"
_INSTANT = "时间格式不正确，应为带时区偏移的 RFC 3339 时间（如 2026-12-01T09:30:00+08:00）"
# Per-field messages by pydantic error type; `{x}` is filled from the error's ctx.
ZH_FIELD: dict[str, str] = {
    "missing": "必填",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "greater_than": "必须大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "必须小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "multiple_of": "必须是 {multiple_of} 的倍数",
    "int_parsing": "必须是整数", "int_type": "必须是整数", "int_from_float": "必须是整数",
    "float_parsing": "必须是数字", "float_type": "必须是数字", "decimal_parsing": "必须是数字",
    "decimal_type": "必须是数字", "finite_number": "必须是有限的数字",
    "bool_parsing": "必须是 true 或 false", "bool_type": "必须是 true 或 false",
    "string_type": "必须是字符串", "string_pattern_mismatch": "格式不正确",
    "list_type": "必须是列表", "dict_type": "必须是对象", "model_type": "必须是对象",
    "model_attributes_type": "必须是对象",
    "extra_forbidden": "不允许的字段",
    "enum": "必须是以下之一：{expected}", "literal_error": "必须是以下之一：{expected}",
    "date_parsing": _DATE, "date_type": _DATE, "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "datetime_parsing": _INSTANT, "datetime_type": _INSTANT, "datetime_from_date_parsing": _INSTANT,
    "datetime_object_invalid": _INSTANT,
    "timezone_aware": "时间须带时区偏移（如 +08:00）",
    "time_parsing": "时间格式不正确，应为 HH:MM", "time_type": "时间格式不正确，应为 HH:MM",
    "date_out_of_range": "日期须在 {min_year}–{max_year} 年之间",
    "datetime_out_of_range": "时间须在 {min_year}–{max_year} 年之间",
    "uuid_parsing": "格式不正确", "url_parsing": "网址格式不正确", "url_scheme": "网址格式不正确",
    "url_type": "网址格式不正确",
    "json_invalid": "不是有效的 JSON",
}


def wants_zh(accept_language: str | bytes | None) -> bool:
    """Whether `Accept-Language` prefers Chinese: its highest-weighted language is `zh` (any region)."""
    if not accept_language:
        return False
    if isinstance(accept_language, bytes):
        accept_language = accept_language.decode("latin-1")
    best, best_q = "", -1.0
    for part in accept_language.split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        if tag and q > best_q:
            best, best_q = tag.strip().lower(), q
    return best_q > 0 and (best == "zh" or best.startswith("zh-"))


def zh_detail(code: str, status: int) -> str:
    return ZH_DETAILS.get(code) or ZH_BY_STATUS.get(status) or "请求未能完成。"


def zh_field_message(type_: str, ctx: dict[str, Any] | None, message: str) -> str:
    """The Chinese message of one field error (pydantic `type` and `ctx`; the English `message`)."""
    template = ZH_FIELD.get(type_)
    if template is None:
        return f"取值无效（{message}）" if message else "取值无效"
    values = {k: str(v).replace(" or ", "、") for k, v in (ctx or {}).items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return "取值无效"


def localize_errors(items: Any, zh: bool) -> Any:
    """`errors` as answered: for zh each item's `message_zh` (else its type's text) replaces `message`.

    `message_zh` itself is never answered.
    """
    if not isinstance(items, list):
        return items
    out = []
    for item in items:
        if isinstance(item, dict):
            item = dict(item)
            zh_message = item.pop("message_zh", None)
            if zh:
                item["message"] = zh_message or zh_field_message(str(item.get("type", "")), None,
                                                                 str(item.get("message", "")))
        out.append(item)
    return out
