"""Kuaidi100's tracking states in our words (R4.3–R4.4).

Kuaidi100 gives every waybill a main `state` (0 在途, 1 揽收, 2 疑难, 3 签收, 4 退签,
5 派件, 6 退回, 7 转投, 8/10–13 customs, 14 拒签) and, when asked with `resultv2=4`,
a finer state per scan (`statusCode`: 101 已下单 … 1003 转递, 201 超时未签收 … 210
销单, 301–304, 401, 501). The table below maps both; the alert rules only ever see the
result. Decisions where Kuaidi100's documents leave room:

- 101 已下单 / 102 待揽收 mean "ordered, not collected": no parcel has moved, and our
  statuses have no "label created" state, so such scans are dropped (`None`).
- 6 退回 ("on its way back to the sender") already ends the journey to our warehouse,
  so it is `RETURNED_TO_SENDER` like 4 退签.
- 401 已销单 / 210 销单 (waybill cancelled) and 14 拒签 (refused at the door) are
  exceptions a person must look at, problem `OTHER`.
- Timeouts and a parcel sitting still (201, 202, 205, 208) are `DELAYED`; 209 破损 is
  `DAMAGED`. Kuaidi100 has no "lost" code, so an exception whose text says 丢失 or 遗失
  is `LOST`.
- A code we do not know is taken as `IN_TRANSIT`: it keeps the parcel "moving" without
  closing it or raising an alarm on a guess.
"""

from __future__ import annotations

from returnflow.domain.scans import TrackingProblem, TrackingStatus

TS = TrackingStatus
TP = TrackingProblem

Normalised = tuple[TrackingStatus, TrackingProblem | None]

# Kuaidi100 code → ours; None = not a movement of the parcel (dropped)
STATE_CODES: dict[str, Normalised | None] = {
    # 揽收 accepted
    "1": (TS.ACCEPTED, None),
    "101": None,  # 已下单 ordered
    "102": None,  # 待揽收 waiting for the courier
    "103": (TS.ACCEPTED, None),  # 已揽收
    # 在途 in transit
    "0": (TS.IN_TRANSIT, None),
    "1001": (TS.IN_TRANSIT, None),  # 到达派件城市
    "1002": (TS.IN_TRANSIT, None),  # 干线
    "1003": (TS.IN_TRANSIT, None),  # 转递
    "7": (TS.IN_TRANSIT, None),  # 转投: handed to another carrier
    # customs: 8 清关, 10 待清关, 11 清关中, 12 已清关, 13 清关异常
    "8": (TS.IN_TRANSIT, None),
    "10": (TS.IN_TRANSIT, None),
    "11": (TS.IN_TRANSIT, None),
    "12": (TS.IN_TRANSIT, None),
    "13": (TS.EXCEPTION, TP.OTHER),
    # 派件 out for delivery
    "5": (TS.OUT_FOR_DELIVERY, None),
    "501": (TS.OUT_FOR_DELIVERY, None),  # 投柜或驿站: in a locker, not yet taken
    # 签收 delivered
    "3": (TS.DELIVERED, None),
    "301": (TS.DELIVERED, None),  # 本人签收
    "302": (TS.DELIVERED, None),  # 派件异常后签收
    "303": (TS.DELIVERED, None),  # 代签
    "304": (TS.DELIVERED, None),  # 投柜或站签收
    # back to the sender
    "6": (TS.RETURNED_TO_SENDER, None),  # 退回
    "4": (TS.RETURNED_TO_SENDER, None),  # 退签
    "401": (TS.EXCEPTION, TP.OTHER),  # 已销单
    "14": (TS.EXCEPTION, TP.OTHER),  # 拒签
    # 疑难 problems
    "2": (TS.EXCEPTION, TP.OTHER),
    "201": (TS.EXCEPTION, TP.DELAYED),  # 超时未签收
    "202": (TS.EXCEPTION, TP.DELAYED),  # 超时未更新
    "203": (TS.EXCEPTION, TP.OTHER),  # 拒收
    "204": (TS.EXCEPTION, TP.OTHER),  # 派件异常
    "205": (TS.EXCEPTION, TP.DELAYED),  # 柜或驿站超时未取
    "206": (TS.EXCEPTION, TP.OTHER),  # 无法联系
    "207": (TS.EXCEPTION, TP.OTHER),  # 超区
    "208": (TS.EXCEPTION, TP.DELAYED),  # 滞留
    "209": (TS.EXCEPTION, TP.DAMAGED),  # 破损
    "210": (TS.EXCEPTION, TP.OTHER),  # 销单
}

# with resultv2=1 a scan carries only the state's name; these are the documented names
STATE_NAMES: dict[str, str] = {
    "在途": "0",
    "揽收": "1",
    "疑难": "2",
    "签收": "3",
    "退签": "4",
    "派件": "5",
    "退回": "6",
    "转投": "7",
    "清关": "8",
    "拒签": "14",
    "已下单": "101",
    "待揽收": "102",
    "已揽收": "103",
    "到达派件城市": "1001",
    "干线": "1002",
    "转递": "1003",
    "投柜或驿站": "501",
    "本人签收": "301",
    "派件异常后签收": "302",
    "代签": "303",
    "投柜或站签收": "304",
    "已销单": "401",
    "超时未签收": "201",
    "超时未更新": "202",
    "拒收": "203",
    "派件异常": "204",
    "柜或驿站超时未取": "205",
    "无法联系": "206",
    "超区": "207",
    "滞留": "208",
    "破损": "209",
    "销单": "210",
}

_LOST_WORDS = ("丢失", "遗失")


def normalise_state(code: str, context: str = "") -> Normalised | None:
    """Our status for one Kuaidi100 state code (or name); None for "not moving yet"."""
    code = STATE_NAMES.get(code.strip(), code.strip())
    if code not in STATE_CODES:
        return (TS.IN_TRANSIT, None)
    mapped = STATE_CODES[code]
    if mapped is not None and mapped[0] is TS.EXCEPTION and any(w in context for w in _LOST_WORDS):
        return (TS.EXCEPTION, TP.LOST)
    return mapped
