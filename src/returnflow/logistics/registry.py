"""Which carriers this installation talks to, built from settings.

Everything that needs a carrier (arranging a return, the tracking webhook, polling)
asks here by code, so adding an adapter means one line below and its settings.
Self-ship (`manual`) and the demo carrier (`simulated`) are always there, so a laptop
without any carrier contract still runs every flow; Kuaidi100 and EasyPost join when
their credentials are set and `carriers_enabled` lists them.
"""

from __future__ import annotations

from returnflow.clock import Clock, utc_now
from returnflow.config import Settings
from returnflow.logistics.carriers import Carrier, ManualCarrier
from returnflow.logistics.easypost import EasyPostCarrier
from returnflow.logistics.kuaidi100 import Kuaidi100Carrier
from returnflow.logistics.simulated import SimulatedCarrier


def carriers_from_settings(settings: Settings, clock: Clock = utc_now) -> dict[str, Carrier]:
    carriers: dict[str, Carrier] = {
        "manual": ManualCarrier(),
        "simulated": SimulatedCarrier(
            clock=clock,
            journey_hours=settings.simulated_journey_hours,
            exception_every=settings.simulated_exception_every,
        ),
    }
    enabled = set(settings.carriers_enabled)
    # without a salt no push could be verified, so the adapter is not built half-trusted
    kuaidi100_ready = all(
        (settings.kuaidi100_customer, settings.kuaidi100_key, settings.kuaidi100_salt)
    )
    if "kuaidi100" in enabled and kuaidi100_ready:
        carriers["kuaidi100"] = Kuaidi100Carrier(
            customer=settings.kuaidi100_customer,
            key=settings.kuaidi100_key,
            secret=settings.kuaidi100_secret,
            salt=settings.kuaidi100_salt,
            callback_url=settings.kuaidi100_callback_url,
            company=settings.kuaidi100_company,
            poll_base_url=settings.kuaidi100_poll_url,
            order_base_url=settings.kuaidi100_order_url,
            timeout=settings.carrier_timeout,
            clock=clock,
        )
    if "easypost" in enabled and settings.easypost_api_key and settings.easypost_webhook_secret:
        carriers["easypost"] = EasyPostCarrier(
            settings.easypost_base_url,
            settings.easypost_api_key,
            settings.easypost_webhook_secret,
            parcel_weight_oz=settings.easypost_parcel_weight_oz,
            timeout=settings.carrier_timeout,
        )
    return carriers
