"""The logistics exceptions queue as a page (R4.4): 20 tasks at a time, oldest first.

Each page carries the total, so the page can link to the others, and who carries each
task's parcel by name: "simulated" → 演示快递 / Demo carrier, a parcel the customer sent
with SF Express → 顺丰速运（自行寄回）/ SF Express (self-shipped).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from returnflow.domain.paging import page_count
from returnflow.domain.shipment import MANUAL_CARRIER
from returnflow.domain.shipment_tasks import ExceptionTask
from returnflow.domain.text import Text
from returnflow.logistics.carriers import Carrier
from returnflow.services.carrier_names import carrier_label, known_carrier
from returnflow.services.history_words import actor_label
from returnflow.services.unit_of_work import UnitOfWork

PER_PAGE = 20


@dataclass(frozen=True, slots=True)
class ExceptionsPage:
    tasks: tuple[ExceptionTask, ...]
    total: int  # tasks matching the filter, on every page
    page: int  # 1-based, within 1..pages
    per_page: int
    carried_by: Mapping[int, Text]  # task id → who carries its parcel, by name
    resolved_by: Mapping[int, Text] = field(default_factory=dict)  # task id → who, by name

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)


def exceptions_page(
    uow: UnitOfWork,
    *,
    state: str = "open",
    kind: str | None = None,
    page: int = 1,
    carriers: Mapping[str, Carrier] | None = None,
    per_page: int = PER_PAGE,
) -> ExceptionsPage:
    """One page of the queue; a page past the last shows the last."""
    total = uow.tracking.count_tasks(state=state, kind=kind)
    last = page_count(total, per_page)
    page = min(max(1, page), last)
    offset = (page - 1) * per_page
    tasks = uow.tracking.tasks(state=state, kind=kind, limit=per_page, offset=offset)
    names = {task.id: _carried_by(uow, task, carriers) for task in tasks}
    return ExceptionsPage(tuple(tasks), total, page, per_page, names, _resolvers(uow, tasks))


def _resolvers(uow: UnitOfWork, tasks: list[ExceptionTask]) -> dict[int, Text]:
    """Who resolved each resolved task: role and display name (one query for the page)."""
    done = {task.id: task.resolved_by for task in tasks if task.resolved_by}
    logins = {actor.partition(":")[2] for actor in done.values() if ":" in actor}
    people = uow.accounts.display_names((), logins)
    shown = {key: name for key, name in people.items() if isinstance(key, str)}
    return {task_id: actor_label(actor, shown) for task_id, actor in done.items()}


def _carried_by(
    uow: UnitOfWork, task: ExceptionTask, carriers: Mapping[str, Carrier] | None
) -> Text:
    """The carrier's name; a self-shipped parcel's brand; else the name its parcel carries."""
    if task.carrier != MANUAL_CARRIER and (known := known_carrier(task.carrier, carriers)):
        return known
    parcel = uow.tracking.shipment(task.carrier, task.waybill_no) if task.waybill_no else None
    if parcel is None:
        return carrier_label(task.carrier, carriers)
    if task.carrier == MANUAL_CARRIER and parcel.brand:
        brand = carrier_label(parcel.brand)
        if parcel.brand == "other" and parcel.carrier_name:
            brand = Text(parcel.carrier_name, parcel.carrier_name)
        return Text(f"{brand.zh}（自行寄回）", f"{brand.en} (self-shipped)")
    if parcel.carrier_name:
        return Text(parcel.carrier_name, parcel.carrier_name)
    return carrier_label(task.carrier, carriers)
