"""The admin API for daily changes: record an absence (and get the proposed covers), review, confirm.

Same tokens and scopes as the job API: a community token may record absences
of that community's teachers and see and confirm only its covers.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field

from calendars.publish import PublishError
from scheduler.covers.absences import AbsenceError, community_of
from scheduler.covers.models import Cover
from scheduler.covers.review import CoverError, choose, proposed
from scheduler.db import transaction
from tongpan.daily import add_absence, confirm_and_publish, cover_row, dataset_or_fail
from tongpan.web.api import ERRORS, Api, Token, _require_scope

router = APIRouter(prefix="/api", tags=["covers"])


class AbsenceIn(BaseModel):
    teacher: str = Field(examples=["T00005"])
    start: date = Field(alias="from", description="First day away.")
    end: date | None = Field(default=None, alias="to", description="Last day (default: from).")
    half: str | None = Field(default=None, description="am or pm")
    periods: list[int] | None = Field(default=None, description="Only these periods, e.g. [3, 4].")
    reason: str = Field(examples=["病假"])
    time_limit: float = Field(default=20, ge=1, le=120, description="Solver seconds for the covers.")


class AlternativeOut(BaseModel):
    n: int
    mode: str
    mode_name: str
    teacher: str | None
    helpers: list[str]
    reason: str
    count: dict[str, int] = Field(description="Covers each teacher already gave in the fairness window.")


class CoverOut(BaseModel):
    id: int
    date: str
    start: str
    kind: str
    activity: str
    absent: str | None
    mode: str
    mode_name: str
    teacher: str | None
    reason: str
    state: str
    alternatives: list[AlternativeOut]


class AffectedOut(BaseModel):
    date: str
    start: str
    end: str
    kind: str
    activity: str
    role: str
    campus: str


class AbsenceOut(BaseModel):
    absence: int
    affected: list[AffectedOut]
    covers: list[CoverOut]


class ChooseIn(BaseModel):
    choice: int | None = Field(default=None, description="Alternative number (1 = the current choice).")
    teacher: str | None = None


class ConfirmIn(BaseModel):
    absence: int | None = None
    disruption: int | None = None
    day: date | None = Field(default=None, alias="date", description="Every proposed cover of this date.")


class ConfirmOut(BaseModel):
    confirmed: int
    feeds_changed: int
    feeds_unchanged: int


def _bad(exc: Exception) -> HTTPException:
    return HTTPException(status.HTTP_400_BAD_REQUEST, str(exc))


def _scoped(token: Any, covers: list[Cover]) -> list[Cover]:
    return [c for c in covers if token.community_code in (None, c.community_code)]


@router.post("/absences", status_code=status.HTTP_201_CREATED, response_model=AbsenceOut,
             summary="Record an absence; list what it affects and the proposed covers",
             responses={**ERRORS, 400: {"description": "输入有误（中文说明）"}})
def post_absence(body: AbsenceIn, api: Api, token: Token) -> AbsenceOut:
    try:
        with transaction(api.engine) as session:
            ds = dataset_or_fail(session)
            teacher = next((t for t in ds.teachers if t.code == body.teacher), None)
            _require_scope(token, community_of(ds, teacher.school) if teacher else None)
            done = add_absence(session, body.teacher, body.start, body.end, half=body.half, periods=body.periods,
                               reason=body.reason, by=f"api:{token.key_id}", time_limit=body.time_limit)
            return AbsenceOut(absence=done.absence.id,
                              affected=[AffectedOut(date=a.date.isoformat(), start=a.start, end=a.end, kind=a.entry["kind"],
                                                    activity=a.entry["code"], role=a.role, campus=a.campus)
                                        for a in done.affected],
                              covers=[CoverOut(**cover_row(c)) for c in done.covers])
    except AbsenceError as exc:
        raise _bad(exc) from None


@router.get("/covers", response_model=list[CoverOut], summary="Covers with their ranked alternatives",
            responses=ERRORS)
def get_covers(api: Api, token: Token,
               state: Annotated[str, Query(description="proposed or confirmed")] = "proposed",
               day: Annotated[date | None, Query(alias="date")] = None,
               absence: Annotated[int | None, Query()] = None) -> list[CoverOut]:
    with transaction(api.engine) as session:
        covers = _scoped(token, proposed(session, day=day, absence=absence, state=state))
        return [CoverOut(**cover_row(c)) for c in covers]


@router.post("/covers/{cover_id}/choose", response_model=CoverOut, summary="Take another alternative",
             responses={**ERRORS, 400: {"description": "不能这样修改（中文说明）"}})
def post_choose(cover_id: int, body: ChooseIn, api: Api, token: Token) -> CoverOut:
    try:
        with transaction(api.engine) as session:
            cover = session.get(Cover, cover_id)
            if cover is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有代课记录 {cover_id}")
            _require_scope(token, cover.community_code)
            return CoverOut(**cover_row(choose(session, cover_id, alternative=body.choice, teacher=body.teacher)))
    except CoverError as exc:
        raise _bad(exc) from None


@router.post("/covers/confirm", response_model=ConfirmOut, summary="Confirm covers and publish them",
             responses={**ERRORS, 400: {"description": "没有待确认的代课安排"}})
def post_confirm(body: ConfirmIn, api: Api, token: Token) -> ConfirmOut:
    if body.absence is None and body.disruption is None and body.day is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "请指定 absence、disruption 或 date")
    try:
        with transaction(api.engine) as session:
            covers = _scoped(token, proposed(session, day=body.day, absence=body.absence,
                                             disruption=body.disruption))
            if not covers:
                raise HTTPException(status.HTTP_400_BAD_REQUEST, "没有待确认的代课安排")
            results = confirm_and_publish(session, covers)
            return ConfirmOut(confirmed=len(covers), feeds_changed=sum(r.feeds_changed for r in results),
                              feeds_unchanged=sum(r.feeds_unchanged for r in results))
    except (AbsenceError, PublishError) as exc:
        raise _bad(exc) from None
