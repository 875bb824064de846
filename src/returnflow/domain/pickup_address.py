"""Where the courier collects a return (issue 16): the order's address, or one the customer
typed when choosing a door pickup.

`pickup_address` is the one way a typed address becomes a `PickupAddress`: every part is
trimmed and bounded, a name, a phone, the province and city and the street lines are
required (a district is not: some cities have none), and the phone must be a Chinese
mainland number the courier can call: a mobile (`1[3-9]` and nine digits, "+86" allowed)
or a landline with its area code. A refusal is a `DomainError` naming the field, with one
of four codes: `pickup_address_incomplete`, `pickup_phone_invalid`,
`pickup_address_too_long`, `pickup_address_invalid`.

The address is fixed when the pickup is chosen: the waybill and the carrier's booking are
made out to it within seconds (`services/shipping_carrier.py`). To change it the customer
cancels the pickup (allowed until the courier collects, `Shipment.cancel_pickup`) and
chooses again with the new address, so the carrier always hears of one address per
booking and never of an edit it may have missed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields

from returnflow.domain.access import mask_phone
from returnflow.domain.orders import Address
from returnflow.domain.text import DomainError, Text

# the longest each part may be, in characters (a carrier's waybill fields are about this)
LIMITS = {"name": 30, "phone": 20, "province": 20, "city": 20, "district": 20, "detail": 120}
REQUIRED = ("name", "phone", "province", "city", "detail")
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9][0-9]{9})", re.ASCII)
_LANDLINE = re.compile(r"0[1-9][0-9]{1,2}-?[2-9][0-9]{6,7}", re.ASCII)
_WORDS = {
    "name": Text("联系人", "Name"),
    "phone": Text("联系电话", "Phone number"),
    "province": Text("省份", "Province"),
    "city": Text("城市", "City"),
    "district": Text("区县", "District"),
    "detail": Text("详细地址", "Street address"),
}


@dataclass(frozen=True, slots=True)
class PickupAddress(Address):
    """The address a door pickup comes to; the waybill's sender."""

    @classmethod
    def of(cls, address: Address) -> PickupAddress:
        """The order's delivery address, kept as the pickup address."""
        return cls(**{name: getattr(address, name) for name in PICKUP_FIELDS})

    @property
    def masked(self) -> PickupAddress:
        """R14.1: as shown to staff who may not see contacts in full: the region only."""
        return PickupAddress(self.name, mask_phone(self.phone), self.province, self.city, "", "")


PICKUP_FIELDS = tuple(f.name for f in fields(PickupAddress))


def pickup_address(
    name: str, phone: str, province: str, city: str, district: str, detail: str
) -> PickupAddress:
    """A typed pickup address, cleaned, or a refusal naming the first part that is wrong."""
    typed = dict(
        name=name, phone=phone, province=province, city=city, district=district, detail=detail
    )
    cleaned = {part: _clean(part, value) for part, value in typed.items()}
    for part in REQUIRED:
        if not cleaned[part]:
            raise _refusal(
                "pickup_address_incomplete", part, Text("请填写{what}", "Fill in the {what}")
            )
    cleaned["phone"] = _phone(cleaned["phone"])
    return PickupAddress(**cleaned)


def _clean(part: str, value: str) -> str:
    """Runs of spaces become one space; control characters and over-long text are refused."""
    if len(value) > LIMITS[part] * 4 or any(
        unicodedata.category(c).startswith("C") and not c.isspace() for c in value
    ):
        raise _refusal(
            "pickup_address_invalid",
            part,
            Text("{what}含有无法使用的字符", "The {what} is invalid"),
        )
    text = " ".join(value.split())
    if len(text) > LIMITS[part]:
        raise _refusal(
            "pickup_address_too_long",
            part,
            Text("{what}最多 {n} 个字", "The {what} may be at most {n} characters"),
            n=LIMITS[part],
        )
    return text


def _phone(typed: str) -> str:
    """A mainland mobile as its 11 digits; a landline as typed, spaces taken out."""
    compact = re.sub(r"[\s()（）]", "", typed)
    mobile = _MOBILE.fullmatch(compact.replace("-", ""))
    if mobile:
        return mobile.group(1)
    if _LANDLINE.fullmatch(compact):
        return compact
    raise _refusal(
        "pickup_phone_invalid",
        "phone",
        Text(
            "请填写快递员可拨打的中国大陆手机号（11 位）或带区号的固定电话",
            "Give a mainland China mobile number (11 digits) or a landline with its area code",
        ),
    )


def _refusal(code: str, part: str, message: Text, n: int = 0) -> DomainError:
    what = _WORDS[part]
    return DomainError(
        code,
        Text(message.zh.format(what=what.zh, n=n), message.en.format(what=what.en.lower(), n=n)),
        field=part,
    )
