"""What the platform asks of a new merchant (seed 000 §9.1), in both languages.

The checks a reviewer ticks follow the seed's screening standards (9.1.1: a valid licence,
a sound business without a bad credit record, goods that meet the national standards, an
after-sales system) and what a merchant running its own returns needs besides (brands it
may sell, a reachable after-sales contact, a return address, people and hours). The
merchant after-sales agreement is kept here, one text per version; an applicant accepts
the current one and the application stores which (its version and the digest of its text).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from returnflow.domain.text import Text

# the checks a reviewer ticks before approving; every one must be ticked
CHECKS: dict[str, Text] = {
    "licence_valid": Text(
        "营业执照合法有效，主体信息与申请一致", "Business licence valid, matching the applicant"
    ),
    "credit_clean": Text("经营状况良好，无不良信用记录", "Sound business, no bad credit record"),
    "brand_authorised": Text(
        "品牌授权覆盖所售品牌且在有效期内", "Brand authorisation covers the brands, in date"
    ),
    "quality_standards": Text("所售商品符合国家相关标准", "Goods meet the national standards"),
    "after_sales_reachable": Text(
        "售后电话、邮箱可以联系上", "After-sales phone and email reachable"
    ),
    "return_address": Text(
        "退货地址真实、可收货", "Return address real and able to receive parcels"
    ),
    "capability": Text(
        "售后能力足够（人员、服务时间）", "After-sales capability enough (staff, hours)"
    ),
}

# the steps of an application's timeline
ACTIONS = {
    "submitted": Text("提交申请", "Applied"),
    "review_started": Text("开始审核", "Review started"),
    "check": Text("核对项", "Check"),
    "info_requested": Text("要求补充材料", "Asked for more"),
    "resubmitted": Text("补充并重新提交", "Answered and resubmitted"),
    "document_added": Text("上传材料", "Document uploaded"),
    "approved": Text("审核通过", "Approved"),
    "rejected": Text("审核未通过", "Rejected"),
    "withdrawn": Text("撤回申请", "Withdrawn"),
    "documents_deleted": Text("材料已过保留期删除", "Documents deleted after retention"),
}

# documents: kind → label; the first two are required before approval
DOCUMENT_KINDS: dict[str, Text] = {
    "business_licence": Text("营业执照", "Business licence"),
    "brand_authorisation": Text("品牌授权书", "Brand authorisation"),
    "quality_certificate": Text("质检报告 / 认证证书", "Quality report / certificate"),
    "other": Text("其他材料", "Other document"),
}
REQUIRED_DOCUMENTS = ("business_licence", "brand_authorisation")
MAX_DOCUMENTS = 12  # per application, over all its uploads
MAX_DOCUMENTS_PER_UPLOAD = 4
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DOCUMENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


@dataclass(frozen=True, slots=True)
class Agreement:
    version: str
    title: Text
    body: Text

    @property
    def digest(self) -> str:
        """sha256 of exactly the words accepted, both languages."""
        words = "\n".join((self.title.zh, self.body.zh, self.title.en, self.body.en))
        return hashlib.sha256(words.encode()).hexdigest()


AGREEMENTS: dict[str, Agreement] = {
    "2026-12": Agreement(
        "2026-12",
        Text("商家售后服务协议（2026-12 版）", "Merchant after-sales agreement (version 2026-12)"),
        Text(
            "1. 商家遵守平台退换货基线政策，可提供更优惠的条款，但不得低于基线。\n"
            "2. 商家在平台规定时限内确认、处理退换货申请并反馈结果。\n"
            "3. 商家保持售后电话、邮箱畅通，售后人员在服务时间内响应。\n"
            "4. 质量问题、描述不符、错发的退货运费由商家承担。\n"
            "5. 平台按处理速度、纠纷率、退货率和满意度考核商家，考核不合格的可暂停或终止合作。\n"
            "6. 商家提交的资质材料须真实有效，变更时及时更新。",
            "1. The merchant keeps the platform's baseline return policy and may offer better "
            "terms, never worse.\n"
            "2. The merchant confirms, handles and reports back on return requests within the "
            "platform's deadlines.\n"
            "3. The merchant keeps its after-sales phone and email reachable and answers within "
            "its service hours.\n"
            "4. The merchant pays return shipping for quality faults, not-as-described and "
            "wrong items.\n"
            "5. The platform scores merchants on handling speed, dispute rate, return rate and "
            "satisfaction; a merchant failing them may be suspended or ended.\n"
            "6. The documents the merchant gives are true and valid, and are updated when they "
            "change.",
        ),
    ),
}
CURRENT_AGREEMENT = "2026-12"


def current_agreement() -> Agreement:
    return AGREEMENTS[CURRENT_AGREEMENT]


def check_label(code: str) -> Text:
    return CHECKS.get(code, Text(code, code))


def document_label(kind: str) -> Text:
    return DOCUMENT_KINDS.get(kind, Text(kind, kind))
