"""What the demo's complaining customers, agents and mediators write (issue 12).

The marketplace's customers write Chinese (a few English); each complaint's words carry
the category and urgency a person would give them, so an agent can confirm or correct
the classifier's suggestion. Staff notes are in Chinese, like the rest of the demo
(`catalog_staff.py`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Wording:
    """A complaint's words and the labels a person reading them would give."""

    text: str
    category: str
    urgency: str = "ordinary"
    subject: str = ""  # the mail's subject line, for e-mailed complaints


def _w(text: str, category: str, urgency: str = "ordinary", subject: str = "") -> Wording:
    return Wording(text, category, urgency, subject)


FAULT, LOGISTICS, SERVICE, PAYMENT = (
    "product_quality",
    "logistics",
    "service_attitude",
    "payment_refund",
)
ACCOUNT, OWN_ERROR, ORDER_INFO, OTHER = "account", "customer_error", "order_info_error", "other"
URGENT = "urgent"

# product quality, by the merchant's category: a fault only that kind of goods has
QUALITY: dict[str, tuple[Wording, ...]] = {
    "baby": (
        _w("奶瓶用开水烫过之后瓶身出现裂纹，宝宝每天要用，担心有碎屑，请尽快处理。", FAULT),
        _w("纸尿裤好几片侧边的魔术贴粘不住，宝宝一动就松开，和以前买的不一样。", FAULT),
        _w(
            "宝宝辅食勺的硅胶头掉了一小块，差点被孩子吞下去！这是安全问题，请马上回复！",
            FAULT,
            URGENT,
        ),
    ),
    "electronics": (
        _w("新买的充电宝充电时外壳发烫还鼓起来了，放在床头不敢用，这是安全隐患！", FAULT, URGENT),
        _w("蓝牙耳机右耳经常断连，重置了好几次也没用，才用了一周。", FAULT),
        _w("显示器右下角有一个亮点，开机就有，属于质量问题吧？", FAULT),
    ),
    "cosmetics": (
        _w("面霜用了两天脸上起了很多红疹，又痒又疼，已经去医院了，请给个说法！", FAULT, URGENT),
        _w("口红断在管子里了，才拧出来一次，质量太差。", FAULT),
    ),
    "fresh_food": (
        _w("收到的车厘子有一半是烂的，还有股酸味，根本没法吃。", FAULT),
        _w("榴莲打开里面是生的，硬邦邦的，商家说放几天会熟，已经放了四天了。", FAULT),
    ),
    "apparel": (
        _w("羽绒服洗了一次就跑绒，到处都是毛，穿出去很尴尬。", FAULT),
        _w("运动鞋穿了不到十天鞋底就开胶了，是正品吗？", FAULT),
    ),
    "books_media": (
        _w("书里有二十多页印刷重影，看得眼睛疼，要求换一本。", FAULT),
        _w("收到的光盘有划痕，读不出来。", FAULT),
    ),
    "home": (
        _w("电热水壶底座漏电，手碰到麻了一下，家里有老人小孩，请立即处理！", FAULT, URGENT),
        _w("不粘锅用了三次涂层就开始掉，担心吃进肚子里。", FAULT),
    ),
    "food": (
        _w("坚果礼盒里有一袋已经哈喇味了，生产日期是半年前的。", FAULT),
        _w("饼干里吃出了一根头发，太恶心了，要求商家给个解释。", FAULT),
    ),
}

# the rest, about any order (or none)
GENERAL: dict[str, tuple[Wording, ...]] = {
    LOGISTICS: (
        _w("物流信息三天没更新了，一直显示在中转站，急着用，能帮忙催一下吗？", LOGISTICS),
        _w("快递员没打电话就把包裹放在驿站，还显示本人签收，我根本没收到。", LOGISTICS),
        _w("外箱被压扁了，里面的东西也变形了，快递太暴力。", LOGISTICS),
        _w("说好次日达，结果第五天才送到，礼物都错过生日了。", LOGISTICS),
        _w("包裹显示已签收但家里没人收到，里面是贵重物品，请马上帮我查！", LOGISTICS, URGENT),
    ),
    SERVICE: (
        _w("在线客服回复特别敷衍，问了三遍都是复制粘贴的话术，问题一点没解决。", SERVICE),
        _w("打电话给商家客服，对方态度很差，直接挂我电话。", SERVICE),
        _w("客服答应当天回电，等了两天都没人联系我。", SERVICE),
        _w("商家客服说我是故意找茬，还威胁不给退，这是什么服务态度？", SERVICE),
    ),
    PAYMENT: (
        _w("退款显示已经成功五天了，银行卡还没到账，请帮忙查一下。", PAYMENT),
        _w("同一笔订单被扣了两次款，一共多扣了好几百，请马上退回！", PAYMENT, URGENT),
        _w("退款金额比商品价格少了二十块，没人跟我说过要扣运费。", PAYMENT),
        _w("付款时提示失败，但是钱已经扣了，订单却显示未支付。", PAYMENT, URGENT),
        _w("申请了仅退款，审核通过好几天了，钱一直没退。", PAYMENT),
    ),
    ACCOUNT: (
        _w("账号突然被登录了，收货地址被改成了外地，还下了几单，请立即冻结账号！", ACCOUNT, URGENT),
        _w("换了手机号以后收不到验证码，登录不了账号。", ACCOUNT),
        _w("我的优惠券和积分一夜之间全没了，也没有使用记录。", ACCOUNT),
        _w("账号被提示存在风险限制下单，我什么都没做过。", ACCOUNT),
    ),
    OWN_ERROR: (
        _w("我自己下单时选错了尺码，能不能帮我换成大一号的？", OWN_ERROR),
        _w("收货地址填错了一个字，快递送不到，麻烦帮忙改一下。", OWN_ERROR),
        _w("不小心拍了两件一样的，想退掉一件，但已经发货了。", OWN_ERROR),
        _w("把优惠券用错订单了，能不能退回来重新用？", OWN_ERROR),
    ),
    ORDER_INFO: (
        _w("订单上的规格写的是500克，收到的包装上是400克，和下单信息不符。", ORDER_INFO),
        _w("下单时页面价格是89元，订单里变成了129元，我没改过任何东西。", ORDER_INFO),
        _w("订单详情里的收货人姓名是别人的，我的个人信息是不是泄露了？", ORDER_INFO),
        _w("发票抬头和我填的不一样，公司报销用不了。", ORDER_INFO),
    ),
    OTHER: (
        _w("想问一下你们的会员日活动什么时候开始，之前说的赠品还有吗？", OTHER),
        _w("建议退货页面增加上门取件的时间选择，现在只能选上午。", OTHER),
        _w("商品详情页的图片和实物颜色差别有点大，希望商家改一下图片。", OTHER),
    ),
}

# a few customers write English (expats, cross-border shoppers)
ENGLISH: tuple[Wording, ...] = (
    _w("The blender's lid cracked the first time I used it. Please advise.", FAULT),
    _w("My parcel has been stuck at the sorting centre for four days.", LOGISTICS),
    _w(
        "I was charged twice for the same order and need the extra payment back today.",
        PAYMENT,
        URGENT,
    ),
    _w("I can't log in to my account since I changed my phone number.", ACCOUNT),
    _w("The agent on the phone hung up on me. Very rude.", SERVICE),
    _w("I ordered the wrong size by mistake, can I swap it for a larger one?", OWN_ERROR),
)

# the threats and patterns risk looks at (R8.5): (words, flag, the agent's note)
RISKY: tuple[tuple[Wording, str, str], ...] = (
    (
        _w("不给我全额退款再赔三倍，我就去所有平台刷差评，让你们店开不下去！", SERVICE),
        "suspected_malicious_review",
        "以差评要挟索要高额赔偿，转风控核查",
    ),
    (
        _w("同一件商品我买了十几次都有问题，你们必须每次都给我退款，别问为什么。", FAULT),
        "abnormal_order",
        "该账号近期退货频繁、多个订单收货地址相同，疑似异常订单，转风控",
    ),
    (
        _w("再不处理我就发帖曝光，已经找了几十个人一起去打一星。", SERVICE),
        "suspected_malicious_review",
        "疑似组织恶意差评，转风控",
    ),
)

SUBJECTS: dict[str, str] = {
    FAULT: "商品质量问题投诉",
    LOGISTICS: "物流问题",
    SERVICE: "投诉客服态度",
    PAYMENT: "退款/扣款问题",
    ACCOUNT: "账户问题求助",
    OWN_ERROR: "订单修改请求",
    ORDER_INFO: "订单信息有误",
    OTHER: "咨询与建议",
}

# the agent's first answer and the resolution, by category: general enough for any of
# the category's complaints
RESPONSES: dict[str, tuple[str, ...]] = {
    FAULT: ("您好，非常抱歉给您带来不便，已联系商家核实，请先拍照留存，我们会尽快给您方案。",
        "已收到您的反馈，已为您加急转商家处理，24小时内给您答复。"),
    LOGISTICS: ("您好，已联系承运商核实包裹情况，有结果第一时间通知您。",
        "已为您向快递公司登记投诉并要求加急处理。"),
    SERVICE: ("非常抱歉服务让您不满意，已记录并转服务质量组核查。",),
    PAYMENT: ("您好，已为您查询支付流水，正在与财务核对，请耐心等待。",
        "已核实款项情况，正在为您加急处理。"),
    ACCOUNT: ("已收到，正在为您核实账户信息，请留意短信验证。",
        "已转账户安全组核查，核实期间请勿向他人透露验证码。"),
    OWN_ERROR: ("您好，已联系商家为您处理，请留意短信通知。",),
    ORDER_INFO: ("已核实订单信息，正在与商家确认差异原因。",),
    OTHER: ("感谢您的反馈，已转相关部门。",),
}  # fmt: skip

RESOLUTIONS: dict[str, tuple[str, ...]] = {
    FAULT: ("商家同意退货退款，已为您开通快速退货通道。", "已为您补发新品，原商品无需寄回。",
        "商家已确认质量问题，并给予补偿，问题已解决。"),
    LOGISTICS: ("已联系承运商处理完毕，并为您补偿运费券一张。",
        "快递公司已核实并处理，包裹问题已解决，抱歉给您带来不便。"),
    SERVICE: ("已对相关客服进行培训和处理，并向您致歉，赠送优惠券一张。",),
    PAYMENT: ("款项已核实并原路退回，银行处理需1-3个工作日。",
        "已核实款项并为您处理完毕，请注意查收。"),
    ACCOUNT: ("已核实账户情况并处理完毕，账户已恢复正常。",
        "已协助您完成账户安全验证，问题已解决。"),
    OWN_ERROR: ("已联系商家按您的要求处理完毕。", "已为您办理，请留意短信通知。"),
    ORDER_INFO: ("已核实订单信息并与商家更正，问题已处理。",
        "已按下单时的信息为您处理，差异部分已补偿。"),
    OTHER: ("已答复您的问题，感谢支持。",),
}  # fmt: skip

ESCALATIONS = (
    "问题复杂，升级到主管处理",
    "客户情绪激动，要求主管出面",
    "涉及赔偿金额，需主管审批",
)

REOPEN_REASONS = ("问题还是没解决，商家也没联系我。", "说好的补偿一直没收到。")

# (score, the customer's comment)
RATINGS: tuple[tuple[int, str], ...] = (
    (5, "处理很快，非常满意！"),
    (5, "客服很耐心，点赞。"),
    (4, "问题解决了，就是等得有点久。"),
    (4, ""),
    (3, "一般吧，解决了但过程麻烦。"),
)
POOR_RATINGS: tuple[tuple[int, str], ...] = (
    (2, "拖了好久才有人理我。"),
    (1, "超时不回复，体验很差。"),
    (3, "最后算是解决了，但太慢了。"),
)

# --- appeals and disputes --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Voices:
    """What each side says about one refusal: the customer's appeal, the agent's answer
    either way, the customer's dispute and the merchant's reply."""

    appeal: str
    overturn: str
    uphold: str
    dispute: str
    merchant: str


# by the rule the agent refused under (catalog_staff.REJECTION_NOTES); "policy": the
# automated review refused it (a rule of the policy, e.g. custom-made goods)
VOICES: dict[str, Voices] = {
    "evidence_missing": Voices(
        "清晰的商品照片已经在客服聊天里发过了，瑕疵很明显，不是人为损坏，请重新审核。",
        "补充照片已核实，确认为质量问题，同意处理。",
        "补充的照片仍无法看出质量问题，维持原决定。",
        "照片已经补充了，申诉还是被驳回，请平台介入。",
        "买家照片无法证明商品存在质量问题，商品出库前均经过质检。",
    ),
    "fault_window_passed": Voices(
        "问题在期限内就出现了，当时联系过客服，有聊天记录，请再核实。",
        "聊天记录显示买家在期限内已反映问题，改判同意处理。",
        "已超过质量问题退换期限，维持原决定，建议联系商家申请保修。",
        "问题是在期限内出现的，客服一直拖着才超期，请平台主持公道。",
        "已超过售后期限，可为买家提供保修服务，不同意退款。",
    ),
    "refund_only_review": Voices(
        "商品已经完全坏了，没法寄回，请直接退款。",
        "照片显示商品已无法寄回，同意仅退款。",
        "需寄回验收后方可退款，维持原决定。",
        "商品根本没法寄回，商家却坚持要我先寄回，请平台介入。",
        "未收到退回商品，无法确认问题，不同意仅退款。",
    ),
    "value_above_auto_limit": Voices(
        "我没有激活使用过，包装也都在，拒绝理由不成立。",
        "复核激活记录无误，商品未激活，同意退货。",
        "系统记录显示商品已激活，维持原决定。",
        "我从没激活过这件商品，商家说已激活，请平台核实。",
        "商品激活记录显示买家已使用，不符合退货条件。",
    ),
    "delivery_disputed": Voices(
        "快递签收不是我本人，我根本没收到货，请核实物流记录。",
        "重新核实物流记录，签收人不是买家本人，同意处理。",
        "物流签收记录完整，维持原决定，建议联系快递公司核实。",
        "我没有收到货，商家却坚持说已签收，请平台调查。",
        "物流显示已签收，有签收照片为证，不同意退款。",
    ),
    "policy": Voices(
        "我认为拒绝理由不成立，商品问题是真实存在的，请人工复核。",
        "人工复核后认为可以例外处理，同意退货。",
        "复核后确认不符合平台退换货规则，维持原决定。",
        "申诉被驳回，但我认为应当退款，请平台介入。",
        "商品详情页已注明该商品不支持退货，买家下单前已知情。",
    ),
}

INSPECTION_APPEAL_STATEMENTS = (
    "寄回时商品是完好的，划痕可能是运输途中造成的，我有寄出前拍的照片。",
    "验收说有使用痕迹，但我只是试穿了一下，吊牌都在，请重新验收。",
)
INSPECTION_UPHOLD = "复核验收记录和照片，人为损坏属实，维持原结论。"
INSPECTION_OVERTURN = "复核后确认划痕为运输所致，改判验收通过。"

MERCHANT_DOCUMENTS = (
    "出库质检单：批次QC-2026-1103，外观、功能检测均合格。",
    "聊天记录截图说明：买家曾表示商品可以正常使用。",
)
RULING_FOR_CUSTOMER = "商家未能提供充分证据反驳买家的说法，平台支持买家，由商家承担退款。"
RULING_SPLIT = "双方各有责任：部分退款并另给补偿，费用由商家承担。"
RULING_FOR_MERCHANT = "商家提供的证据充分，买家的主张不成立，维持原决定。"
AGREEMENT = "经调解，双方同意部分退款，商家承担。"
LOST_PARCEL_NOTE = "承运商确认包裹在途中丢失，按不退货直接退款处理，向承运商索赔。"
LOST_REPORT = "快件遗失，承运商已确认 / Parcel lost, confirmed by the carrier"
