"""Commands for daily changes: absences and covers (代课).

`tongpan absence add` records an absence, lists the dated occurrences it
affects and proposes covers for those still ahead; `tongpan covers` shows the
proposal with its alternatives, changes a choice and confirms, which publishes
the dated overrides to the feeds concerned.
"""

from __future__ import annotations

import getpass
import json
import socket
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

if TYPE_CHECKING:
    from scheduler.covers.models import Cover

absence_app = typer.Typer(help="Teachers' absences.", no_args_is_help=True)
disruption_app = typer.Typer(help="Campuses cut off or closed.", no_args_is_help=True)
covers_app = typer.Typer(help="Covers (代课) for absences and cut-off campuses: review, change, confirm.",
                         no_args_is_help=True)



def _cli():  # type: ignore[no-untyped-def]
    """The main CLI module (imported late: it imports this module while it is being built)."""
    from tongpan import cli

    return cli


def _periods(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise _cli().fail(f"--periods：应为逗号分隔的节次，如 3,4，而不是 {text}") from None


def print_covers(covers: list[Cover], *, alternatives: bool = True) -> None:
    from scheduler.covers.candidates import MODE_NAMES

    cli = _cli()
    table = Table(title=f"代课安排（{len(covers)} 项）")
    for column in ("编号", "日期", "时间", "课", "缺勤", "方式", "代课教师", "理由", "状态"):
        table.add_column(column, overflow="fold")
    for c in covers:
        table.add_row(str(c.id), c.date.isoformat(), c.start, c.activity_code, c.absent_code or "—",
                      MODE_NAMES.get(c.mode, c.mode), c.teacher_code or "—", c.reason,
                      {"proposed": "待确认", "confirmed": "已确认"}.get(c.state, c.state))
    cli.out.print(table)
    if alternatives:
        for c in covers:
            shown = "；".join(f"{n}. {MODE_NAMES.get(a['mode'], a['mode'])} {a['teacher'] or ''}"
                             f"（已代 {sum(a['count'].values())} 节）" for n, a in enumerate(c.alternatives, 1))
            cli.out.print(f"[{c.id}] 备选：{shown}", highlight=False, markup=False)


@absence_app.command("add")
def absence_add(
    teacher: Annotated[str, typer.Option("--teacher", help="Teacher code.")],
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day away.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (病假, 事假, 培训 …).")],
    end: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (default: --from).")] = None,
    half: Annotated[str | None, typer.Option("--half", help="am or pm: only that half of each day.")] = None,
    periods: Annotated[str | None, typer.Option("--periods", help="Only these periods, e.g. 3,4.")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=1, help="Solver seconds for the covers.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Record an absence, list the dated occurrences it affects and propose covers for them."""
    from scheduler.covers.absences import AbsenceError
    from tongpan.daily import add_absence, affected_row, cover_row

    cli = _cli()
    try:
        with cli.transaction() as session:
            done = add_absence(session, teacher, start.date(), end.date() if end else None, half=half,
                               periods=_periods(periods), reason=reason,
                               by=f"cli:{getpass.getuser()}@{socket.gethostname()}", time_limit=time_limit)
            rows = [cover_row(c) for c in done.covers]
    except AbsenceError as exc:
        raise cli.fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps({"absence": done.absence.id,
                               "affected": [affected_row(a) for a in done.affected],
                               "covers": rows}, ensure_ascii=False, indent=2))
        return
    cli.out.print(f"已记录缺勤 {done.absence.id}：教师 {teacher}，影响 {len(done.affected)} 项", highlight=False)
    for a in done.affected:
        cli.out.print(f"  {a.describe()}", highlight=False, markup=False)
    if done.past:
        cli.out.print(f"其中 {len(done.past)} 项已经过去，不再安排代课（计入台账）", highlight=False)
    if done.covers:
        print_covers(done.covers)
        cli.out.print(f"确认：tongpan covers confirm --absence {done.absence.id}", highlight=False)


@disruption_app.command("add")
def disruption_add(
    campus: Annotated[str, typer.Option("--campus", help="Campus code.")],
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day.")],
    end: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (default: --from).")] = None,
    half: Annotated[str | None, typer.Option("--half", help="am or pm: only that half of each day.")] = None,
    closed: Annotated[bool, typer.Option("--closed", help="Closed to pupils: its lessons are cancelled.")] = False,
    reason: Annotated[str, typer.Option("--reason", help="Why (台风, 道路中断, 考试 …).")] = "",
    time_limit: Annotated[float, typer.Option("--time-limit", min=1, help="Solver seconds for the covers.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Record a campus cut off (nobody travels to or from it) or closed, and propose what happens instead."""
    from scheduler.covers.absences import AbsenceError
    from tongpan.daily import add_disruption, affected_row, cover_row

    cli = _cli()
    try:
        with cli.transaction() as session:
            done = add_disruption(session, campus, start.date(), end.date() if end else None, half=half,
                                  closed=closed, reason=reason,
                                  by=f"cli:{getpass.getuser()}@{socket.gethostname()}", time_limit=time_limit)
            rows = [cover_row(c) for c in done.covers]
    except AbsenceError as exc:
        raise cli.fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps({"disruption": done.disruption.id, "affected": [affected_row(a) for a in done.affected],
                               "covers": rows}, ensure_ascii=False, indent=2))
        return
    what = "停课" if closed else "交通中断"
    cli.out.print(f"已记录校区 {campus} {what}（{done.disruption.id}），影响 {len(done.affected)} 项", highlight=False)
    for a in done.affected:
        cli.out.print(f"  {a.describe()}", highlight=False, markup=False)
    if done.covers:
        print_covers(done.covers)
        cli.out.print(f"确认：tongpan covers confirm --disruption {done.disruption.id}", highlight=False)


@covers_app.command("list")
def covers_list(
    day: Annotated[datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="Only this date.")] = None,
    absence: Annotated[int | None, typer.Option("--absence", help="Only the covers of this absence.")] = None,
    state: Annotated[str, typer.Option("--state", help="proposed or confirmed.")] = "proposed",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show covers with who covers, how, why, and the alternatives ranked (with each one's cover count)."""
    from scheduler.covers.review import proposed
    from tongpan.daily import cover_row

    cli = _cli()
    with cli.transaction() as session:
        covers = proposed(session, day=day.date() if day else None, absence=absence, state=state)
        rows = [cover_row(c) for c in covers]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    print_covers(covers)


@covers_app.command("choose")
def covers_choose(
    cover_id: Annotated[int, typer.Argument(help="Cover number (from tongpan covers list).")],
    choice: Annotated[int | None, typer.Option("--choice", help="Alternative number.")] = None,
    teacher: Annotated[str | None, typer.Option("--teacher", help="The alternative with this teacher.")] = None,
) -> None:
    """Take another of a proposed cover's alternatives."""
    from scheduler.covers.review import CoverError, choose

    cli = _cli()
    if (choice is None) == (teacher is None):
        raise cli.fail("请指定且只指定一个：--choice 或 --teacher")
    try:
        with cli.transaction() as session:
            cover = choose(session, cover_id, alternative=choice, teacher=teacher)
            print_covers([cover], alternatives=False)
    except CoverError as exc:
        raise cli.fail(str(exc)) from None


@covers_app.command("confirm")
def covers_confirm(
    absence: Annotated[int | None, typer.Option("--absence", help="The covers of this absence.")] = None,
    disruption: Annotated[int | None, typer.Option("--disruption", help="The covers of this disruption.")] = None,
    day: Annotated[datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="Every cover of a date.")] = None,
) -> None:
    """Confirm proposed covers and publish them: only the feeds whose occurrences change get new bytes."""
    from calendars.publish import PublishError
    from scheduler.covers.absences import AbsenceError
    from scheduler.covers.review import proposed
    from tongpan.daily import confirm_and_publish

    cli = _cli()
    if absence is None and disruption is None and day is None:
        raise cli.fail("请指定 --absence、--disruption 或 --date")
    try:
        with cli.transaction() as session:
            covers = proposed(session, day=day.date() if day else None, absence=absence, disruption=disruption)
            if not covers:
                raise cli.fail("没有待确认的代课安排")
            results = confirm_and_publish(session, covers)
    except (AbsenceError, PublishError) as exc:
        raise cli.fail(str(exc)) from None
    changed = sum(r.feeds_changed for r in results)
    cli.out.print(f"已确认 {len(covers)} 项代课安排并发布：日历订阅 {changed} 个已更新，"
                  f"{sum(r.feeds_unchanged for r in results)} 个无变化", highlight=False)


def export_covers(
    month: Annotated[str, typer.Option("--month", help="Month, e.g. 2026-11.")],
    out_file: Annotated[Path, typer.Option("--out", help="Workbook to write.")] = Path("covers.xlsx"),
) -> None:
    """The cover ledger of a month as an Excel workbook for payroll: per teacher covers given and lessons
    missed by reason, and every cover."""
    from scheduler.covers.ledger import LedgerError, ledger, write_workbook
    from scheduler.dataset.store import load_dataset

    cli = _cli()
    try:
        with cli.snapshot() as session:
            ds = load_dataset(session)
            if ds is None:
                raise cli.fail("数据库中还没有数据，请先 tongpan import")
            rows, covers, why = ledger(session, ds, month)
            write_workbook(ds, month, rows, covers, why, out_file)
    except LedgerError as exc:
        raise cli.fail(str(exc)) from None
    cli.out.print(f"已写出 {month} 代课台账：{len(rows)} 位教师，{len(covers)} 项代课 → {out_file}", highlight=False)


def register(app: typer.Typer, export_app: typer.Typer) -> None:
    export_app.command("covers")(export_covers)
    app.add_typer(absence_app, name="absence")
    app.add_typer(covers_app, name="covers")
    app.add_typer(disruption_app, name="disruption")
