"""One email policy for every message we build, with header classes made once.

`email.policy.default` asks its `HeaderRegistry` for a header's class on every header
set and on every `set_content`, and the registry builds that class anew with `type()`
each time. Building classes is slow and each one is cyclic garbage for the collector, so
a worker mailing hundreds of notices spent about as long making header classes as the
rest of the mail (issue 11: `notice_mail` was over a third of a busy worker's CPU). The
classes depend only on the header's name, so making each one once changes nothing in
the mail.
"""

from __future__ import annotations

from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage


class _MadeOnce(HeaderRegistry):
    """A `HeaderRegistry` that keeps the class it made for each header name."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


MAIL_POLICY = policy.default.clone(header_factory=_MadeOnce())


def new_message() -> EmailMessage:
    """An empty message under `MAIL_POLICY` (what `EmailMessage()` gives, made faster)."""
    return EmailMessage(policy=MAIL_POLICY)
