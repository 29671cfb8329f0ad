"""`tongpan rotation propose` and `tongpan rotation apply`: the annual teacher rotation (交流轮岗).

`propose` reads the stored dataset and the plans published for the year before
(member schools' shortages), solves with CP-SAT and writes the 公示 list;
`apply` writes the moves into a new dataset file for the next school year.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

rotation_app = typer.Typer(help="Annual teacher rotation (交流轮岗).", no_args_is_help=True)
YearOption = Annotated[int, typer.Option("--year", help="School year the rotation starts (2027 = 2027学年).")]


def _cli():  # type: ignore[no-untyped-def]
    from tongpan import cli

    return cli


@rotation_app.command("propose")
def propose_command(
    year: YearOption,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the 公示 list here (.xlsx).")] = None,
    json_file: Annotated[Path | None, typer.Option("--json", help="Write the proposal as JSON (for apply).")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=1, help="Solver seconds.")] = 30,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Solver threads.")] = 2,
) -> None:
    """Propose which eligible teachers rotate to which member school for the school year."""
    from scheduler.dataset.store import load_dataset
    from scheduler.rotation.propose import propose
    from scheduler.rotation.publicity import publicity_workbook
    from scheduler.rotation.shortage import county_shortage

    cli = _cli()
    with cli.snapshot() as session:
        ds = load_dataset(session)
        if ds is None:
            raise cli.fail("数据库中还没有数据，请先 tongpan import")
        shortage, terms = county_shortage(session, ds, year)
    proposal = propose(ds, year, shortage, time_limit=time_limit, workers=workers)
    source = f"按 {'、'.join(terms)} 已发布方案的缺口" if terms else "没有上一学年的已发布方案，不计学科缺口"
    cli.out.print(f"{year} 学年交流轮岗方案：{len(proposal.moves)} 名教师交流，{source}；缺口 "
                  f"{proposal.shortage_periods} 节/周，补上 {proposal.covered_periods} 节/周；"
                  f"名额达标 {proposal.quotas_met}/{len(proposal.quotas)} 所学校；用时 {proposal.seconds} 秒"
                  f"（{proposal.status}）", highlight=False)
    missed = [q for q in proposal.quotas if not q.met]
    if missed:
        table = Table(title="未能达标的名额")
        for column in ("派出学校", "名额", "已安排", "骨干名额", "已安排骨干", "原因"):
            table.add_column(column, overflow="fold")
        for q in missed:
            table.add_row(q.name, str(q.quota), str(q.chosen), str(q.backbone_quota), str(q.backbone_chosen), q.reason)
        cli.out.print(table)
    if out_file is not None:
        subjects = {s.code: s.name for s in ds.subjects}
        teacher_subjects = {t.code: list(dict.fromkeys(q.subject for q in t.subjects)) for t in ds.teachers}
        out_file.write_bytes(publicity_workbook(proposal, ds.county.name, subjects, teacher_subjects))
        cli.out.print(f"已写入公示名单 {out_file}", highlight=False)
    if json_file is not None:
        json_file.write_text(json.dumps(proposal.document(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        cli.out.print(f"已写入方案 {json_file}", highlight=False)


@rotation_app.command("apply")
def apply_command(
    proposal_file: Annotated[Path, typer.Option("--proposal", help="The JSON proposal or the (edited) 公示 workbook.")],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the new dataset JSON.")],
    year: Annotated[int | None, typer.Option("--year", help="School year (needed with a workbook).")] = None,
) -> None:
    """Write the moves into a new dataset for the next school year (import it, then solve as usual)."""
    from scheduler.dataset.issues import DatasetInvalid
    from scheduler.dataset.store import export_document
    from scheduler.rotation.apply import ApplyError, apply_moves
    from scheduler.rotation.publicity import PublicityError, read_moves

    cli = _cli()
    try:
        found_year, moves = read_moves(proposal_file)
    except PublicityError as exc:
        raise cli.fail(str(exc)) from None
    year = year or found_year
    if year is None:
        raise cli.fail("请用 --year 指明交流开始的学年")
    with cli.snapshot() as session:
        document = export_document(session)
    if document is None:
        raise cli.fail("数据库中还没有数据，请先 tongpan import")
    try:
        new, notes = apply_moves(document, year, moves)
    except DatasetInvalid as exc:
        raise cli.report_invalid(exc) from None
    except ApplyError as exc:
        raise cli.fail(str(exc)) from None
    out_file.write_text(json.dumps(new, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for note in notes:
        cli.out.print(note, highlight=False, markup=False)
    cli.out.print(f"已把 {len(moves)} 名教师的交流写入 {out_file}；用 tongpan import 导入后按常规排课", highlight=False)


def register(app: typer.Typer, export_app: typer.Typer) -> None:
    app.add_typer(rotation_app, name="rotation")
