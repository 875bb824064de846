"""Complaints that arrive by mail (issue 12, R8.1): the inbound Maildir, polled each tick.

`settings.complaint_maildir` names a local Maildir the mail server delivers into ("" =
no mail intake). Each message in its inbox is read (`inbound_mail.py`), filed as a
complaint on the email channel with the sender's address and the order or RMA it names,
then moved to the `.filed` folder, seen. Filing is exactly once per message: its
Message-ID is claimed as an idempotency key in the same transaction as the complaint, so
a worker that stops between the commit and the move only moves it next time. A message
that cannot be filed (no sender, no words, undecodable, refused by the service) moves to
the `.failed` folder with the reason in a header and in the log; a database that is
down leaves it in the inbox for the next tick. Nothing is deleted before it is copied.
"""

from __future__ import annotations

import hashlib
import logging
import mailbox
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from returnflow.app_context import AppContext
from returnflow.domain.text import DomainError
from returnflow.jobs.inbound_mail import InboundMail, Unreadable, read_message
from returnflow.services.classifying import ComplaintClassifier, LabelledText, Suggestion
from returnflow.services.complaints import ComplaintFiling, ComplaintRules, file_complaint
from returnflow.services.idempotency import KeyTaken
from returnflow.services.unit_of_work import UnitOfWork

log = logging.getLogger("returnflow.complaint_mail")
SCOPE = "complaint-mail"  # idempotency scope of the Message-IDs filed
ACTOR = "mail"
FILED, FAILED = "filed", "failed"  # the Maildir++ folders beside the inbox


@dataclass(frozen=True)
class MailReport:
    filed: int = 0  # new complaints
    already: int = 0  # filed before (a restart between commit and move): only moved now
    failed: int = 0  # moved aside with the reason
    left: int = 0  # an unexpected error (the database?): tried again next tick


def poll(context: AppContext, now: datetime, maildir: str | None = None) -> MailReport:
    """File every message waiting in the inbox; a no-op without a configured Maildir."""
    root = context.settings.complaint_maildir if maildir is None else maildir
    if not root:
        return MailReport()
    inbox = mailbox.Maildir(root, factory=None, create=True)
    outcomes = {"filed": 0, "already": 0, "failed": 0, "left": 0}
    for key in sorted(inbox.keys()):
        try:
            raw = inbox.get_bytes(key)
        except KeyError:  # another worker has just moved it
            continue
        outcomes[_take(context, inbox, key, raw, now)] += 1
    report = MailReport(**outcomes)
    if report != MailReport():
        log.info("complaint mail: %s", report)
    return report


def _take(context: AppContext, inbox: mailbox.Maildir, key: str, raw: bytes, now: datetime) -> str:
    try:
        mail = read_message(raw)
    except Unreadable as unreadable:
        _move_aside(inbox, key, raw, unreadable.reason)
        return "failed"
    try:
        filed = _file(context, mail, now)
    except KeyTaken:  # a twin worker is filing it right now
        return "left"
    except DomainError as refused:
        _move_aside(inbox, key, raw, f"refused: {refused.code}: {refused.message.en}")
        return "failed"
    except Exception:
        log.exception("complaint mail %s could not be filed; trying again next tick", key)
        return "left"
    _move(inbox, key, raw, FILED, seen=True)
    return "filed" if filed else "already"


def _file(context: AppContext, mail: InboundMail, now: datetime) -> str | None:
    """The new complaint's number, or None when this message was filed before."""
    # the model reads the subject line with the words ("Charged twice!" says a lot), and
    # runs before the transaction: its first use reads the stored corrections itself
    words = f"{mail.subject}\n{mail.text}" if mail.subject else mail.text
    classifier = Suggested(context.complaint_classifier.suggest(words))
    rules = ComplaintRules.from_settings(context.settings)
    with context.uow() as uow:
        if uow.idempotency.get(SCOPE, mail.key) is not None:
            return None
        digest = hashlib.sha256(f"{mail.sender}\n{mail.subject}\n{mail.text}".encode()).hexdigest()
        uow.idempotency.claim(SCOPE, mail.key, digest, now)
        complaint_no = _file_with_references(uow, mail, now, classifier, rules)
        uow.idempotency.store(SCOPE, mail.key, 201, {"complaint_no": complaint_no})
        uow.commit(now)
    return complaint_no


def _file_with_references(
    uow: UnitOfWork,
    mail: InboundMail,
    now: datetime,
    classifier: ComplaintClassifier,
    rules: ComplaintRules,
) -> str:
    """Filed with the order or RMA the mail names; without them when they are not known
    (a typo, someone else's order): the words still reach an agent, who sees the number."""
    filing = ComplaintFiling(
        channel="email",
        text=mail.text,
        subject=mail.subject,
        contact_email=mail.sender,
        order_no=mail.order_no,
        rma_no=mail.rma_no,
    )
    try:
        return file_complaint(uow, filing, ACTOR, now, classifier, rules).complaint_no
    except DomainError as refused:
        if not (mail.order_no or mail.rma_no):
            raise
        log.info("complaint mail %s: %s; filed without the order", mail.key, refused.code)
    unnamed = ComplaintFiling(
        channel="email", text=mail.text, subject=mail.subject, contact_email=mail.sender
    )
    return file_complaint(uow, unnamed, ACTOR, now, classifier, rules).complaint_no


class Suggested:
    """A classifier that has already made up its mind about this one mail."""

    def __init__(self, suggestion: Suggestion) -> None:
        self.suggestion = suggestion

    def suggest(self, text: str) -> Suggestion:
        return self.suggestion

    def learn(self, corrections: Iterable[LabelledText]) -> None:
        """Learning is the process classifier's (`context.complaint_classifier`)."""


def _move_aside(inbox: mailbox.Maildir, key: str, raw: bytes, reason: str) -> None:
    log.warning("complaint mail %s moved to %s: %s", key, FAILED, reason)
    header = "X-ReturnFlow-Failure: " + " ".join(reason.split())[:400] + "\n"
    _move(inbox, key, header.encode("utf-8") + raw, FAILED, seen=False)


def _move(inbox: mailbox.Maildir, key: str, raw: bytes, folder: str, *, seen: bool) -> None:
    """Copied into the folder first, then out of the inbox: a crash between leaves two."""
    copy = mailbox.MaildirMessage(raw)
    if seen:
        copy.set_subdir("cur")
        copy.add_flag("S")
    inbox.add_folder(folder).add(copy)
    inbox.discard(key)
