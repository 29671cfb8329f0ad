"""Plan versions of a community and term, the diff between two of them, and publishing one."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import defer

from calendars.publish import PublishError, PublishRefused, publish
from scheduler import models as m
from scheduler.db import transaction
from scheduler.plan_diff import CHANGE_LABELS, Change, Side, count_changes, diff_plans, group_by
from scheduler.plans import PlanNotFound, find_version, published_version
from scheduler.school_calendar import CalendarError
from scheduler.timetable import DAY_NAMES, Directory, load_directory
from tasks.models import Job
from tongpan.web.dashboard.auth import AdminDep, PostDep
from tongpan.web.dashboard.common import community_or_404, engine, gap, render, term_or_404, unmet_periods

router = APIRouter()


@dataclass
class VersionRow:
    version: int
    status: str
    created_at: Any
    triggered_by: str
    objective: float | None
    gap: float | None
    unmet: int
    changes: int | None  # against the published version; None for the published one itself
    check: str  # the independent check's result as stored
    message: str


def _triggered_by(jobs: dict[int, Job], plan: m.PlanVersion) -> str:
    job = jobs.get(plan.id)
    if job is not None:
        return job.triggered_by
    return "命令行 tongpan solve" if plan.stats.get("job") is None else f"任务 #{plan.stats['job']}"


def _check_label(plan: m.PlanVersion) -> str:
    if plan.status == "failed":
        return "未通过"
    return "通过" if plan.status in ("ready", "published", "superseded") else "—"


_COUNTS: OrderedDict[tuple[int, int], int] = OrderedDict()  # (version id, published id) -> changes
_COUNTS_KEPT = 2000


def _changes(session: Any, plan_id: int, published: m.PlanVersion) -> int:
    """Changes of a version against the published one; versions never change, so the count is kept."""
    key = (plan_id, published.id)
    if key not in _COUNTS:
        activities = session.scalar(select(m.PlanVersion.activities).where(m.PlanVersion.id == plan_id))
        _COUNTS[key] = count_changes(published.activities, activities)
        while len(_COUNTS) > _COUNTS_KEPT:
            _COUNTS.popitem(last=False)
    return _COUNTS[key]


@router.get("/communities/{code}/terms/{term}/versions", response_class=HTMLResponse)
def versions_page(request: Request, code: str, term: str, admin: AdminDep) -> HTMLResponse:
    with transaction(engine(request)) as session:
        community = community_or_404(session, admin, code)
        stored_term = term_or_404(session, term)
        # Every version's figures, but not its activities: only a count not kept yet reads those.
        plans = list(session.scalars(select(m.PlanVersion).options(defer(m.PlanVersion.activities)).where(
            m.PlanVersion.community_code == code, m.PlanVersion.term_code == term)
            .order_by(m.PlanVersion.version.desc())))
        pointer = session.get(m.PublishedPlan, (code, term))
        published = session.get(m.PlanVersion, pointer.plan_version_id) if pointer else None
        jobs = {j.plan_version_id: j for j in session.scalars(select(Job).where(
            Job.plan_version_id.in_([p.id for p in plans])))}
        rows = [VersionRow(p.version, p.status, p.created_at, _triggered_by(jobs, p), p.stats.get("objective"),
                           gap(p.stats), unmet_periods(p),
                           None if published is None or p.id == published.id else _changes(session, p.id, published),
                           _check_label(p), p.message) for p in plans]
        return render(request, "versions.html", admin, title=f"{community.name} 方案版本", community=community,
                      term=stored_term, rows=rows, published=published.version if published else None,
                      crumbs=[("总览", "/"), (community.name, f"/communities/{code}"), (stored_term.name, None)])


def _describe_side(d: Directory, side: Side) -> str:
    teachers = "、".join(d.teacher_name(t) for t in side.teachers)
    text = f"{DAY_NAMES.get(side.day, side.day)} {side.start}–{side.end} {d.place(side.campus)}"
    return f"{text}（{teachers}）" if teachers else text


def describe(d: Directory, change: Change) -> str:
    """A change as one Chinese sentence an admin can read."""
    b, a = change.before, change.after
    if change.kind == "added" and a:
        return _describe_side(d, a)
    if change.kind == "removed" and b:
        return _describe_side(d, b)
    assert a is not None and b is not None
    parts = []
    if (b.day, b.start, b.end) != (a.day, a.start, a.end):
        parts.append(f"时间 {DAY_NAMES.get(b.day, b.day)} {b.start}–{b.end} → {DAY_NAMES.get(a.day, a.day)} "
                     f"{a.start}–{a.end}")
    if b.teachers != a.teachers:
        parts.append("教师 " + "、".join(d.teacher_name(t) for t in b.teachers) + " → "
                     + "、".join(d.teacher_name(t) for t in a.teachers))
    if b.campus != a.campus:
        parts.append(f"地点 {d.place(b.campus)} → {d.place(a.campus)}")
    if b.remote != a.remote:
        parts.append("远程班级或助教有变化")
    return "；".join(parts)


def title_of(d: Directory, change: Change) -> str:
    if change.activity == "research":
        return f"联合教研 {d.groups.get(change.code, change.code)}"
    label = d.subject(change.subject)
    return f"同步课堂 {label}" if change.activity == "coteach" else label


def _version_or_404(session: Any, code: str, term: str, version: int) -> m.PlanVersion:
    try:
        return find_version(session, code, term, version)
    except PlanNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None


@router.get("/communities/{code}/terms/{term}/diff", response_class=HTMLResponse)
def diff_page(request: Request, code: str, term: str, admin: AdminDep,
              a: Annotated[int | None, Query(description="The older version; default the published one.")] = None,
              b: Annotated[int | None, Query(description="The newer version; default the latest.")] = None
              ) -> HTMLResponse:
    with transaction(engine(request)) as session:
        community = community_or_404(session, admin, code)
        stored_term = term_or_404(session, term)
        published = published_version(session, code, term)
        if a is None and published is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "还没有已发布的版本，请选择两个版本对比")
        old = _version_or_404(session, code, term, a) if a is not None else published
        try:
            new = _version_or_404(session, code, term, b) if b is not None else find_version(session, code, term)
        except PlanNotFound as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
        assert old is not None
        directory = load_directory(session, code)
        assert directory is not None
        versions = list(session.scalars(select(m.PlanVersion.version).where(
            m.PlanVersion.community_code == code, m.PlanVersion.term_code == term)
            .order_by(m.PlanVersion.version.desc())))
        changes = diff_plans(old.activities, new.activities)
        lines = {id(c): {"kind": c.kind, "title": title_of(directory, c), "label": CHANGE_LABELS[c.kind],
                         "text": describe(directory, c)} for c in changes}
        by_class = [(directory.class_name(k), k, [lines[id(c)] for c in cs])
                    for k, cs in group_by(changes, "class").items()]
        by_teacher = [(directory.teacher_name(k), k, [lines[id(c)] for c in cs])
                      for k, cs in group_by(changes, "teacher").items()]
        counts = {label: sum(1 for c in changes if c.kind == kind) for kind, label in CHANGE_LABELS.items()}
        return render(request, "diff.html", admin, title=f"第 {old.version} 版 → 第 {new.version} 版",
                      community=community, term=stored_term, old=old.version, new=new.version,
                      total=len(changes), counts=counts, by_class=by_class, by_teacher=by_teacher,
                      versions=versions, published=published.version if published else None,
                      crumbs=[("总览", "/"), (community.name, f"/communities/{code}"),
                              (stored_term.name, f"/communities/{code}/terms/{term}/versions"), ("对比", None)])


@router.post("/communities/{code}/terms/{term}/versions/{version}/publish")
def publish_version(request: Request, code: str, term: str, version: int, admin: PostDep) -> Response:
    """Publish a ready version; one solved from other data must pass the independent checker on today's."""
    with transaction(engine(request)) as session:
        community_or_404(session, admin, code)
        term_or_404(session, term)
        plan = _version_or_404(session, code, term, version)
        if plan.status not in ("ready", "superseded", "published"):
            raise HTTPException(status.HTTP_409_CONFLICT, f"第 {version} 版状态为{plan.status}，不能发布")
        try:
            publish(session, code, term, version)
        except PublishRefused as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, f"{exc}："
                                + "；".join(str(v) for v in exc.verdict.violations[:5])) from None
        except (PlanNotFound, PublishError) as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        except CalendarError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, f"学期 {term}：{exc}") from None
    return RedirectResponse(f"/communities/{code}/terms/{term}/versions?published={version}",
                            status.HTTP_303_SEE_OTHER)
