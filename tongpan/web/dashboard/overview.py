"""The overview (`/`): every community in the admin's scope with its published plans and latest job."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import models as m
from scheduler.db import transaction
from tasks.models import Job
from tasks.states import STATE_LABELS
from tongpan.web.dashboard.auth import Admin, AdminDep
from tongpan.web.dashboard.common import engine, render, terms

router = APIRouter()


@dataclass
class CommunityRow:
    code: str
    name: str
    model: str
    schools: list[str]
    campuses: int
    classes: int
    published: dict[str, dict[str, Any]] = field(default_factory=dict)  # term -> version, date, unmet
    job: Job | None = None


def community_rows(session: Session, admin: Admin) -> list[CommunityRow]:
    """One row per community the admin may see, in code order, each from a handful of grouped queries."""
    query = select(m.Community).order_by(m.Community.code)
    if admin.community is not None:
        query = query.where(m.Community.code == admin.community)
    communities = list(session.scalars(query))
    codes = [c.code for c in communities]
    schools: dict[str, list[str]] = {c.code: [c.core_school_code] for c in communities}
    for member in session.scalars(select(m.CommunityMember).where(m.CommunityMember.community_code.in_(codes))
                                  .order_by(m.CommunityMember.position)):
        if member.school_code not in schools[member.community_code]:
            schools[member.community_code].append(member.school_code)
    school_of = {s: c for c, ss in schools.items() for s in ss}
    names = dict(session.execute(select(m.School.code, m.School.name).where(m.School.code.in_(school_of))).all())
    campus_of = dict(session.execute(select(m.Campus.code, m.Campus.school_code)
                                     .where(m.Campus.school_code.in_(school_of))).all())
    campuses: dict[str, int] = defaultdict(int)
    for school in campus_of.values():
        campuses[school_of[school]] += 1
    classes: dict[str, int] = defaultdict(int)
    for campus, count in session.execute(select(m.SchoolClass.campus_code, func.count()).where(
            m.SchoolClass.campus_code.in_(campus_of)).group_by(m.SchoolClass.campus_code)):
        classes[school_of[campus_of[campus]]] += count
    rows = {c.code: CommunityRow(c.code, c.name, c.model, [names.get(s, s) for s in schools[c.code]],
                                 campuses[c.code], classes[c.code]) for c in communities}
    published = session.execute(
        select(m.PublishedPlan.community_code, m.PublishedPlan.term_code, m.PublishedPlan.published_at,
               m.PlanVersion.version, m.PlanVersion.unmet)
        .join(m.PlanVersion, m.PlanVersion.id == m.PublishedPlan.plan_version_id)
        .where(m.PublishedPlan.community_code.in_(codes)))
    for community, term, at, version, unmet in published:
        rows[community].published[term] = {"version": version, "at": at,
                                           "unmet": sum(int(u.get("periods", 0)) for u in unmet)}
    latest = select(func.max(Job.id)).where(Job.community_code.in_(codes)).group_by(Job.community_code)
    for job in session.scalars(select(Job).where(Job.id.in_(latest))):
        rows[job.community_code].job = job
    return list(rows.values())


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, admin: AdminDep) -> HTMLResponse:
    with transaction(engine(request)) as session:
        rows = community_rows(session, admin)
        term_list = [(t.code, t.name) for t in terms(session)]
        county = session.scalar(select(m.County.name))
        return render(request, "overview.html", admin, title="总览", rows=rows, terms=term_list,
                      county=county, STATE_LABELS=STATE_LABELS)
