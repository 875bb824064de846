"""The words of training (issue 17): skills, lessons, question prompts and explanations.

Lessons say the rule in plain words; the numbers in them come from the policy engine
at the moment they are read (a live example per lesson), so no text here holds a day
count or an amount. Amounts are placeholders filled in the one money format
(`amount_words.worded`, Babel's format handed in by the service), never written here.
"""

from __future__ import annotations

from returnflow.domain.catalog import ItemFlag
from returnflow.domain.kinds import ShippingPayer
from returnflow.domain.text import Text

CATEGORY_WORDS: dict[str, Text] = {
    "electronics": Text("数码电器", "electronics"),
    "home": Text("家居", "home goods"),
    "apparel": Text("服饰", "apparel"),
    "baby": Text("母婴", "baby goods"),
    "cosmetics": Text("美妆", "cosmetics"),
    "books_media": Text("图书音像", "books and media"),
    "fresh_food": Text("生鲜", "fresh food"),
}

FLAG_WORDS: dict[ItemFlag, Text] = {
    ItemFlag.CUSTOM_MADE: Text("定制商品", "a custom-made item"),
    ItemFlag.SEALED_MEDIA: Text("音像制品（光盘）", "audio-visual media (a disc)"),
    ItemFlag.HYGIENE_SEALED: Text("贴身卫生用品", "a hygiene product"),
    ItemFlag.PERIODICAL: Text("期刊", "a periodical"),
}

PAYER_WORDS: dict[ShippingPayer, Text] = {
    ShippingPayer.CUSTOMER: Text("顾客", "the customer"),
    ShippingPayer.MERCHANT: Text("商家", "the merchant"),
    ShippingPayer.INSURANCE: Text("顾客购买的运费险", "the customer's shipping insurance"),
    ShippingPayer.NONE: Text("无需寄回", "nothing is sent back"),
}

Q: dict[str, Text] = {
    "yes": Text("可以", "Yes"),
    "no": Text("不可以", "No"),
    "opened": Text("已拆封", "opened"),
    "sealed": Text("未拆封", "still sealed"),
    "insured": Text("买了运费险", "bought return-shipping insurance"),
    "uninsured": Text("没有运费险", "has no shipping insurance"),
    "none_of_these": Text("以上都不需要", "None of these"),
    "no_reason_last_day.prompt": Text(
        "一件{category_zh}商品于 {on} 签收，按第 {version} 版政策，"
        "七天无理由退货的最后申请日是哪天？",
        "An item of {category_en} was delivered on {on}. Under policy version {version}, what is "
        "the last day to ask for a no-reason return?",
    ),
    "no_reason_last_day.why": Text(
        "第 {version} 版政策给{category_zh}无理由退货 {days} 天，从签收次日起算："
        "{on} 签收，最后一天是 {last}。",
        "Version {version} gives {category_en} {days} days for a no-reason return, counted "
        "from the day after delivery: delivered {on}, the last day is {last}.",
    ),
    "quality_last_day.prompt": Text(
        "一件{category_zh}商品于 {on} 签收后发现质量问题，按第 {version} 版政策，"
        "申请退货退款的最后一天是哪天？",
        "An item of {category_en} delivered on {on} turns out faulty. Under policy version "
        "{version}, what is the last day to ask for a refund?",
    ),
    "quality_last_day.why": Text(
        "第 {version} 版政策给{category_zh}质量问题退款 {days} 天：{on} 签收，最后一天是 {last}。",
        "Version {version} gives {category_en} {days} days to ask for a refund of a fault: "
        "delivered {on}, the last day is {last}.",
    ),
    "refund_amount.prompt": Text(
        "订单一行：单价 {price} × {quantity} 件，该行优惠 {discount}，运费 {fee}。"
        "顾客以“{reason_zh}”退回 {units} 件。应退多少？",
        "One order line: {quantity} × {price}, a discount of {discount} on the line, "
        "delivery fee {fee}. The customer returns {units} for “{reason_en}”. How much is "
        "refunded?",
    ),
    "refund_amount.why_fee": Text(
        "退回的件数按实付分摊（扣除优惠）为 {goods}；"
        "整单全部退回且非无理由，原运费 {fee} 一并退还，合计 {total}。",
        "The returned units cost {goods} after their share of the discount; the whole "
        "order comes back for a fault, so the delivery fee of {fee} is refunded too: "
        "{total}.",
    ),
    "refund_amount.why_no_fee": Text(
        "退款按实付金额（扣除优惠分摊）计算：{goods}。"
        "原运费只在整单退回且非无理由时退还，本次不退：合计 {total}。",
        "A refund is what was paid for those units after their share of the discount: "
        "{goods}. The delivery fee comes back only when the whole order returns for a "
        "fault, so not here: {total}.",
    ),
    "excluded_goods.prompt": Text(
        "顾客想以七天无理由退回{flag_zh}，商品{state_zh}。可以吗？",
        "A customer wants to return {flag_en} without a reason; it is {state_en}. May they?",
    ),
    "shipping_payer.prompt": Text(
        "顾客以“{reason_zh}”退货，顾客{insurance_zh}。退货运费由谁承担？",
        "A customer returns goods for “{reason_en}” and {insurance_en}. Who pays return shipping?",
    ),
    "shipping_payer.why": Text(
        "质量类原因由商家承担运费；无理由退货由顾客承担，买了运费险则由运费险承担。本题：{payer_zh}。",
        "Faults are the merchant's to ship; a change of mind is the customer's, or their "
        "insurance's if they bought it. Here: {payer_en}.",
    ),
    "inspection_check.prompt": Text(
        "检验一件{category_zh}退货时，下列哪一项在检验清单上？",
        "Inspecting a returned item of {category_en}: which of these is on the checklist?",
    ),
    "inspection_check.why": Text(
        "{category_zh}的检验清单：{list_zh}。",
        "The checklist for {category_en}: {list_en}.",
    ),
}

SKILL_LABELS: dict[str, Text] = {
    "inspection": Text("退货检验", "Inspection"),
    "refund": Text("退款金额与期限", "Refunds"),
    "review": Text("售后审核（七天无理由及例外）", "Reviewing requests"),
    "receiving": Text("收货与运费", "Receiving"),
    "complaints": Text("投诉处理", "Complaint handling"),
}

# (skill, title, the rule in words, the generator whose worked case illustrates it)
LESSONS: tuple[tuple[str, Text, Text, str], ...] = (
    (
        "inspection",
        Text("按品类的检验清单", "The checklist per category"),
        Text(
            "每个品类有自己的检验项目：外观、功能、配件、包装，数码产品核对序列号，母婴、美妆、食品检查卫生封条。逐项标记通过或不通过，再给出等级（A–D）与责任方。",
            "Every category has its own checks: appearance, function, accessories and "
            "packaging; electronics add the serial number, baby goods, cosmetics and food "
            "the hygiene seal. Mark each check, then give a grade (A–D) and who is "
            "responsible.",
        ),
        "inspection_check",
    ),
    (
        "review",
        Text("七天无理由退货的期限", "The no-reason period"),
        Text(
            "无理由退货从签收次日起算，天数由顾客下单时生效的政策版本决定；商家可以更宽松，不能更严格。",
            "A no-reason return is counted from the day after delivery; the number of days "
            "is the policy version in force when the order was placed. Merchants may offer "
            "more, never less.",
        ),
        "no_reason_last_day",
    ),
    (
        "review",
        Text("不适用无理由退货的商品", "Goods excluded from no-reason returns"),
        Text(
            "定制、鲜活易腐、在线下载、报刊一律不适用；音像制品和贴身卫生用品只在拆封后不适用。",
            "Custom-made, perishable, downloaded goods and periodicals are always excluded; "
            "media and hygiene goods only once unsealed.",
        ),
        "excluded_goods",
    ),
    (
        "refund",
        Text("退款金额怎么算", "How a refund is computed"),
        Text(
            "退的是顾客实际支付的金额：单价减去该件分摊的优惠，精确到分；原运费只在整单因质量原因退回时退还。",
            "A refund is what the customer really paid: the unit price less its share of "
            "the discount, to the fen; the delivery fee comes back only when the whole "
            "order returns for a fault.",
        ),
        "refund_amount",
    ),
    (
        "refund",
        Text("质量问题的期限", "The period for faults"),
        Text(
            "质量问题退款与换货的天数按品类不同，生鲜最短。",
            "The days to ask for a refund or exchange of a fault differ by category; fresh "
            "food has the shortest.",
        ),
        "quality_last_day",
    ),
    (
        "receiving",
        Text("退货运费由谁承担", "Who pays return shipping"),
        Text(
            "质量、错发等原因由商家承担；无理由退货由顾客承担，有运费险时由运费险承担。",
            "Faults and wrong items: the merchant pays; a change of mind: the customer, or "
            "their shipping insurance.",
        ),
        "shipping_payer",
    ),
    (
        "complaints",
        Text("投诉中的政策答复", "Answering complaints with the policy"),
        Text(
            "回答投诉前先查政策：期限、例外、运费归属都以规则引擎为准，不凭记忆答复。",
            "Before answering a complaint, check the rule: periods, exclusions and who pays "
            "shipping come from the policy engine, never from memory.",
        ),
        "shipping_payer",
    ),
)
