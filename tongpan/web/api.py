"""The admin API of the job layer: trigger regenerations and follow jobs.

Every route needs `Authorization: Bearer <token>` (`tongpan admin token
create`): 401 without a valid token, 403 for a community outside the token's
scope. A trigger answers 202 with a new job, or 200 with the job already
queued or running for that community and term. The job table is read as the
workers write it, so polling `GET /api/jobs/{id}` shows live progress.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cache
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response, status
from fastapi.openapi.utils import get_openapi
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.datastructures import Headers
from starlette.types import Scope

from scheduler.db import transaction
from scheduler.plans import aware
from tasks.access import verify_token
from tasks.config import Limits
from tasks.dispatch import Dispatcher, dispatch_triggered, make_dispatcher
from tasks.jobs import Triggered, UnknownTarget, plan_version_number, recent_jobs, trigger, trigger_county
from tasks.runner import InProcessRunner
from tasks.models import AdminToken, Job
from tasks.states import JOB_STATES, PHASE_LABELS, STATE_LABELS
from tongpan.settings import Settings

State = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class JobOut(BaseModel):
    """A job as the job table has it; `*_label` fields are for people."""

    id: int
    kind: str
    community: str
    term: str
    state: State
    state_label: str = Field(description="状态（中文）")
    phase: str = Field(description="queued, loading, solving (and checking), publishing or done")
    phase_label: str = Field(description="阶段（中文）")
    progress: float = Field(ge=0, le=1)
    message: str = Field(description="给管理员看的说明（中文）")
    detail: dict[str, Any] = Field(description="The solver's latest report: phase, objective, bound, elapsed.")
    attempts: int
    triggered_by: str
    worker: str | None
    created_at: datetime
    dispatched_at: datetime | None
    started_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None
    plan_version: int | None = Field(description="The plan version this job stored, once it has.")


class TriggerOut(BaseModel):
    created: bool = Field(description="False: a job for this community and term was already queued or running.")
    job: JobOut


class CountyTriggered(BaseModel):
    term: str
    created: int = Field(description="How many jobs are new.")
    jobs: list[TriggerOut]


class JobList(BaseModel):
    jobs: list[JobOut]


class RegenerateRequest(BaseModel):
    term: str = Field(description="Term code, e.g. 2026-1.", examples=["2026-1"], max_length=64)


@dataclass
class JobsApi:
    engine: Engine
    dispatcher: Dispatcher


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open what the routes need (beside the app's settings and engine, which create_app sets);
    in embedded mode, take up the jobs a previous process left behind."""
    settings: Settings = app.state.settings
    engine: Engine = app.state.engine
    dispatcher = make_dispatcher(engine, settings.database_url, settings.broker_url, Limits.from_env())
    app.state.jobs_api = JobsApi(engine, dispatcher)
    if isinstance(dispatcher, InProcessRunner):
        dispatcher.resume()
    yield


router = APIRouter(prefix="/api", tags=["jobs"], lifespan=lifespan)
bearer = HTTPBearer(auto_error=False, description="管理令牌：tongpan admin token create")
UNAUTHORIZED = {"description": "缺少或无效的管理令牌", "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}}
ERRORS: dict[int | str, dict[str, Any]] = {401: UNAUTHORIZED, 403: {"description": "令牌无权访问该教共体"}}


VERIFIED = "tongpan_admin_token"


def jobs_api(request: Request) -> JobsApi:
    return request.app.state.jobs_api  # type: ignore[no-any-return]


def bearer_first(engine: Engine) -> Callable[[Scope, Headers], bool]:
    """The admin API's token check on the headers alone, for tongpan.web.limits.AuthFirst: it runs
    before FastAPI reads the body. The verified token is kept in the request state for `admin_token`."""

    def check(scope: Scope, headers: Headers) -> bool:
        scheme, _, presented = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            return False
        with transaction(engine) as session:
            token = verify_token(session, presented.strip())
        scope.setdefault("state", {})[VERIFIED] = token
        return token is not None

    return check


def admin_token(request: Request, api: Annotated[JobsApi, Depends(jobs_api)],
                credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> AdminToken:
    token: AdminToken | None = request.scope.get("state", {}).get(VERIFIED)
    if token is None and credentials is not None:
        with transaction(api.engine) as session:
            token = verify_token(session, credentials.credentials)
    if token is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "缺少或无效的管理令牌",
                            headers={"WWW-Authenticate": "Bearer"})
    return token


Api = Annotated[JobsApi, Depends(jobs_api)]
Token = Annotated[AdminToken, Depends(admin_token)]


def _require_scope(token: AdminToken, community: str | None) -> None:
    """County tokens may do anything; a community token only its community (None: county-wide)."""
    if token.community_code is not None and token.community_code != community:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"该令牌只能管理教共体 {token.community_code}")


@router.get("/openapi.json", include_in_schema=False)
@cache
def openapi() -> dict[str, Any]:
    """The admin API's own schema (the app around it may publish none)."""
    return get_openapi(title="tongpan 同盘 admin API", version="1", routes=router.routes,
                       description=__doc__)


def _maybe_aware(moment: datetime | None) -> datetime | None:
    """Times go out with their offset (UTC) whichever database gave them back."""
    return aware(moment) if moment is not None else None


def _out(session: Session, job: Job) -> JobOut:
    return JobOut(id=job.id, kind=job.kind, community=job.community_code, term=job.term_code,
                  state=job.state, state_label=STATE_LABELS[job.state], phase=job.phase,  # type: ignore[arg-type]
                  phase_label=PHASE_LABELS[job.phase], progress=job.progress, message=job.message,
                  detail=job.detail, attempts=job.attempts, triggered_by=job.triggered_by, worker=job.worker,
                  created_at=aware(job.created_at), dispatched_at=_maybe_aware(job.dispatched_at),
                  started_at=_maybe_aware(job.started_at), heartbeat_at=_maybe_aware(job.heartbeat_at),
                  finished_at=_maybe_aware(job.finished_at),
                  plan_version=plan_version_number(session, job))


def _triggered_out(api: JobsApi, triggered: list[Triggered]) -> list[TriggerOut]:
    """Dispatch, then answer with the rows as they are now (dispatching may have moved them on)."""
    dispatch_triggered(api.engine, api.dispatcher, triggered)
    with transaction(api.engine) as session:
        return [TriggerOut(created=t.created, job=_out(session, session.get_one(Job, t.job.id)))
                for t in triggered]


@router.post("/communities/{code}/regenerate", status_code=status.HTTP_202_ACCEPTED, response_model=TriggerOut,
             summary="Regenerate one community's plan",
             responses={**ERRORS, 200: {"model": TriggerOut, "description": "已有进行中的任务，返回该任务"},
                        404: {"description": "没有该教共体或学期"}})
def regenerate_community(code: str, body: RegenerateRequest, api: Api, token: Token,
                         response: Response) -> TriggerOut:
    _require_scope(token, code)
    try:
        triggered = trigger(api.engine, code, body.term, f"api:{token.key_id}")
    except UnknownTarget as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    if not triggered.created:
        response.status_code = status.HTTP_200_OK
    return _triggered_out(api, [triggered])[0]


@router.post("/terms/{code}/regenerate", status_code=status.HTTP_202_ACCEPTED, response_model=CountyTriggered,
             summary="Regenerate every community of the county for a term",
             responses={**ERRORS, 404: {"description": "没有该学期"}})
def regenerate_county(code: str, api: Api, token: Token) -> CountyTriggered:
    _require_scope(token, None)
    try:
        triggered = trigger_county(api.engine, code, f"api:{token.key_id}")
    except UnknownTarget as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return CountyTriggered(term=code, created=sum(t.created for t in triggered),
                           jobs=_triggered_out(api, triggered))


@router.get("/jobs/{job_id}", response_model=JobOut, summary="One job",
            responses={**ERRORS, 404: {"description": "没有该任务"}})
def get_job(job_id: int, api: Api, token: Token) -> JobOut:
    with transaction(api.engine) as session:
        job = session.get(Job, job_id)
        if job is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有任务 {job_id}")
        _require_scope(token, job.community_code)
        return _out(session, job)


@router.get("/jobs", response_model=JobList, summary="Recent jobs, newest first", responses=ERRORS)
def list_jobs(api: Api, token: Token,
              community: Annotated[str | None, Query(description="Only this community.")] = None,
              term: Annotated[str | None, Query(description="Only this term.")] = None,
              state: Annotated[State | None, Query(description=f"Only this state: {', '.join(JOB_STATES)}.")] = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 50) -> JobList:
    if community is not None:
        _require_scope(token, community)
    scope = [community] if community else ([token.community_code] if token.community_code else None)
    with transaction(api.engine) as session:
        return JobList(jobs=[_out(session, j) for j in recent_jobs(session, communities=scope, term=term,
                                                                   state=state, limit=limit)])
