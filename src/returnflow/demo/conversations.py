"""The demo's conversations on requests (issue 13, R11.1), after the stories.

About one request in twenty gets a thread, at most `LIMIT` (a big demo stays quick):
the customer asks a question about their reason a few hours after filing — now and
then with a photo of the fault, a real picture in the photo store — an agent answers
with the reason's canned reply, the merchant adds its word, and some customers say
thank you. One thread in four is in English. Every message goes through
`conversations.post` at its own moment (never after `now`, nor after the request
ended) in the people's working hours, so the threads obey the same rules as real
ones. Deterministic for a seed.
"""

from __future__ import annotations

import hashlib
import io
import random
from datetime import datetime, timedelta

from PIL import Image, ImageDraw

from returnflow.app_context import AppContext
from returnflow.demo import catalog
from returnflow.demo.timing import AGENT_HOURS, CUSTOMER_HOURS, open_hours
from returnflow.domain.canned_replies import replies_for
from returnflow.domain.conversations import Attachment, Writer
from returnflow.domain.kinds import Reason
from returnflow.domain.lifecycle import FINAL, Status
from returnflow.domain.returns import ReturnRequest
from returnflow.services import conversations
from returnflow.services.conversations import Post
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.photos import PhotoStore

SHARE = 0.05
LIMIT = 150
BATCH = 50  # threads per unit of work
ENGLISH = 0.25
PHOTO_ODDS = 0.5  # of the threads about damage or a fault
PHOTOS_MAX = 12  # pictures written to the photo store in one demo

AGENTS = (
    ("agent:li.na", "李娜"),
    ("agent:zhang.min", "张敏"),
    ("agent:chen.jie", "陈杰"),
    ("agent:wang.fang", "王芳"),
)
MERCHANT_NAMES = {merchant.id: merchant.name for merchant in catalog.MERCHANTS}

# what customers ask, per reason: (Chinese, English)
QUESTIONS: dict[Reason, tuple[str, str]] = {
    Reason.NO_REASON: (
        "请问七天无理由退货，吊牌已经剪了还能退吗？包装盒还在。",
        "Hi, can I still return it if I cut the tag off? I kept the box.",
    ),
    Reason.QUALITY: (
        "才用了两天就出问题了，做工有明显瑕疵。",
        "After two days it already has a fault: the workmanship is clearly poor.",
    ),
    Reason.NOT_AS_DESCRIBED: (
        "实物颜色和详情页差别很大，详情页是浅灰色，收到的是深灰色。",
        "The colour is nothing like the product page: it showed light grey, I got dark grey.",
    ),
    Reason.WRONG_ITEM: (
        "收到的款式和规格跟我下单的不一样，麻烦尽快帮我换成我买的那款。",
        "The model I received is not the one I ordered. Could you swap it quickly, please?",
    ),
    Reason.DAMAGED_IN_TRANSIT: (
        "快递送到时外箱就压扁了，里面的东西也摔坏了。",
        "The box arrived crushed and the item inside is broken.",
    ),
    Reason.MISSING_PARTS: (
        "盒子里少了说明书和一个配件，请问可以补发吗？",
        "The manual and one of the parts are missing from the box. Can you send them?",
    ),
    Reason.NOT_DELIVERED: (
        "物流显示已签收，但我并没有收到包裹，门卫那里也没有。",
        "Tracking says delivered, but I never got the parcel and the front desk has nothing.",
    ),
}
MERCHANT_SAYS = (
    (
        "您好，我们已收到平台通知，会配合尽快处理，给您添麻烦了。",
        "Hello, we have the platform's note and will sort this out quickly. Sorry for the trouble.",
    ),
    (
        "亲，仓库已登记您的申请，收到退货后当天验收，请放心。",
        "Hi, our warehouse has your request and checks returns on the day they arrive.",
    ),
    (
        "抱歉给您带来不便，我们会加强出库检查，感谢您的反馈。",
        "Sorry for the inconvenience. We will check parcels more carefully before they leave.",
    ),
)
PHOTO_NOTE = ("照片请看附件。", " Photo attached.")
THANKS = (
    ("好的，谢谢！", "Great, thank you!"),
    ("收到，辛苦了。", "Got it, thanks for your help."),
)
FAULTS = frozenset({Reason.QUALITY, Reason.NOT_AS_DESCRIBED, Reason.DAMAGED_IN_TRANSIT})


def play(context: AppContext, now: datetime, rng: random.Random, share: float = SHARE) -> int:
    """Threads on a `share` of the requests (not on one that has a thread already); how
    many threads were started."""
    with context.uow() as uow:
        every = uow.journeys.resting_since(list(Status), now + timedelta(seconds=1), 100_000)
    chosen = [rma for rma in sorted(every) if rng.random() < share][:LIMIT]
    photos = Pictures(context.photos)
    written = 0
    for start in range(0, len(chosen), BATCH):
        with context.uow(publish=False) as uow:
            for rma_no in chosen[start : start + BATCH]:
                written += _thread(uow, rma_no, now, random.Random(rng.getrandbits(64)), photos)
            uow.commit(now)
    return written


class Pictures:
    """Photos of a fault, drawn for the demo and kept in the photo store (a few only)."""

    def __init__(self, store: PhotoStore) -> None:
        self.store = store
        self.left = PHOTOS_MAX

    def take(self, rma_no: str, rng: random.Random) -> tuple[Attachment, ...]:
        if self.left <= 0:
            return ()
        self.left -= 1
        data = _picture(rng)
        self.store.check_all([("fault.jpg", data)])
        name = hashlib.sha256(f"demo-conversation:{rma_no}".encode()).hexdigest()[:32] + ".jpg"
        self.store.folder.mkdir(parents=True, exist_ok=True)
        (self.store.folder / name).write_bytes(data)  # named by its request: a rerun overwrites
        return (Attachment(name, hashlib.sha256(data).hexdigest(), len(data)),)


def _picture(rng: random.Random) -> bytes:
    """A parcel on a table with a crack across it, 480×360 JPEG."""
    image = Image.new("RGB", (480, 360), (rng.randint(200, 230),) * 3)
    draw = ImageDraw.Draw(image)
    left, top = rng.randint(60, 120), rng.randint(50, 90)
    draw.rectangle((left, top, left + 280, top + 200), fill=(176, 132, 86), outline=(120, 86, 50))
    draw.rectangle((left + 120, top, left + 160, top + 200), fill=(205, 180, 140))  # the tape
    x, y, crack = left + 40, top + 60, [(left + 40, top + 60)]
    for _ in range(6):
        x, y = x + rng.randint(20, 40), y + rng.randint(-15, 25)
        crack.append((x, y))
    draw.line(crack, fill=(40, 30, 20), width=4)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _thread(
    uow: UnitOfWork, rma_no: str, now: datetime, rng: random.Random, photos: Pictures
) -> int:
    """One request's thread, as far as it got by `now`; 1 when it has a first message."""
    request = uow.returns.get(rma_no)
    if request is None or uow.conversations.count(rma_no):
        return 0
    reason = request.lines[0].reason
    if request.status in FINAL and request.history:  # people talk while it is going on
        now = min(now, request.history[-1].at)
    lang = 1 if rng.random() < ENGLISH else 0
    customer = conversations.customer_writer(request.customer_id)
    at = open_hours(request.created_at + timedelta(hours=rng.uniform(1, 30)), rng, CUSTOMER_HOURS)
    if at > now:
        return 0
    pictures = photos.take(rma_no, rng) if reason in FAULTS and rng.random() < PHOTO_ODDS else ()
    question = QUESTIONS[reason][lang] + (PHOTO_NOTE[lang] if pictures else "")
    _say(uow, request, customer, question, at, now, pictures)
    agent = Writer(*rng.choice(AGENTS), staff=True)
    own = [reply for reply in replies_for(reason.value) if reply.reason == reason.value]
    answer = own[1 if pictures and len(own) > 1 else 0].filled("en" if lang else "zh", rma_no)[1]
    at = open_hours(at + timedelta(minutes=rng.uniform(8, 240)), rng, AGENT_HOURS)
    if not _say(uow, request, agent, answer, at, now):
        return 1
    merchant = Writer(
        f"merchant:{request.merchant_id}",
        MERCHANT_NAMES.get(request.merchant_id, request.merchant_id),
        merchant_scope=request.merchant_id,
    )
    at = open_hours(at + timedelta(hours=rng.uniform(1, 20)), rng, AGENT_HOURS)
    if not _say(uow, request, merchant, rng.choice(MERCHANT_SAYS)[lang], at, now):
        return 1
    if rng.random() < 0.5:
        at = open_hours(at + timedelta(minutes=rng.uniform(5, 180)), rng, CUSTOMER_HOURS)
        _say(uow, request, customer, rng.choice(THANKS)[lang], at, now)
    return 1


def _say(
    uow: UnitOfWork,
    request: ReturnRequest,
    writer: Writer,
    body: str,
    at: datetime,
    now: datetime,
    pictures: tuple[Attachment, ...] = (),
) -> bool:
    """Post one message at `at`; False when that moment has not come yet."""
    if at > now:
        return False
    conversations.post(uow, request.rma_no, Post(body, uploaded=pictures), writer, at)
    return True
