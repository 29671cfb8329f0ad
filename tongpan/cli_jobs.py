"""Commands of the job layer: regenerate, jobs, worker, beat, and admin tokens.

With TONGPAN_BROKER_URL set, `tongpan regenerate` queues jobs for Celery
workers (`tongpan worker`); without it, it runs them in this process, in the
foreground, over the same job table. Either way the progress shown is read
from the job table, which is what every process writes to.
"""

from __future__ import annotations

import getpass
import os
import socket
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from tasks.config import Limits
from tasks.states import FINISHED_STATES, JOB_STATES, PHASE_LABELS, STATE_LABELS
from tongpan.settings import Settings

if TYPE_CHECKING:
    from celery import Celery
    from sqlalchemy import Engine

    from tasks.jobs import Triggered
    from tasks.models import Job

POLL_SECONDS = 0.5
EXIT_JOB_FAILED = 1


def _cli():  # type: ignore[no-untyped-def]
    """The main CLI module (imported late: it imports this module while it is being built)."""
    from tongpan import cli

    return cli


def _who() -> str:
    return f"cli:{getpass.getuser()}@{socket.gethostname()}"


def _celery(settings: Settings, limits: Limits) -> Celery:
    """The Celery app for `worker` and `beat`, which have nothing to do without a broker."""
    from tasks.celery_app import create_app

    if not settings.broker_url:
        raise _cli().fail("未设置 TONGPAN_BROKER_URL：worker 与 beat 需要消息队列（Redis）。"
                          "嵌入模式下任务由 tongpan regenerate / tongpan serve 在进程内运行")
    return create_app(settings.database_url, settings.broker_url, limits)


def _local(moment: datetime | None) -> str:
    from scheduler.plans import aware

    return aware(moment).astimezone().strftime("%m-%d %H:%M:%S") if moment else ""


def _jobs_by_id(eng: Engine, ids: Sequence[int]) -> list[Job]:
    from sqlalchemy import select

    from scheduler.db import transaction
    from tasks.models import Job

    with transaction(eng) as session:
        rows = {j.id: j for j in session.scalars(select(Job).where(Job.id.in_(ids)))}
    return [rows[i] for i in ids]


def _follow(eng: Engine, ids: Sequence[int]) -> list[Job]:
    """A live progress bar per job, read from the job table, until every job has finished."""
    columns = (TextColumn("{task.fields[community]}"), BarColumn(), TaskProgressColumn(),
               TimeElapsedColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=_cli().out, transient=False) as bar:
        handles = {i: bar.add_task("", total=1.0, community="") for i in ids}
        while True:
            jobs = _jobs_by_id(eng, ids)
            for job in jobs:
                label = STATE_LABELS[job.state] if job.state in FINISHED_STATES else PHASE_LABELS[job.phase]
                bar.update(handles[job.id], completed=job.progress, community=job.community_code,
                           description=f"{label} · {job.message}")
            if all(j.state in FINISHED_STATES for j in jobs):
                return jobs
            time.sleep(POLL_SECONDS)


def _took(job: Job) -> str:
    from scheduler.plans import aware, now

    if job.started_at is None:
        return ""
    end = aware(job.finished_at) if job.finished_at else now()
    return f"{(end - aware(job.started_at)).total_seconds():.0f} 秒"


def _print_jobs(jobs: Sequence[Job], eng: Engine, title: str) -> None:
    from scheduler.db import transaction
    from tasks.jobs import plan_version_number

    table = Table(title=title)
    for column in ("任务", "教共体", "学期", "状态", "进度", "版本", "尝试", "触发者", "创建", "用时", "信息"):
        table.add_column(column, overflow="fold")
    with transaction(eng) as session:
        versions = {j.id: plan_version_number(session, j) for j in jobs}
    for j in jobs:
        version = versions[j.id]
        state = STATE_LABELS[j.state] + (f"·{PHASE_LABELS[j.phase]}" if j.state == "running" else "")
        table.add_row(str(j.id), j.community_code, j.term_code, state, f"{j.progress:.0%}",
                      "" if version is None else str(version), str(j.attempts), j.triggered_by,
                      _local(j.created_at), _took(j), j.message)
    _cli().out.print(table)


def regenerate(
    term: Annotated[str, typer.Option("--term", help="Term code, e.g. 2026-1.")],
    community: Annotated[str | None, typer.Option("--community", help="One community code.")] = None,
    county: Annotated[bool, typer.Option("--county", help="Every community of the county.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="With a broker: follow the jobs until they finish.")] = False,
) -> None:
    """Solve, check and publish new plans; with no TONGPAN_BROKER_URL the jobs run here, in the foreground."""
    from tasks.dispatch import dispatch_triggered, make_dispatcher
    from tasks.jobs import UnknownTarget, cancel, trigger, trigger_county

    cli = _cli()
    if (community is None) == (not county):
        raise cli.fail("请指定 --community CODE 或 --county 其中之一")
    settings, limits, eng = Settings.from_env(), Limits.from_env(), cli.engine()
    try:
        triggered: list[Triggered] = (trigger_county(eng, term, _who()) if county
                                      else [trigger(eng, community or "", term, _who())])
    except UnknownTarget as exc:
        raise cli.fail(str(exc)) from None
    for t in triggered:
        if not t.created:
            cli.out.print(f"教共体 {t.job.community_code} 已有进行中的任务 {t.job.id}（{STATE_LABELS[t.job.state]}），"
                          "不再重复创建", highlight=False)
    ids = [t.job.id for t in triggered]
    embedded = settings.broker_url is None
    dispatch_triggered(eng, make_dispatcher(eng, settings.database_url, settings.broker_url, limits), triggered)
    if not (embedded or wait):
        _print_jobs(_jobs_by_id(eng, ids), eng, "已提交的任务（tongpan jobs 查看进度）")
        return
    try:
        jobs = _follow(eng, ids)
    except KeyboardInterrupt:
        if embedded:
            cancel(eng, ids, "前台运行被中断，任务已取消")
            raise cli.fail("已中断，任务已取消", EXIT_JOB_FAILED) from None
        raise cli.fail("已停止跟踪；任务仍在后台运行，可用 tongpan jobs 查看", EXIT_JOB_FAILED) from None
    if any(j.state != "succeeded" for j in jobs):
        raise typer.Exit(EXIT_JOB_FAILED)


def jobs(
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="How many, newest first.")] = 20,
    community: Annotated[str | None, typer.Option("--community", help="Only this community.")] = None,
    term: Annotated[str | None, typer.Option("--term", help="Only this term.")] = None,
    state: Annotated[str | None, typer.Option("--state", help=f"Only this state: {', '.join(JOB_STATES)}.")] = None,
) -> None:
    """List recent jobs from the job table (state, phase, progress, plan version, message)."""
    from scheduler.db import transaction
    from tasks.jobs import recent_jobs

    cli = _cli()
    if state is not None and state not in JOB_STATES:
        raise cli.fail(f"状态应为 {', '.join(JOB_STATES)} 之一，实际为 {state}")
    eng = cli.engine()
    with transaction(eng) as session:
        found = recent_jobs(session, communities=[community] if community else None, term=term, state=state,
                            limit=limit)
    if not found:
        cli.out.print("没有任务", highlight=False)
        return
    _print_jobs(found, eng, "最近的任务")


def worker(
    queues: Annotated[str, typer.Option("--queues", help="Comma-separated queues: solve, publish.")] = "solve,publish",
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="Jobs run at once.")] = 1,
    hostname: Annotated[str | None, typer.Option("--hostname", help="Celery node name.")] = None,
    loglevel: Annotated[str, typer.Option("--loglevel")] = "INFO",
) -> None:
    """Start a Celery worker for the solve and/or publish queue (needs TONGPAN_BROKER_URL)."""
    cli = _cli()
    limits = Limits.from_env()
    app = _celery(Settings.from_env(), limits)
    cli.engine()  # refuse a schema that is missing or behind before taking any job
    if warning := limits.chain_warning():
        cli.err.print(f"[yellow]警告：[/yellow]{warning}", highlight=False)
    name = hostname or f"{queues.replace(',', '+')}.{os.getpid()}@%h"
    app.worker_main(["worker", f"--queues={queues}", f"--concurrency={concurrency}", f"--hostname={name}",
                     f"--loglevel={loglevel}", "--without-mingle", "--without-gossip"])


def workers(
    local: Annotated[bool, typer.Option("--local", help="Only workers on this host; exit 1 if none answers "
                                                        "(the containers' healthcheck).")] = False,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to wait for answers.")] = 3.0,
) -> None:
    """List the Celery workers that answer a ping, and the jobs each is running now."""
    cli = _cli()
    app = _celery(Settings.from_env(), Limits.from_env())
    names = sorted(name for reply in app.control.ping(timeout=timeout) for name in reply)
    if local:
        names = [n for n in names if n.endswith("@" + socket.gethostname())]
    if not names:
        raise cli.fail("没有 worker 响应", EXIT_JOB_FAILED)
    active = app.control.inspect(destination=names, timeout=timeout).active() or {}
    table = Table(title="在线的 worker")
    table.add_column("节点")
    table.add_column("正在运行的任务")
    for name in names:
        running = [f"{t['name'].removeprefix('tongpan.')}（任务 {t['args'][0]}）" for t in active.get(name, [])
                   if t.get("args")]
        table.add_row(name, "、".join(running) or "空闲")
    cli.out.print(table)


def beat(
    schedule: Annotated[Path, typer.Option("--schedule", help="Where beat keeps its state.")] =
    Path(tempfile.gettempdir()) / "tongpan-beat-schedule",
    loglevel: Annotated[str, typer.Option("--loglevel")] = "INFO",
) -> None:
    """Start celery beat (run exactly one): the dispatch sweep every 15 s and the nightly feed refresh."""
    cli = _cli()
    app = _celery(Settings.from_env(), Limits.from_env())
    cli.engine()
    app.start(["beat", f"--schedule={schedule}", f"--loglevel={loglevel}"])


admin_app = typer.Typer(help="Administration of the admin API.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens of the admin API (/api/...).", no_args_is_help=True)
admin_app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    county: Annotated[bool, typer.Option("--county", help="For every community of the county.")] = False,
    community: Annotated[str | None, typer.Option("--community", help="For one community only.")] = None,
    note: Annotated[str, typer.Option("--note", help="Who or what the token is for.")] = "",
) -> None:
    """Create an admin token and print it once; only its hash is stored."""
    from scheduler.models import Community
    from tasks.access import create_token

    cli = _cli()
    if (community is None) == (not county):
        raise cli.fail("请指定 --county 或 --community CODE 其中之一")

    with cli.transaction() as session:
        if community is not None and session.get(Community, community) is None:
            raise cli.fail(f"没有教共体 {community}")
        token = create_token(session, community, note)
    scope = "全县" if community is None else f"教共体 {community}"
    cli.err.print(f"已创建{scope}的管理令牌；它只显示这一次，请妥善保存：", highlight=False)
    typer.echo(token)


@token_app.command("list")
def token_list() -> None:
    """List admin tokens by key id (never the secret)."""
    from tasks.access import list_tokens

    cli = _cli()
    table = Table(title="管理令牌")
    for column in ("编号", "范围", "备注", "创建", "撤销"):
        table.add_column(column)
    with cli.transaction() as session:
        for t in list_tokens(session):
            table.add_row(t.key_id, t.community_code or "全县", t.note, _local(t.created_at), _local(t.revoked_at))
    cli.out.print(table)


@token_app.command("revoke")
def token_revoke(key_id: Annotated[str, typer.Argument(help="The key id shown by `tongpan admin token list`.")]) -> None:
    """Revoke an admin token; requests with it get 401 from then on."""
    from tasks.access import revoke_token

    cli = _cli()
    with cli.transaction() as session:
        if not revoke_token(session, key_id):
            raise cli.fail(f"没有有效的令牌 {key_id}")
    cli.out.print(f"令牌 {key_id} 已撤销", highlight=False)


def register(app: typer.Typer, export_app: typer.Typer) -> None:
    app.command("regenerate")(regenerate)
    app.command("jobs")(jobs)
    app.command("worker")(worker)
    app.command("workers")(workers)
    app.command("beat")(beat)
    app.add_typer(admin_app, name="admin")
