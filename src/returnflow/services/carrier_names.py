"""Carriers' display names for pages and reports, from their codes.

A code the process's carrier registry knows is named as that carrier names itself
("simulated" → 演示快递 / Demo carrier); a self-shipped parcel's brand by the brands a
customer may pick ("sf" → 顺丰速运 / SF Express); anything else by its code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from returnflow.domain.text import Text
from returnflow.logistics.carriers import TRACKING_FORMATS, Carrier

UNKNOWN = Text("未知承运商", "Unknown carrier")


def carrier_label(code: str, carriers: Mapping[str, Carrier] | None = None) -> Text:
    """The carrier's name in both languages; its code when nothing knows it."""
    if not code:
        return UNKNOWN
    return known_carrier(code, carriers) or Text(code, code)


def known_carrier(code: str, carriers: Mapping[str, Carrier] | None = None) -> Text | None:
    """The name the registry or the self-ship brands give `code`; None when neither knows it."""
    if carriers is not None and (carrier := carriers.get(code)) is not None:
        return carrier.name
    if (brand := TRACKING_FORMATS.get(code)) is not None:
        return brand.name
    return None


def carrier_labels(codes: Iterable[str], carriers: Mapping[str, Carrier] | None) -> dict[str, Text]:
    """code → name for each code."""
    return {code: carrier_label(code, carriers) for code in set(codes)}
