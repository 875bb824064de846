"""Input-validation messages in both languages, keyed by pydantic's error type.

Pydantic words its errors in English only; a customer reading Chinese gets these.
Unknown types fall back to pydantic's own message.
"""

from __future__ import annotations

from typing import Any

from returnflow.domain.text import Text

_MESSAGES: dict[str, Text] = {
    "missing": Text("必填", "is required"),
    "extra_forbidden": Text("不是可识别的字段", "is not a known field"),
    "string_too_short": Text(
        "至少需要 {min_length} 个字符", "needs at least {min_length} characters"
    ),
    "string_too_long": Text("最多 {max_length} 个字符", "takes at most {max_length} characters"),
    "string_pattern_mismatch": Text("格式不正确", "has the wrong format"),
    "string_type": Text("应为文本", "must be text"),
    "too_short": Text("至少需要 {min_length} 项", "needs at least {min_length} items"),
    "too_long": Text("最多 {max_length} 项", "takes at most {max_length} items"),
    "greater_than_equal": Text("不能小于 {ge}", "must be at least {ge}"),
    "greater_than": Text("必须大于 {gt}", "must be greater than {gt}"),
    "less_than_equal": Text("不能大于 {le}", "must be at most {le}"),
    "int_parsing": Text("应为整数", "must be a whole number"),
    "int_type": Text("应为整数", "must be a whole number"),
    "int_from_float": Text(
        "应为整数（金额以分为单位）", "must be a whole number (amounts are in cents)"
    ),
    "bool_parsing": Text("应为 true 或 false", "must be true or false"),
    "bool_type": Text("应为 true 或 false", "must be true or false"),
    "enum": Text("应为以下之一：{expected}", "must be one of: {expected}"),
    "literal_error": Text("应为以下之一：{expected}", "must be one of: {expected}"),
    "timezone_aware": Text("时间必须带时区", "must carry a time zone"),
    "datetime_parsing": Text("不是有效的时间", "is not a valid date and time"),
    "datetime_from_date_parsing": Text("不是有效的时间", "is not a valid date and time"),
    "datetime_type": Text("不是有效的时间", "is not a valid date and time"),
    "list_type": Text("应为列表", "must be a list"),
    "dict_type": Text("应为对象", "must be an object"),
    "model_type": Text("应为对象", "must be an object"),
    "model_attributes_type": Text("应为对象", "must be an object"),
    "json_invalid": Text("不是有效的 JSON", "is not valid JSON"),
    "value_error": Text("取值无效", "has an invalid value"),
    "order_total_too_large": Text(
        "订单总额 {total} 超过上限 {limit}（分）", "order total {total} exceeds {limit} (fen)"
    ),
}


def validation_text(error: dict[str, Any]) -> Text:
    template = _MESSAGES.get(str(error.get("type", "")))
    if template is None:
        message = str(error.get("msg", ""))
        return Text(message, message)
    context = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    try:
        return template.format(**context)
    except KeyError:
        return Text(
            template.zh.split("{")[0].rstrip("：: "), template.en.split("{")[0].rstrip(": ")
        )
