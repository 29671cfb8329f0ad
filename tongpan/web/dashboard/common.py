"""What every dashboard page shares: templates, the page's admin and community, the plan version shown."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import HTTPException, Request, status
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from scheduler import models as m
from scheduler.plans import aware, find_version, published_version, PlanNotFound
from scheduler.timetable import DAY_NAMES, MODEL_NAMES
from tongpan.web.dashboard.auth import CSRF_FIELD, Admin, require_scope

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=HERE.parent / "templates")
STATUS_LABELS = m.PLAN_STATUS_NAMES
ZONE = ZoneInfo("Asia/Shanghai")


def local_time(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as the county's clock shows it."""
    return aware(moment).astimezone(ZONE).strftime(fmt) if moment is not None else "—"


TEMPLATES.env.filters["local"] = local_time
TEMPLATES.env.globals.update(DAY_NAMES=DAY_NAMES, MODEL_NAMES=MODEL_NAMES, STATUS_LABELS=STATUS_LABELS,
                             CSRF_FIELD=CSRF_FIELD)


def engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def render(request: Request, name: str, admin: Admin | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("title", "同盘")
    response = TEMPLATES.TemplateResponse(request, name, {"admin": admin, **context}, status_code=status_code)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def community_or_404(session: Session, admin: Admin, code: str) -> m.Community:
    """The community a page is about, after the scope check (403 before 404: nothing leaks)."""
    require_scope(admin, code)
    community = session.get(m.Community, code)
    if community is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有教共体 {code}")
    return community


def term_or_404(session: Session, code: str) -> m.Term:
    term = session.get(m.Term, code)
    if term is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有学期 {code}")
    return term


def terms(session: Session) -> list[m.Term]:
    return list(session.scalars(select(m.Term).order_by(m.Term.start)))


def shown_version(session: Session, community: str, term: str, version: int | None) -> m.PlanVersion | None:
    """The version a grid shows: the one asked for, else the published one, else the latest."""
    if version is not None:
        try:
            return find_version(session, community, term, version)
        except PlanNotFound as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    published = published_version(session, community, term)
    if published is not None:
        return published
    try:
        return find_version(session, community, term)
    except PlanNotFound:
        return None


def shown_label(session: Session, community: str, term: str) -> tuple[int, str] | None:
    """(version, status) of what a grid shows by default, without loading the plan itself."""
    published = session.execute(select(m.PlanVersion.version, m.PlanVersion.status).join(
        m.PublishedPlan, m.PublishedPlan.plan_version_id == m.PlanVersion.id).where(
        m.PublishedPlan.community_code == community, m.PublishedPlan.term_code == term)).first()
    if published is not None:
        return published.version, published.status
    latest = session.execute(select(m.PlanVersion.version, m.PlanVersion.status).where(
        m.PlanVersion.community_code == community, m.PlanVersion.term_code == term)
        .order_by(m.PlanVersion.version.desc()).limit(1)).first()
    return (latest.version, latest.status) if latest is not None else None


def unmet_periods(plan: m.PlanVersion) -> int:
    return sum(int(u.get("periods", 0)) for u in plan.unmet)


def gap(stats: dict[str, Any]) -> float | None:
    """The solver's relative gap between objective and bound, as it reports them.

    Where no bound holds for the whole problem (`stats.bound` null), the
    timetable phase's gap, which holds for the staffing found; the page's
    column heading says so.
    """
    if stats.get("bound") is None:
        return ((stats.get("phases") or {}).get("timetable") or {}).get("gap")
    objective, bound = stats.get("objective"), stats.get("bound")
    if objective is None or bound is None:
        return None
    return 0.0 if objective == bound else abs(objective - bound) / max(abs(objective), 1e-9)
