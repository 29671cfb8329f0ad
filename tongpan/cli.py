"""The `tongpan` command: thin wrappers that parse options and print; the work is in scheduler/.

Here and in the tongpan/cli_*.py command modules, a command imports the layers
it works with inside its own body: at module level only the standard library,
typer, rich and light constants. Every invocation, `--help` and the workers'
healthcheck included, imports every command module, and the solver (OR-Tools,
which loads pandas), the file writers (openpyxl, fpdf), Celery and even
SQLAlchemy would otherwise add seconds to each start (tests/test_cli_startup.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from tongpan.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from scheduler.dataset.issues import DatasetInvalid
    from scheduler.dataset.store import ListChange

app = typer.Typer(help="同盘 tongpan: 教共体师资同盘排课与日历订阅", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
export_app = typer.Typer(help="Export data.", no_args_is_help=True)
term_app = typer.Typer(help="School calendar of a term.", no_args_is_help=True)
template_app = typer.Typer(help="Blank templates for schools to fill in.", no_args_is_help=True)
generate_app = typer.Typer(help="Realistic generated datasets.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(export_app, name="export")
app.add_typer(term_app, name="term")
app.add_typer(template_app, name="template")
app.add_typer(generate_app, name="generate")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

EXIT_INPUT = 2

LIST_NAMES = {
    "terms": "学期", "subjects": "学科", "bell_schedules": "作息表", "schools": "学校",
    "travel_minutes": "通勤时间", "communities": "教共体", "teachers": "教师", "classes": "班级",
    "curriculum": "课程计划", "curriculum_overrides": "课程调整", "staffing": "任课安排",
    "coteaching": "同步课堂", "research_groups": "联合教研",
}


def fail(message: str, code: int = EXIT_INPUT) -> typer.Exit:
    err.print(f"[red]错误：[/red]{message}", highlight=False)
    return typer.Exit(code)


def engine() -> Engine:
    """The shared database, refusing to run against a schema that is missing or behind."""
    from scheduler.db import current_revision, head_revision, make_engine

    settings = Settings.from_env()
    eng = make_engine(settings.database_url)
    if current_revision(eng) != head_revision():
        raise fail(f"数据库 {eng.url.render_as_string(hide_password=True)} 尚未初始化或版本过旧，"
                   "请先运行 tongpan db upgrade")
    return eng


@contextmanager
def transaction() -> Iterator[Session]:
    """One transaction on the shared database (scheduler.db.transaction on `engine()`)."""
    from scheduler import db

    with db.transaction(engine()) as session:
        yield session


@contextmanager
def snapshot() -> Iterator[Session]:
    """One consistent read of the shared database (scheduler.db.snapshot on `engine()`)."""
    from scheduler import db

    with db.snapshot(engine()) as session:
        yield session


def report_invalid(exc: DatasetInvalid) -> typer.Exit:
    for line in exc.lines():
        err.print(line, highlight=False, markup=False)
    for note in getattr(exc.locate, "notes", ()):  # e.g. the template's example rows, left out on purpose
        err.print(f"提示：{exc.source}: {note}", highlight=False, markup=False)
    return fail(f"{len(exc.errors)} 处错误，未导入任何内容")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema of TONGPAN_DATABASE_URL to the latest version."""
    from scheduler.db import current_revision, make_engine, upgrade

    eng = make_engine(Settings.from_env().database_url)
    upgrade(eng)
    out.print(f"数据库已是最新版本 {current_revision(eng)}", highlight=False)


def print_changes(changes: dict[str, ListChange], dry_run: bool) -> None:
    from scheduler.dataset.store import LISTS

    table = Table(title="预览（未写入）" if dry_run else "导入结果")
    for column in ("列表", "新增", "修改", "删除"):
        table.add_column(column)
    for name in LISTS:
        c = changes[name]
        table.add_row(f"{LIST_NAMES[name]} {name}", str(len(c.added)), str(len(c.changed)), str(len(c.removed)))
    out.print(table)
    if dry_run:
        for name in LISTS:
            c = changes[name]
            for label, keys in (("新增", c.added), ("修改", c.changed), ("删除", c.removed)):
                if keys:
                    shown = ", ".join(keys[:20]) + (f" …（共 {len(keys)} 项）" if len(keys) > 20 else "")
                    out.print(f"{LIST_NAMES[name]} {label}: {shown}", highlight=False, markup=False)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A tongpan-dataset/1 JSON file or an Excel workbook (.xlsx).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")] = False,
    school: Annotated[str | None, typer.Option(
        "--school", help="Replace only this school's entities (a school admin's own workbook).")] = None,
    replace: Annotated[bool, typer.Option(
        "--replace", help="With --school: confirm removing the school's entities the file leaves out.")] = False,
) -> None:
    """Validate a dataset file and import it in one transaction (all errors are reported at once)."""
    from scheduler.dataset.issues import DatasetInvalid
    from scheduler.dataset.load import WAITING_MESSAGE, import_file
    from scheduler.dataset.school_import import RemovalsNeedConfirmation, import_school_file

    eng = engine()
    wait = lambda: err.print(WAITING_MESSAGE, highlight=False, markup=False)  # noqa: E731
    try:
        if school is None:
            result = import_file(eng, file, dry_run=dry_run, on_wait=wait)
        else:
            result = import_school_file(eng, file, school, dry_run=dry_run, replace=replace, on_wait=wait)
    except DatasetInvalid as exc:
        raise report_invalid(exc) from None
    except RemovalsNeedConfirmation as exc:
        for line in exc.lines():
            err.print(f"将删除 {line}", highlight=False, markup=False)
        raise fail(f"{exc}：确认后加 --replace 重新运行；未导入任何内容") from None
    for warning in result.warnings:
        err.print(f"[yellow]警告：[/yellow]{warning}", highlight=False)
    print_changes(result.changes, dry_run)


@export_app.command("dataset")
def export_dataset(
    out_file: Annotated[Path | None, typer.Option("--out", help="Write here instead of standard output.")] = None,
) -> None:
    """Write the stored dataset as tongpan-dataset/1 JSON (lists sorted by code)."""
    from scheduler.dataset.store import canonical_text, export_document

    with snapshot() as session:
        document = export_document(session)
    if document is None:
        raise fail("数据库中还没有数据，请先 tongpan import")
    text = canonical_text(document)
    if out_file is None:
        typer.echo(text, nl=False)
    else:
        out_file.write_text(text, encoding="utf-8")


@term_app.command("days")
def term_days(
    term: Annotated[str, typer.Option("--term", help="Term code, e.g. 2026-1.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print [{\"date\": ..., \"follows\": ...}].")] = False,
) -> None:
    """Print the school days of a term and the weekday timetable each follows."""
    from scheduler.dataset.store import stored_term
    from scheduler.dataset.terms import term_calendar
    from scheduler.school_calendar import CalendarError, school_days

    with transaction() as session:
        stored = stored_term(session, term)
    if stored is None:
        raise fail(f"没有学期 {term}")
    try:
        days = school_days(term_calendar(stored))
    except CalendarError as exc:
        raise fail(f"学期 {term}：{exc}") from None
    if as_json:
        typer.echo(json.dumps([{"date": d.date.isoformat(), "follows": d.follows} for d in days]))
        return
    table = Table(title=f"{stored.name}（{stored.code}）共 {len(days)} 个上课日")
    for column in ("日期", "按星期", "类型"):
        table.add_column(column)
    for d in days:
        table.add_row(d.date.isoformat(), d.follows, d.kind)
    out.print(table)


@template_app.command("xlsx")
def template_xlsx(path: Annotated[Path, typer.Argument(help="Where to write the workbook.")]) -> None:
    """Write the blank Excel workbook (one sheet per list, an example row each, a notes sheet)."""
    from scheduler.dataset.xlsx import write_template

    write_template(path)
    out.print(f"已写入模板 {path}", highlight=False)


@generate_app.command("county")
def generate_county_command(
    communities: Annotated[int, typer.Option("--communities", min=1, help="How many communities.")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same file.")] = 0,
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the dataset JSON.")] = Path("county.json"),
) -> None:
    """Write a realistic generated county (all three community models) as tongpan-dataset/1."""
    from scheduler.generate import generate_county

    document = generate_county(communities, seed)
    out_file.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    out.print(f"已生成 {len(document['communities'])} 个教共体、{len(document['teachers'])} 名教师、"
              f"{len(document['classes'])} 个班级 → {out_file}", highlight=False)


@app.command("demo")
def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Where the demo database and files go.")] = Path("demo"),
    communities: Annotated[int, typer.Option("--communities", min=1)] = 3,
    time_limit: Annotated[float, typer.Option("--time-limit", min=1, help="Solver seconds per community.")] = 10,
) -> None:
    """Generate a small county into a fresh SQLite database, import it, solve and publish every
    community in this process, and export the calendar feeds."""
    from tongpan.demo import run_demo

    if not run_demo(directory, communities, out, time_limit=time_limit):
        raise fail("有教共体的任务未成功，见上方信息", 1)


def _register_plugins() -> None:
    """Commands of the feed and job layers live beside their code; each adds itself here."""
    import importlib

    for module in ("tongpan.cli_plans", "tongpan.cli_feeds", "tongpan.cli_jobs", "tongpan.cli_timetables",
                   "tongpan.cli_fet", "tongpan.cli_report", "tongpan.cli_rotation", "tongpan.cli_covers"):
        try:
            plugin = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        plugin.register(app, export_app)


_register_plugins()
