"""Which carriers this installation talks to, built from settings.

Everything that needs a carrier (arranging a return, the tracking webhook, polling)
asks here by code, so adding an adapter means one line below and its settings.
"""

from __future__ import annotations

from returnflow.config import Settings
from returnflow.logistics.carriers import Carrier, ManualCarrier


def carriers_from_settings(settings: Settings) -> dict[str, Carrier]:
    carriers: dict[str, Carrier] = {"manual": ManualCarrier()}
    return carriers
