"""How customers of each category return things: how often, why, in their own words.

The generator draws a scenario per request (`demo/returns_plan.py`); the automated
review, not the scenario, decides what happens to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from returnflow.domain.kinds import Reason, RequestType


@dataclass(frozen=True, slots=True)
class Scenario:
    """One kind of after-sales request, with the words customers use for it."""

    weight: int
    request_type: RequestType
    reason: Reason
    texts: tuple[str, ...]


R = RequestType
Why = Reason

# Share of delivered orders that see a request (serial returners return far more).
RETURN_RATES: dict[str, float] = {
    "apparel": 0.25,
    "electronics": 0.11,
    "baby": 0.10,
    "home": 0.09,
    "cosmetics": 0.07,
    "books_media": 0.05,
    "food": 0.04,
    "fresh_food": 0.05,
}

SCENARIOS: dict[str, tuple[Scenario, ...]] = {
    "apparel": (
        Scenario(
            40,
            R.REFUND,
            Why.NO_REASON,
            (
                "尺码偏小，穿着太紧",
                "尺码偏大",
                "上身效果不好",
                "颜色和图片有差异，不喜欢",
                "买多了，不需要了",
            ),
        ),
        Scenario(20, R.EXCHANGE, Why.NO_REASON, ("换大一码", "换小一码", "想换个颜色")),
        Scenario(10, R.REFUND, Why.QUALITY, ("衣服开线", "洗一次就起球", "拉链坏了", "有明显污渍")),
        Scenario(8, R.EXCHANGE, Why.QUALITY, ("袖口开线，换一件新的", "纽扣脱落")),
        Scenario(
            10,
            R.REFUND,
            Why.NOT_AS_DESCRIBED,
            ("色差严重", "面料和描述不符，不是纯棉", "实物比图片薄很多"),
        ),
        Scenario(6, R.EXCHANGE, Why.WRONG_ITEM, ("发错尺码了，下单M码收到L码", "颜色发错了")),
        Scenario(
            3,
            R.REFUND_ONLY,
            Why.NOT_AS_DESCRIBED,
            ("吊牌价格与页面不符", "衣服有轻微瑕疵，协商部分退款不退货"),
        ),
    ),
    "electronics": (
        Scenario(
            25,
            R.REFUND,
            Why.QUALITY,
            ("无法开机", "充不进电", "蓝牙频繁断连", "屏幕有坏点", "一只耳机没声音"),
        ),
        Scenario(
            14, R.EXCHANGE, Why.QUALITY, ("右耳有电流声，换新", "开机黑屏，要求换新", "按键失灵")
        ),
        Scenario(
            12,
            R.REPAIR,
            Why.QUALITY,
            ("使用一段时间后无法充电", "屏幕闪烁", "电池续航明显下降", "摄像头无法对焦"),
        ),
        Scenario(22, R.REFUND, Why.NO_REASON, ("买重复了", "不太适合我，未激活", "比较后不想要了")),
        Scenario(
            10,
            R.REISSUE,
            Why.MISSING_PARTS,
            ("包装里缺少充电线", "少了一只耳塞套", "缺少说明书和保修卡"),
        ),
        Scenario(
            8, R.REFUND, Why.NOT_AS_DESCRIBED, ("实际容量与宣传不符", "不支持页面写的快充协议")
        ),
        Scenario(6, R.REFUND, Why.DAMAGED_IN_TRANSIT, ("外包装压坏，机身有划痕", "收到时屏幕已碎")),
        Scenario(3, R.EXCHANGE, Why.WRONG_ITEM, ("发错颜色", "发成了旧款")),
    ),
    "baby": (
        Scenario(
            25, R.REFUND, Why.QUALITY, ("奶瓶有裂纹", "奶嘴漏奶", "产品有异味", "推车轮子异响")
        ),
        Scenario(
            20,
            R.REFUND,
            Why.NOT_AS_DESCRIBED,
            ("不是描述的有机配方", "尺寸和页面标注不一致", "材质不是食品级硅胶"),
        ),
        Scenario(30, R.REFUND, Why.NO_REASON, ("宝宝不喜欢用", "买多了", "尺码买错了")),
        Scenario(8, R.EXCHANGE, Why.NO_REASON, ("换大一码", "换个颜色")),
        Scenario(7, R.EXCHANGE, Why.WRONG_ITEM, ("发错段数了，要3段收到2段", "发错尺码")),
        Scenario(10, R.REISSUE, Why.MISSING_PARTS, ("少了一个奶嘴", "缺少安装螺丝", "少一包湿巾")),
    ),
    "cosmetics": (
        Scenario(35, R.REFUND, Why.NO_REASON, ("买错色号了", "不适合我的肤质", "重复购买了")),
        Scenario(
            22, R.REFUND, Why.QUALITY, ("使用后皮肤过敏发红", "膏体变质有异味", "按压泵头坏了")
        ),
        Scenario(
            15, R.REFUND, Why.NOT_AS_DESCRIBED, ("色号与图片严重不符", "生产日期与页面描述不符")
        ),
        Scenario(
            18, R.REFUND, Why.DAMAGED_IN_TRANSIT, ("收到时瓶子漏液", "玻璃瓶碎了", "眼影盘碎了")
        ),
        Scenario(10, R.EXCHANGE, Why.WRONG_ITEM, ("发错色号", "发成小样了")),
    ),
    "fresh_food": (
        Scenario(
            42,
            R.REFUND_ONLY,
            Why.DAMAGED_IN_TRANSIT,
            ("到货时已压坏", "冰袋融化，海鲜已变质", "包装破损，汁水漏出"),
        ),
        Scenario(
            38,
            R.REFUND_ONLY,
            Why.QUALITY,
            ("有几个已经腐烂", "果子发霉", "螃蟹到货已死", "牛排有异味"),
        ),
        Scenario(8, R.REFUND_ONLY, Why.MISSING_PARTS, ("少发了一盒", "重量不足，称重少了半斤")),
        Scenario(6, R.REFUND, Why.WRONG_ITEM, ("发错品种了", "规格发错，要大果收到小果")),
        Scenario(6, R.REFUND, Why.NO_REASON, ("不想要了", "买多了")),
    ),
    "books_media": (
        Scenario(30, R.REFUND, Why.DAMAGED_IN_TRANSIT, ("书角压坏", "外封皮破损", "唱片封套折痕")),
        Scenario(30, R.REFUND, Why.NO_REASON, ("买重复了", "内容不是想要的", "已经有这本了")),
        Scenario(12, R.EXCHANGE, Why.QUALITY, ("印刷缺页", "装订错乱，有倒页", "光盘读不出来")),
        Scenario(15, R.EXCHANGE, Why.WRONG_ITEM, ("发错书了", "发成平装版了")),
        Scenario(8, R.REISSUE, Why.MISSING_PARTS, ("套装少了一册", "缺少附赠的书签和海报")),
        Scenario(5, R.REFUND_ONLY, Why.QUALITY, ("杂志有污损，不值得寄回", "书页受潮发黄")),
    ),
    "home": (
        Scenario(30, R.REFUND, Why.NO_REASON, ("尺寸不合适", "颜色和家里不搭", "买多了")),
        Scenario(22, R.REFUND, Why.QUALITY, ("通电后不工作", "锅底涂层脱落", "有异响", "漏水")),
        Scenario(
            18, R.REFUND, Why.DAMAGED_IN_TRANSIT, ("碗碟碎了两个", "外壳磕碰变形", "玻璃面板碎裂")
        ),
        Scenario(
            10, R.REPAIR, Why.QUALITY, ("用了一个月突然不加热", "扫地机器人无法回充", "电机不转")
        ),
        Scenario(
            10, R.REISSUE, Why.MISSING_PARTS, ("缺少安装螺丝", "少了一个配件", "缺少电源适配器")
        ),
        Scenario(6, R.EXCHANGE, Why.NOT_AS_DESCRIBED, ("实物颜色与图片差异大", "尺寸比描述小")),
        Scenario(4, R.EXCHANGE, Why.WRONG_ITEM, ("发错颜色", "发错型号")),
    ),
    "food": (
        Scenario(22, R.REFUND, Why.NO_REASON, ("不想要了，未拆封", "买多了")),
        Scenario(
            28,
            R.REFUND,
            Why.QUALITY,
            ("包装胀袋", "里面有异物", "口感发苦，疑似变质", "临近保质期"),
        ),
        Scenario(25, R.REFUND, Why.DAMAGED_IN_TRANSIT, ("礼盒压坏", "罐子摔破了", "油桶漏油")),
        Scenario(
            15, R.REFUND_ONLY, Why.QUALITY, ("蛋糕奶油化了", "酸奶到货已胀包", "个别小包装漏气")
        ),
        Scenario(10, R.EXCHANGE, Why.WRONG_ITEM, ("发错口味了", "规格发错")),
    ),
}

# Orders whose parcel never arrived (lost, or stopped in transit at the customer's wish).
NOT_DELIVERED = Scenario(
    1,
    R.REFUND_ONLY,
    Why.NOT_DELIVERED,
    ("物流信息多日未更新", "快递显示已丢件", "发货太慢，已申请拦截", "快递退回了，一直没收到"),
)

# Delivered, says the carrier; not received, says the customer: a person checks (R4.4).
DISPUTED_DELIVERY = Scenario(
    1,
    R.REFUND_ONLY,
    Why.NOT_DELIVERED,
    ("快递显示已签收，但本人没有收到", "快递柜取件时包裹不见了", "驿站说已签收，家人都没收到"),
)

# Orders holding only codes and downloads: nothing to ship back, only money to ask for.
DIGITAL_ONLY = Scenario(
    1,
    R.REFUND_ONLY,
    Why.QUALITY,
    ("兑换码提示已被使用，无法兑换", "下载链接失效", "激活码无效"),
)
