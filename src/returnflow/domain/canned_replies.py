"""Canned replies for agents (issue 13): per return reason, in both languages.

Seed 001 ch.3 asks online service for one unified, polite way of speaking, quick and
professional answers. These are the starting points an agent picks on the request
page (the picker fills the text box; the agent edits before sending). Each reason has
at least two, and a few general ones fit any request. `{rma_no}` is filled in.
"""

from __future__ import annotations

from dataclasses import dataclass

from returnflow.domain.kinds import Reason
from returnflow.domain.text import Text

GENERAL = "general"


@dataclass(frozen=True, slots=True)
class CannedReply:
    key: str  # stable: "<reason>.<name>"
    reason: str  # a Reason value, or "general"
    title: Text
    body: Text

    def filled(self, language: str, rma_no: str = "") -> tuple[str, str]:
        """(title, body) in `language`, the request number put in."""
        body = self.body.in_language(language).replace("{rma_no}", rma_no or "-")
        return self.title.in_language(language), body


def _r(reason: str, name: str, title: tuple[str, str], body: tuple[str, str]) -> CannedReply:
    return CannedReply(f"{reason}.{name}", reason, Text(*title), Text(*body))


REPLIES: tuple[CannedReply, ...] = (
    _r(
        GENERAL,
        "received",
        ("已收到留言", "Message received"),
        (
            "您好，您关于退换货 {rma_no} 的留言我们已收到，"
            "客服会在 24 小时内给您答复，感谢您的耐心。",
            "Hello, we have your message about return {rma_no}. Our team will answer within"
            " 24 hours; thank you for your patience.",
        ),
    ),
    _r(
        GENERAL,
        "more_photos",
        ("请补充照片", "Please send more photos"),
        (
            "您好，为了尽快为您处理，请在此留言中补充商品整体及问题部位的清晰照片（最多 4 张）。",
            "Hello, to help you faster, please attach clear photos of the whole item and of the"
            " problem here (up to 4 photos).",
        ),
    ),
    _r(
        GENERAL,
        "closing",
        ("问题已解决", "All sorted"),
        (
            "您好，退换货 {rma_no} 已为您处理完毕。"
            "如还有其他问题，欢迎随时在这里留言，祝您生活愉快！",
            "Hello, return {rma_no} is all sorted. If anything else comes up, just write to us"
            " here. Have a good day!",
        ),
    ),
    _r(
        Reason.NO_REASON,
        "how_to_ship",
        ("寄回说明", "How to send it back"),
        (
            "您好，七天无理由退货需商品保持完好、配件齐全、不影响二次销售。请按退换货页面的地址寄回并填写运单号。",
            "Hello, a no-reason return needs the item unused and complete with all its parts."
            " Please send it to the address on your request page and enter the tracking number.",
        ),
    ),
    _r(
        Reason.NO_REASON,
        "shipping_fee",
        ("运费说明", "Who pays the postage"),
        (
            "您好，七天无理由退货的寄回运费由您承担；如您购买了运费险，理赔会按保险规则退回。",
            "Hello, for a no-reason return the postage back is yours to pay; if you bought"
            " return-shipping insurance, it refunds the postage under its own terms.",
        ),
    ),
    _r(
        Reason.QUALITY,
        "sorry_photos",
        ("质量问题致歉", "Sorry about the fault"),
        (
            "您好，非常抱歉商品出现质量问题给您带来不便。请补充问题部位的照片，我们核实后会尽快为您安排退换。",
            "Hello, we are very sorry the item is faulty. Please add photos of the fault; once"
            " we have checked them we will arrange the return or exchange right away.",
        ),
    ),
    _r(
        Reason.QUALITY,
        "postage_on_us",
        ("运费由商家承担", "Postage is on us"),
        (
            "您好，质量问题的寄回运费由商家承担，您无需垫付；验收通过后我们会按原支付方式为您退款。",
            "Hello, for a quality fault the postage back is on the merchant, you pay nothing;"
            " once the warehouse checks it, we refund you by your original payment method.",
        ),
    ),
    _r(
        Reason.NOT_AS_DESCRIBED,
        "compare",
        ("核实描述差异", "Checking the description"),
        (
            "您好，抱歉商品与描述不符。请告诉我们具体哪一点不一致（颜色、尺寸或功能），并附上照片，我们会与商家核实。",
            "Hello, sorry the item is not as described. Tell us what differs (colour, size or a"
            " feature) and attach a photo; we will check it with the merchant.",
        ),
    ),
    _r(
        Reason.NOT_AS_DESCRIBED,
        "options",
        ("可选方案", "Your options"),
        (
            "您好，经核实商品确与描述不符。您可以选择退货退款或换货，运费由商家承担，请回复您的选择。",
            "Hello, we checked and the item is indeed not as described. You can return it for a"
            " refund or exchange it, postage on the merchant: tell us which you prefer.",
        ),
    ),
    _r(
        Reason.WRONG_ITEM,
        "sorry",
        ("发错货致歉", "Sorry for the wrong item"),
        (
            "您好，非常抱歉给您发错了商品。请保持商品完好寄回，运费由商家承担，正确的商品会尽快为您发出。",
            "Hello, we are very sorry we sent the wrong item. Please send it back unused,"
            " postage on the merchant, and we will ship the right one as soon as possible.",
        ),
    ),
    _r(
        Reason.WRONG_ITEM,
        "label",
        ("请核对商品标签", "Please check the label"),
        (
            "您好，为了尽快核实，请拍一张您收到商品的标签或型号照片发给我们。",
            "Hello, to check quickly, please send us a photo of the label or model number of"
            " the item you received.",
        ),
    ),
    _r(
        Reason.DAMAGED_IN_TRANSIT,
        "photos",
        ("运输破损取证", "Photos of the damage"),
        (
            "您好，抱歉商品在运输中受损。请补充外包装和破损部位的照片，我们会向承运商核实并尽快为您处理。",
            "Hello, sorry the item was damaged on the way. Please add photos of the outer box and"
            " the damage; we will take it up with the carrier and sort it out for you quickly.",
        ),
    ),
    _r(
        Reason.DAMAGED_IN_TRANSIT,
        "keep_box",
        ("请保留包装", "Please keep the box"),
        (
            "您好，请暂时保留原包装和运单，承运商理赔可能需要；您的退款不会因此延误。",
            "Hello, please keep the original box and waybill for now, the carrier's claim may"
            " need them; your refund will not wait for it.",
        ),
    ),
    _r(
        Reason.MISSING_PARTS,
        "which_parts",
        ("确认缺少的配件", "Which parts are missing"),
        (
            "您好，抱歉商品缺少配件。请告诉我们缺少哪些配件，并拍一张已收到的全部物品照片。",
            "Hello, sorry parts are missing. Tell us which ones, and send a photo of everything"
            " you did receive.",
        ),
    ),
    _r(
        Reason.MISSING_PARTS,
        "reissue",
        ("安排补发", "Sending the parts"),
        (
            "您好，缺少的配件已为您安排补发，无需寄回原商品，发出后您会收到物流通知。",
            "Hello, we are sending the missing parts; you do not need to return anything, and"
            " you will get the tracking details once they ship.",
        ),
    ),
    _r(
        Reason.NOT_DELIVERED,
        "tracing",
        ("正在查件", "Tracing the parcel"),
        (
            "您好，抱歉您还未收到商品。我们已联系承运商查件，会在 48 小时内给您答复。",
            "Hello, sorry the parcel has not reached you. We have asked the carrier to trace it"
            " and will answer within 48 hours.",
        ),
    ),
    _r(
        Reason.NOT_DELIVERED,
        "refund",
        ("确认丢件后退款", "Refund for a lost parcel"),
        (
            "您好，承运商已确认包裹丢失，我们会按原支付方式为您全额退款，无需您寄回任何商品。",
            "Hello, the carrier confirmed the parcel is lost. We will refund you in full by your"
            " original payment method; there is nothing to send back.",
        ),
    ),
)


def replies_for(reason: str | None) -> tuple[CannedReply, ...]:
    """The replies for `reason` first, then the general ones; no reason: all of them."""
    if not reason:
        return REPLIES
    own = tuple(r for r in REPLIES if r.reason == reason)
    return own + tuple(r for r in REPLIES if r.reason == GENERAL)


def known_reason(reason: str) -> bool:
    return reason == GENERAL or reason in {r.value for r in Reason}
