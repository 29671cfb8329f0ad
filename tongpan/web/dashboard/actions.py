"""Actions and jobs: trigger a regeneration, follow it live (polling), and the job list with filters."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from scheduler import models as m
from scheduler.db import transaction
from scheduler.plans import aware
from tasks.dispatch import dispatch_triggered
from tasks.jobs import UnknownTarget, plan_version_number, recent_jobs, trigger
from tasks.models import Job
from tasks.states import FINISHED_STATES, JOB_STATES, PHASE_LABELS, STATE_LABELS
from tongpan.web.dashboard.auth import Admin, AdminDep, PostDep, require_scope
from tongpan.web.dashboard.common import community_or_404, engine, render, term_or_404, terms

router = APIRouter()


@router.post("/communities/{code}/terms/{term}/regenerate")
def regenerate(request: Request, code: str, term: str, admin: PostDep) -> Response:
    """Queue (or find the running) regeneration of this community and term, then show its progress."""
    with transaction(engine(request)) as session:
        community_or_404(session, admin, code)
        term_or_404(session, term)
    jobs_api = request.app.state.jobs_api
    try:
        triggered = trigger(jobs_api.engine, code, term, f"web:{admin.key_id}")
    except UnknownTarget as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    dispatch_triggered(jobs_api.engine, jobs_api.dispatcher, [triggered])
    return RedirectResponse(f"/jobs/{triggered.job.id}", status.HTTP_303_SEE_OTHER)


def _job_or_404(session: Any, admin: Admin, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有任务 {job_id}")
    require_scope(admin, job.community_code)
    return job


def _elapsed(job: Job) -> float | None:
    if job.detail.get("elapsed") is not None and job.state == "running":
        return float(job.detail["elapsed"])
    if job.started_at is None:
        return None
    end = aware(job.finished_at) if job.finished_at else datetime.now(timezone.utc)
    return (end - aware(job.started_at)).total_seconds()


def job_status(session: Any, job: Job) -> dict[str, Any]:
    """What the job page shows and polls: state, phase, 罚分 (the solver's objective), elapsed seconds."""
    version = plan_version_number(session, job)
    elapsed = _elapsed(job)
    objective = job.detail.get("objective")
    return {"id": job.id, "state": job.state, "state_label": STATE_LABELS[job.state], "phase": job.phase,
            "phase_label": PHASE_LABELS[job.phase], "progress": job.progress, "message": job.message,
            "objective": None if objective is None else f"{objective:,.0f}",
            "elapsed": None if elapsed is None else f"{elapsed:.0f} 秒",
            "finished": job.state in FINISHED_STATES, "plan_version": version,
            "plan_href": (f"/communities/{job.community_code}/terms/{job.term_code}/versions"
                          if version is not None else None)}


@router.get("/jobs/{job_id}/status")
def job_status_json(request: Request, job_id: int, admin: AdminDep) -> JSONResponse:
    with transaction(engine(request)) as session:
        return JSONResponse(job_status(session, _job_or_404(session, admin, job_id)),
                            headers={"Cache-Control": "no-store"})


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: int, admin: AdminDep) -> HTMLResponse:
    with transaction(engine(request)) as session:
        job = _job_or_404(session, admin, job_id)
        community = session.get(m.Community, job.community_code)
        name = community.name if community else job.community_code
        return render(request, "job.html", admin, title=f"任务 #{job.id}", job=job, status=job_status(session, job),
                      community_name=name,
                      crumbs=[("总览", "/"), (name, f"/communities/{job.community_code}"), ("任务", "/jobs"),
                              (f"#{job.id}", None)])


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, admin: AdminDep,
              community: Annotated[str | None, Query()] = None, term: Annotated[str | None, Query()] = None,
              state: Annotated[str | None, Query()] = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 100) -> HTMLResponse:
    community, term, state = community or None, term or None, state or None
    if community is not None:
        require_scope(admin, community)
    if state is not None and state not in JOB_STATES:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"没有状态 {state}")
    scope = [community] if community else ([admin.community] if admin.community else None)
    with transaction(engine(request)) as session:
        jobs = recent_jobs(session, communities=scope, term=term, state=state, limit=limit)
        names = dict(session.execute(select(m.Community.code, m.Community.name)).all())
        visible = {c: n for c, n in names.items() if admin.may_see(c)}
        return render(request, "jobs.html", admin, title="任务", jobs=jobs, names=names, communities=visible,
                      terms=[(t.code, t.name) for t in terms(session)], filters={
                          "community": community or "", "term": term or "", "state": state or ""},
                      STATE_LABELS=STATE_LABELS, PHASE_LABELS=PHASE_LABELS,
                      crumbs=[("总览", "/"), ("任务", None)])
