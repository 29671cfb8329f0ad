"""Commands of the plan layer: solve, check, and export plan.

`tongpan solve` runs in the foreground of this process (no job table, no
publication): it is the admin's tool to try a dataset change and look at the
result before anything reaches teachers. `tongpan regenerate` is the job that
also publishes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from scheduler.solver.summary import BOUND_NOTE, progress_text, summary_text
from tasks.config import Limits

if TYPE_CHECKING:
    from scheduler.check import Violation
    from scheduler.plan_document import PlanDocument, Unmet

EXIT_VIOLATIONS = 1

CommunityOption = Annotated[str, typer.Option("--community", help="Community code.")]
TermOption = Annotated[str, typer.Option("--term", help="Term code, e.g. 2026-1.")]
VersionOption = Annotated[int | None, typer.Option("--version", help="Plan version (default: the latest).")]


def _cli():  # type: ignore[no-untyped-def]
    """The main CLI module (imported late: it imports this module while it is being built)."""
    from tongpan import cli

    return cli


def progress_line(report: dict[str, Any]) -> str:
    """One line per solver report: elapsed, phase, best 罚分, 下界 (scheduler/solver/summary.py)."""
    return f"[{report['elapsed']:7.1f} 秒] {progress_text(report)}"


@contextmanager
def _progress_display(console: Console) -> Iterator[Callable[[dict[str, Any]], None]]:
    """On a terminal one live status line; in a log (CI, cron) one line per report."""
    if not console.is_terminal:
        yield lambda r: console.print(progress_line(r), highlight=False, markup=False)
        return
    with console.status("求解准备中…") as status:
        yield lambda r: status.update(progress_line(r))


def print_violations(violations: list[Violation]) -> None:
    out = _cli().out
    for v in violations:
        out.print(str(v), highlight=False, markup=False)


def _print_unmet(unmet: list[Unmet]) -> None:
    table = Table(title=f"未能安排的课（{sum(u.periods for u in unmet)} 节）")
    for column in ("班级", "学科", "节数", "原因"):
        table.add_column(column, overflow="fold")
    for u in unmet:
        table.add_row(u.class_, u.subject, str(u.periods), u.reason)
    _cli().out.print(table)


def solve_command(
    community: CommunityOption,
    term: TermOption,
    time_limit: Annotated[float | None, typer.Option(
        "--time-limit", min=1, help="Solver seconds (default: TONGPAN_SOLVER_TIME_LIMIT or 60).")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="Solver threads (default: TONGPAN_SOLVER_WORKERS or 2).")] = None,
) -> None:
    """Solve a community's weekly plan from its published one, check it and store it as a new version."""
    from scheduler.models import PLAN_STATUS_NAMES
    from scheduler.planning import PlanningError, solve_and_store, unchanged_message
    from scheduler.plans import stored_document

    cli = _cli()
    try:
        limits = Limits.from_env()
    except ValueError as exc:
        raise cli.fail(str(exc)) from None
    try:
        with _progress_display(cli.err) as report:
            outcome = solve_and_store(cli.engine(), community, term,
                                      time_limit=time_limit or limits.solver_seconds,
                                      workers=workers or limits.solver_workers, progress=report)
    except PlanningError as exc:
        raise cli.fail(str(exc)) from None
    if outcome.unchanged:
        cli.out.print(f"教共体 {community} 学期 {term}：{unchanged_message(outcome.plan.version)}", highlight=False)
        return
    plan = stored_document(outcome.plan)
    stats = plan.stats
    changed = (f"，与已发布方案相比变动 {stats['changed_vs_published']} 项"
               if stats.get("changed_vs_published") is not None else "")
    status = PLAN_STATUS_NAMES.get(plan.status, plan.status)
    cli.out.print(f"教共体 {community} 学期 {term} 第 {plan.version} 版（{status}）：课 {plan.count('lesson')} 节，"
                  f"同步课堂 {plan.count('coteach')} 节，教研 {plan.count('research')} 次；"
                  f"用时 {stats.get('solve_seconds')} 秒，{summary_text(stats)}{changed}", highlight=False)
    cli.out.print(f"（{BOUND_NOTE}）", highlight=False)
    if plan.unmet:
        _print_unmet(plan.unmet)
    if outcome.violations:
        print_violations(outcome.violations)
        raise cli.fail(f"第 {plan.version} 版未通过独立校验（{len(outcome.violations)} 处），已标记为"
                       f"{PLAN_STATUS_NAMES['failed']}，不能发布", EXIT_VIOLATIONS)


def _stored_document(community: str, term: str, version: int | None) -> PlanDocument:
    from scheduler.plans import PlanNotFound, find_version, stored_document

    cli = _cli()
    try:
        with cli.snapshot() as session:
            return stored_document(find_version(session, community, term, version))
    except PlanNotFound as exc:
        raise cli.fail(str(exc)) from None


def check_command(
    community: CommunityOption,
    term: TermOption,
    version: VersionOption = None,
    on: Annotated[datetime | None, typer.Option(
        "--date", formats=["%Y-%m-%d"],
        help="Check the published plans on this date, with its covers and other dated overrides.")] = None,
) -> None:
    """Re-verify every hard rule of a stored plan against the current dataset; print each violation."""
    from scheduler.dataset.store import StoredDatasetInvalid, load_stored
    from scheduler.plans import PlanNotFound, find_version
    from scheduler.recheck import against, check_against

    cli = _cli()
    if on is not None:
        _check_date(community, term, on.date())
        return
    try:
        with cli.snapshot() as session:
            plan = find_version(session, community, term, version)
            stored = load_stored(session)
            if stored is None:
                raise cli.fail("数据库中还没有数据，请先 tongpan import")
            verdict = check_against(stored, plan)
            activities = len(plan.activities)
    except (PlanNotFound, StoredDatasetInvalid) as exc:
        raise cli.fail(str(exc)) from None
    cli.out.print(against(verdict), highlight=False)
    if verdict.violations:
        print_violations(verdict.violations)
        raise cli.fail(f"第 {verdict.version} 版有 {len(verdict.violations)} 处违反硬性规则", EXIT_VIOLATIONS)
    cli.out.print(f"第 {verdict.version} 版通过校验：{activities} 项活动，没有违反任何硬性规则", highlight=False)


def _check_date(community: str, term: str, day: date) -> None:
    """The independent checker on one date: the plan that applies then, with its dated overrides."""
    from scheduler.covers.days import check_date
    from scheduler.dataset.store import load_dataset

    cli = _cli()
    with cli.snapshot() as session:
        dataset = load_dataset(session)
        if dataset is None:
            raise cli.fail("数据库中还没有数据，请先 tongpan import")
        stored = next((t for t in dataset.terms if t.code == term), None)
        if stored is None:
            raise cli.fail(f"没有学期 {term}")
        violations = check_date(session, dataset, community, stored, day)
    if violations:
        print_violations(violations)
        raise cli.fail(f"{day.isoformat()} 的课表（含代课等当日调整）有 {len(violations)} 处违反硬性规则",
                       EXIT_VIOLATIONS)
    cli.out.print(f"{day.isoformat()} 的课表（含代课等当日调整）通过校验，没有违反任何硬性规则", highlight=False)


def export_plan(
    community: CommunityOption,
    term: TermOption,
    version: VersionOption = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write here instead of standard output.")] = None,
) -> None:
    """Write a stored plan version as tongpan-plan/1 JSON."""
    from scheduler.plan_document import write_document

    document = _stored_document(community, term, version)
    text = write_document(document)
    if out_file is None:
        typer.echo(text, nl=False)
    else:
        out_file.write_text(text, encoding="utf-8")


def plans_command(
    community: CommunityOption,
    term: TermOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """The plan-version history: every version, its status, and from when each publication applied."""
    from sqlalchemy import select

    from scheduler.models import PLAN_STATUS_NAMES, County, PlanVersion
    from scheduler.plans import aware, publications

    cli = _cli()
    with cli.snapshot() as session:
        versions = list(session.scalars(select(PlanVersion).where(
            PlanVersion.community_code == community, PlanVersion.term_code == term).order_by(PlanVersion.version)))
        zone = ZoneInfo(session.scalar(select(County.timezone)) or "Asia/Shanghai")
        applied: dict[int, list[dict[str, str]]] = {}
        for p in publications(session, community, term):
            applied.setdefault(p.plan_version_id, []).append(
                {"published_at": aware(p.published_at).astimezone(zone).isoformat(timespec="seconds"),
                 "effective_from": p.effective_from.isoformat()})
        rows = [{"version": v.version, "status": v.status,
                 "created_at": aware(v.created_at).astimezone(zone).isoformat(timespec="seconds"),
                 "publications": applied.get(v.id, [])} for v in versions]
    if not rows:
        raise cli.fail(f"教共体 {community} 学期 {term} 还没有排课方案")
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"教共体 {community} 学期 {term} 的方案版本")
    for column in ("版本", "状态", "生成时间", "发布与生效"):
        table.add_column(column, overflow="fold")
    for row in rows:
        shown = "；".join(f"{p['published_at'][:16].replace('T', ' ')} 发布，自 {p['effective_from']} 起生效"
                         for p in row["publications"])
        status = PLAN_STATUS_NAMES.get(row["status"], row["status"])
        table.add_row(str(row["version"]), status, row["created_at"][:16].replace("T", " "), shown or "—")
    cli.out.print(table)


def register(app: typer.Typer, export_app: typer.Typer) -> None:
    app.command("plans")(plans_command)
    app.command("solve")(solve_command)
    app.command("check")(check_command)
    export_app.command("plan")(export_plan)
