"""The demo's staff and what they write: agents, warehouse, finance, carriers, notes.

Notes are in Chinese, as the marketplace's staff would write them; the stories in
`demo/stories.py` pick from them.
"""

from __future__ import annotations

from returnflow.domain.kinds import Reason

Why = Reason

AGENTS = ("agent:li.na", "agent:zhang.min", "agent:chen.jie", "agent:wang.fang", "agent:zhao.yu")
WAREHOUSE_STAFF = ("warehouse:zhang.wei", "warehouse:sun.hao", "warehouse:zhou.qiang")
FINANCE_STAFF = ("finance:liu.yang", "finance:he.jing")

# (carrier, waybill prefix, digits after the prefix, relative share)
CARRIERS: tuple[tuple[str, str, int, int], ...] = (
    ("顺丰速运", "SF", 13, 35),
    ("中通快递", "7", 13, 25),
    ("圆通速递", "YT", 13, 20),
    ("京东物流", "JDVA", 11, 20),
)

APPROVAL_NOTES = ("", "审核通过", "照片已核实，同意处理", "已电话联系买家核实，同意处理")

# How often an agent approves what the automated review referred, by the referring rule.
APPROVAL_ODDS: dict[str, float] = {
    "value_above_auto_limit": 0.92,
    "refund_only_review": 0.8,
    "fault_window_passed": 0.6,
    "evidence_missing": 0.55,
    "delivery_disputed": 0.3,
}

# What the customer reads when an agent refuses; the first rule that applies speaks.
REJECTION_NOTES: tuple[tuple[str, str], ...] = (
    ("evidence_missing", "未上传商品照片，无法核实问题。请补充清晰照片后重新提交申请。"),
    ("fault_window_passed", "已超过质量问题退换期限，建议联系商家申请保修服务。"),
    ("refund_only_review", "该商品需寄回验收后方可退款，请改为申请退货退款。"),
    ("value_above_auto_limit", "经核实商品已激活使用，不符合退货条件。"),
    ("delivery_disputed", "物流签收记录完整，如有疑问请联系快递公司核实。"),
)
DEFAULT_REJECTION = "经核实不符合平台退换货规则，如有疑问请联系客服。"

CANCEL_NOTES = (
    "已与商家协商解决，撤销申请",
    "不想退了",
    "商品问题已自行解决",
    "重复申请，撤销这一单",
)

RECEIVE_NOTES = ("", "", "包裹完好", "外包装轻微破损，内件完好", "已扫描运单入库")

# what the inspector writes when the goods pass, by the customer's reason (R5.2)
INSPECTION_PASS_NOTES: dict[Reason, tuple[str, ...]] = {
    Why.NO_REASON: ("外观完好，配件齐全，可二次销售", "吊牌完好，无穿着痕迹", "包装完整，未使用"),
    Why.DAMAGED_IN_TRANSIT: ("确认运输损坏，责任方为承运商", "外箱挤压变形，运输破损属实"),
    Why.WRONG_ITEM: ("核对确为错发，责任方为商家",),
}
FAULT_PASS_NOTES = (
    "确认存在质量问题，责任方为商家",
    "问题属实，同意处理",
    "检测确认故障，责任方为商家",
)

INSPECTION_FAILURES: dict[str, tuple[str, ...]] = {
    "apparel": ("吊牌已剪，衣物有明显穿着痕迹，不符合退货条件", "衣物有香水味和污渍，影响二次销售"),
    "electronics": ("机身有明显磕碰，属人为损坏，不在保修范围", "序列号与出库记录不符"),
    "baby": ("奶瓶已使用，影响二次销售", "商品缺少原包装及配件"),
    "cosmetics": ("商品已开封使用，不符合退货条件", "退回商品批号与出库记录不符"),
    "home": ("商品有明显使用痕迹，缺少原包装", "经检测功能正常，未发现质量问题"),
}
DEFAULT_INSPECTION_FAILURES = ("退回商品缺少原包装及配件", "经检测商品完好，未发现所述问题")
# what the warehouse finds in parcels from customers who return far too often (R10.3)
ABUSE_FINDINGS = (
    "退回包裹为空箱，已拍照留证",
    "退回商品与订单商品不符，疑似调包",
    "退回商品已严重使用",
)

REPAIR_NOTES = (
    "已更换电池，检测正常",
    "已更换主板，整机测试通过",
    "已更换充电模块",
    "已清洁校准，功能恢复",
)
