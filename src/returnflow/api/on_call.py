"""The on-call rota over the API (issue 14, R13.1), for managers (`incidents.manage`).

`GET /api/v1/incidents/on-call` answers who is on call now and every shift touching
the next 14 days; `POST` adds a shift (`user_id`, `starts_at`, `ends_at`: times with
their zone; start inclusive, end exclusive; at most 31 days; only accounts that handle
incidents); `DELETE /api/v1/incidents/on-call/{shift_id}` removes one. Included by
api/incidents.py ahead of its `/incidents/{incident_id}` routes.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field
from starlette.responses import Response

from returnflow.api import schemas
from returnflow.api.roles import IncidentManager
from returnflow.domain.on_call import Shift
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import incident_rota
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(tags=["incidents"])


class ShiftOut(BaseModel):
    id: int
    user_id: int
    username: str
    display_name: str
    role: str
    starts_at: datetime
    ends_at: datetime
    created_by: str
    created_at: datetime
    on_call_now: bool


class RotaOut(BaseModel):
    now: datetime
    on_call: list[ShiftOut]  # covering now, earliest start first (the default owner first)
    upcoming: list[ShiftOut]  # touching the next 14 days


class ShiftIn(schemas.Strict):
    user_id: int = Field(ge=1, le=2**31 - 1)
    starts_at: AwareDatetime
    ends_at: AwareDatetime


def shift_out(shift: Shift, now: datetime) -> ShiftOut:
    return ShiftOut(
        id=shift.id,
        user_id=shift.member.user_id,
        username=shift.member.username,
        display_name=shift.member.display_name,
        role=shift.member.role,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        created_by=shift.created_by,
        created_at=shift.created_at,
        on_call_now=shift.covers(now),
    )


@router.get("/incidents/on-call", response_model=RotaOut)
def rota(context: Context, principal: IncidentManager) -> RotaOut:
    """Who is on call now, and the shifts of the next 14 days."""

    def step(uow: UnitOfWork, now: datetime) -> RotaOut:
        return RotaOut(
            now=now,
            on_call=[shift_out(s, now) for s in incident_rota.on_call_now(uow, now)],
            upcoming=[shift_out(s, now) for s in incident_rota.upcoming(uow, now)],
        )

    return perform(context, step)


@router.post("/incidents/on-call", status_code=201, response_model=ShiftOut)
def add_shift(body: ShiftIn, context: Context, principal: IncidentManager) -> ShiftOut:
    def step(uow: UnitOfWork, now: datetime) -> ShiftOut:
        made = incident_rota.add_shift(
            uow, body.user_id, body.starts_at, body.ends_at, principal.actor, now
        )
        return shift_out(made, now)

    return perform(context, step)


@router.delete("/incidents/on-call/{shift_id}", status_code=204)
def remove_shift(shift_id: RowId, context: Context, principal: IncidentManager) -> Response:
    perform(context, lambda uow, now: incident_rota.remove_shift(uow, shift_id))
    return Response(status_code=204)
