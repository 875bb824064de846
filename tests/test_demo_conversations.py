"""The demo's conversations (issue 13, demo/conversations.py): requests carry threads in
both languages — the customer's question, the agent's canned answer, the merchant's word —
some with a real photo of the fault, every message in time order and before `now`."""

from __future__ import annotations

import hashlib
import random
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.demo import conversations
from returnflow.demo.generator import generate
from returnflow.domain.canned_replies import REPLIES
from returnflow.domain.conversations import AuthorKind, Message
from returnflow.domain.lifecycle import FINAL, Status
from returnflow.domain.returns import ReturnRequest
from returnflow.storage.scratch import scratch_database

# one worker builds this module's demo once (xdist would build it on both)
pytestmark = pytest.mark.xdist_group("demo_conversations")

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
_HAN = re.compile(r"[\u4e00-\u9fff]")
Threads = dict[str, tuple[ReturnRequest, list[Message]]]


def _threads(context: AppContext) -> Threads:
    with context.uow() as uow:
        every = uow.journeys.resting_since(list(Status), NOW, 100_000)
        found = {}
        for rma_no in sorted(every):
            thread = uow.conversations.thread(rma_no)
            request = uow.returns.get(rma_no)
            if thread and request is not None:
                found[rma_no] = (request, thread)
    return found


Demo = tuple[Threads, Threads, AppContext]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """Threads the demo wrote by itself, then after threads were started everywhere."""
    uploads = tmp_path_factory.mktemp("uploads")
    with scratch_database("sqlite") as url:
        settings = Settings(database_url=url, upload_dir=str(uploads))
        context = AppContext.from_settings(settings)
        try:
            generate(context, orders=1000, seed=7, now=NOW)  # starts its share of threads
            own = _threads(context)
            conversations.play(context, NOW, random.Random(3), share=1.0)  # and the rest
            return own, _threads(context), context
        finally:
            context.engine.dispose()


def test_the_demo_talks_in_both_languages_with_photos(demo: Demo) -> None:
    own, every, context = demo
    assert own and len(own) < len(every) <= conversations.LIMIT
    for rma_no, (_, thread) in own.items():  # a second play adds nothing to a thread
        assert [m.id for m in every[rma_no][1]] == [m.id for m in thread]
    firsts = [thread[0] for _, thread in every.values()]
    assert {m.author.kind for m in firsts} == {AuthorKind.CUSTOMER}
    english = [m for m in firsts if not _HAN.search(m.body)]
    assert english and len(english) < len(firsts) / 2  # one in four, roughly
    answers = {m.body for _, thread in every.values() for m in thread[1:2]}
    canned = {r.filled(lang, rma)[1] for r in REPLIES for lang in ("zh", "en") for rma in every}
    assert answers and answers <= canned
    kinds = {m.author.kind for _, thread in every.values() for m in thread}
    assert kinds == {AuthorKind.CUSTOMER, AuthorKind.AGENT, AuthorKind.MERCHANT}
    pictures = [a for _, thread in every.values() for m in thread for a in m.attachments]
    assert 0 < len(pictures) <= 2 * conversations.PHOTOS_MAX
    for picture in pictures:  # real files in the photo store, hashed as sent
        data = (Path(context.settings.upload_dir) / picture.name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == picture.sha256 and data[:2] == b"\xff\xd8"


def test_every_message_is_in_order_after_filing_and_before_the_end(demo: Demo) -> None:
    _, every, _ = demo
    for request, thread in every.values():
        times = [m.created_at for m in thread]
        assert times == sorted(times) and request.created_at < times[0] and times[-1] <= NOW
        if request.status in FINAL:  # nobody talks on after the request ended
            assert times[-1] <= request.history[-1].at
        merchants = {m.author.actor for m in thread if m.author.kind is AuthorKind.MERCHANT}
        assert merchants <= {f"merchant:{request.merchant_id}"}
