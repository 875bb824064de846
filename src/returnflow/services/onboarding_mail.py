"""The applicant's mail (issue 15): received, more asked, approved, rejected.

Put into the outbox (topic `MAIL_TOPIC`) in the transaction of the step it tells of, so it
leaves if and only if the step was stored; `jobs/onboarding.py` sends it. The words are
made here, in the applicant's language with the other below, so the consumer only sends.
"""

from __future__ import annotations

from datetime import datetime

from returnflow.domain.onboarding import Application
from returnflow.domain.text import Text
from returnflow.services.unit_of_work import UnitOfWork

MAIL_TOPIC = "onboarding.mail"

_SUBJECTS = {
    "submitted": Text("已收到您的入驻申请 {ref}", "We have your application {ref}"),
    "more_info_requested": Text(
        "入驻申请 {ref} 需要补充信息", "Your application {ref}: we need a little more"
    ),
    "approved": Text("入驻申请 {ref} 已通过", "Your application {ref} is approved"),
    "rejected": Text("入驻申请 {ref} 未通过", "Your application {ref} was not approved"),
}
_LINK = Text("您的申请进度链接见第一封邮件。", "Your status link is in our first mail.")
_BODIES = {
    "submitted": Text(
        "感谢您申请入驻。我们会审核您的资质材料，结果将通过邮件通知您。\n"
        "随时查看进度（私人链接，请勿转发）：{url}",
        "Thank you for applying. We will review your documents and mail you the outcome.\n"
        "Follow it at any time (a private link: do not forward it): {url}",
    ),
    "more_info_requested": Text(
        "审核人员的问题：{note}\n请打开申请进度链接回复或补充材料。{url}",
        "The reviewer asks: {note}\nOpen your status link to answer or add documents. {url}",
    ),
    "approved": Text(
        "欢迎入驻！商家账号：{username}。初始密码将由审核人员致电您的售后电话告知。"
        "登录地址：/staff/login {url}",
        "Welcome aboard! Your merchant account: {username}. The reviewer will call your "
        "after-sales number with the first password. Sign in at /staff/login {url}",
    ),
    "rejected": Text(
        "很遗憾，您的申请未通过。原因：{note} {url}",
        "We are sorry: your application was not approved. Reason: {note} {url}",
    ),
}


def put_mail(
    uow: UnitOfWork, application: Application, kind: str, note: str, url: str, now: datetime
) -> None:
    """One mail to the applicant's after-sales address, through the outbox.

    `url` is the status link (only when applying: later the link's secret is not known
    here, only its hash, so the mail points to the first one)."""
    values = {"ref": application.reference, "note": note}
    values["username"] = application.details.username
    subject = _SUBJECTS[kind].format(**values)
    body = _BODIES[kind].format(**values, url="{url}")
    body = Text(
        body.zh.replace("{url}", url or _LINK.zh), body.en.replace("{url}", url or _LINK.en)
    )
    first, second = ("en", "zh") if application.details.language == "en" else ("zh", "en")
    payload = {
        "to": application.details.after_sales_email,
        "subject": f"{subject.in_language(first)} / {subject.in_language(second)}",
        "body": f"{body.in_language(first)}\n\n——\n\n{body.in_language(second)}",
        "reference": application.reference,
        "kind": kind,
        "step": len(application.steps),
    }
    uow.outbox.put(MAIL_TOPIC, payload, now)
