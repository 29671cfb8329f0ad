"""The daily-changes pages: record an absence, review and change the proposed covers, confirm and
publish them (`/covers`), and the month's cover ledger with its payroll workbook (`/covers/ledger`).

The same functions as `tongpan absence add` and `tongpan covers …` (tongpan/daily.py); a community token
sees and acts on its own community's teachers and covers only.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from calendars.publish import PublishError
from scheduler.covers.absences import AbsenceError, community_of
from scheduler.covers.candidates import MODE_NAMES
from scheduler.covers.ledger import LedgerError, ledger, write_workbook
from scheduler.covers.models import Cover
from scheduler.covers.review import CoverError, choose, proposed
from scheduler.db import transaction
from tongpan.daily import add_absence, confirm_and_publish, dataset_or_fail
from tongpan.web.dashboard.auth import AdminDep, PostDep, require_scope
from tongpan.web.dashboard.common import engine, render

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _mine(admin: object, covers: list[Cover]) -> list[Cover]:
    community = getattr(admin, "community", None)
    return [c for c in covers if community in (None, c.community_code)]


@router.get("/covers", response_class=HTMLResponse)
def covers_page(request: Request, admin: AdminDep, absence: Annotated[int | None, Query()] = None,
                message: Annotated[str | None, Query()] = None) -> HTMLResponse:
    with transaction(engine(request)) as session:
        waiting = _mine(admin, proposed(session, absence=absence))
        done = _mine(admin, proposed(session, absence=absence, state="confirmed"))[-50:]
        ds = dataset_or_fail(session)
        names = {t.code: t.name for t in ds.teachers}
    return render(request, "covers.html", admin, title="代课", waiting=waiting, done=done, names=names,
                  MODE_NAMES=MODE_NAMES, message=message, absence=absence)


@router.post("/covers/absences")
def post_absence(request: Request, admin: PostDep, teacher: Annotated[str, Form()], start: Annotated[date, Form()],
                 reason: Annotated[str, Form()], end: Annotated[date | None, Form()] = None,
                 half: Annotated[str, Form()] = "", periods: Annotated[str, Form()] = "") -> Response:
    try:
        numbers = [int(p) for p in periods.replace("，", ",").split(",") if p.strip()] or None
    except ValueError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"节次应为逗号分隔的数字，如 3,4，而不是 {periods}") from None
    try:
        with transaction(engine(request)) as session:
            ds = dataset_or_fail(session)
            found = next((t for t in ds.teachers if t.code == teacher.strip()), None)
            if found is None:
                raise AbsenceError(f"没有教师 {teacher}")
            require_scope(admin, community_of(ds, found.school) or "")
            done = add_absence(session, found.code, start, end, half=half or None, periods=numbers, reason=reason,
                               by=f"web:{admin.key_id}")
            absence = done.absence.id
    except AbsenceError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    return RedirectResponse(f"/covers?absence={absence}", status.HTTP_303_SEE_OTHER)


@router.post("/covers/{cover_id}/choose")
def post_choose(request: Request, cover_id: int, admin: PostDep, choice: Annotated[int, Form()]) -> Response:
    try:
        with transaction(engine(request)) as session:
            cover = session.get(Cover, cover_id)
            if cover is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有代课记录 {cover_id}")
            require_scope(admin, cover.community_code)
            choose(session, cover_id, alternative=choice)
            absence = cover.absence_id
    except CoverError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return RedirectResponse(f"/covers?absence={absence}" if absence else "/covers", status.HTTP_303_SEE_OTHER)


@router.post("/covers/confirm")
def post_confirm(request: Request, admin: PostDep, absence: Annotated[int | None, Form()] = None) -> Response:
    try:
        with transaction(engine(request)) as session:
            covers = _mine(admin, proposed(session, absence=absence))
            if not covers:
                raise HTTPException(status.HTTP_409_CONFLICT, "没有待确认的代课安排")
            results = confirm_and_publish(session, covers)
    except (AbsenceError, PublishError) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    changed = sum(r.feeds_changed for r in results)
    message = quote(f"已确认 {len(covers)} 项代课并发布，日历订阅 {changed} 个已更新")
    return RedirectResponse(f"/covers?message={message}", status.HTTP_303_SEE_OTHER)


def _month(month: str | None) -> str:
    return month or date.today().strftime("%Y-%m")


@router.get("/covers/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, admin: AdminDep, month: Annotated[str | None, Query()] = None) -> HTMLResponse:
    month = _month(month)
    try:
        with transaction(engine(request)) as session:
            ds = dataset_or_fail(session)
            rows, covers, _ = ledger(session, ds, month)
    except LedgerError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    if admin.community is not None:
        mine = {t.code for t in ds.teachers if community_of(ds, t.school) == admin.community}
        rows = [r for r in rows if r.teacher in mine]
    schools = {s.code: s.name for s in ds.schools}
    return render(request, "covers_ledger.html", admin, title="代课台账", month=month, rows=rows, schools=schools,
                  MODE_NAMES=MODE_NAMES, covers=len(covers))


@router.get("/covers/ledger.xlsx")
def ledger_workbook(request: Request, admin: AdminDep, month: Annotated[str | None, Query()] = None) -> Response:
    month = _month(month)
    if admin.community is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "工资台账需要全县管理令牌")
    try:
        with transaction(engine(request)) as session:
            ds = dataset_or_fail(session)
            rows, covers, why = ledger(session, ds, month)
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "covers.xlsx"
                write_workbook(ds, month, rows, covers, why, path)
                body = path.read_bytes()
    except LedgerError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    return Response(body, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="covers-{month}.xlsx"'})
