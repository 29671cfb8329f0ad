"""`tongpan import-fet` and `tongpan export-fet`: the way in from FET and the way back to it."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer


def _cli():  # type: ignore[no-untyped-def]
    """The main CLI module (imported late: it imports this module while it is being built)."""
    from tongpan import cli

    return cli


def import_fet_command(
    path: Annotated[Path, typer.Argument(help="The .fet file (FET 5 or 6).")],
    county: Annotated[str, typer.Option("--county", help="County code of the new dataset.")] = "fet",
    term: Annotated[str, typer.Option("--term", help="Term code of the new dataset.")] = "fet-1",
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Write the tongpan-dataset/1 JSON here; without it, import into the database.")] = None,
) -> None:
    """Convert a FET file into a dataset of one school, and say what it could not carry over."""
    from scheduler.dataset.issues import DatasetInvalid
    from scheduler.dataset.load import import_file
    from scheduler.fet.reader import FetError, read_fet

    cli = _cli()
    if not path.is_file():
        raise cli.fail(f"文件 {path} 不存在")
    try:
        conversion = read_fet(path, county=county, term=term)
    except FetError as exc:
        raise cli.fail(str(exc)) from None
    text = json.dumps(conversion.dataset, ensure_ascii=False, indent=2) + "\n"
    cli.out.print(conversion.report(), highlight=False, markup=False)
    if out_file is not None:
        out_file.write_text(text, encoding="utf-8")
        cli.out.print(f"已写入 {out_file}", highlight=False)
        return
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / f"{path.stem}.json"
        staged.write_text(text, encoding="utf-8")
        try:
            result = import_file(cli.engine(), staged)
        except DatasetInvalid as exc:
            raise cli.report_invalid(exc) from None
    cli.print_changes(result.changes, dry_run=False)


def export_fet_command(
    community: Annotated[str, typer.Option("--community", help="Community code.")],
    term: Annotated[str, typer.Option("--term", help="Term code.")],
    out_file: Annotated[Path, typer.Option("--out", help="The .fet file to write.")],
    version: Annotated[int | None, typer.Option("--version", help="Plan version (default: the latest).")] = None,
    problem_only: Annotated[bool, typer.Option(
        "--problem-only", help="Write the weekly periods without the plan's times (for FET to solve).")] = False,
) -> None:
    """Write a community's plan as a FET file with every lesson locked at its starting time."""
    from scheduler.dataset.store import load_dataset
    from scheduler.fet.writer import FetExportError, inexact, plan_activities, write_fet
    from scheduler.plans import PlanNotFound, find_version, plan_document

    cli = _cli()
    try:
        with cli.snapshot() as session:
            dataset = load_dataset(session)
            if dataset is None:
                raise cli.fail("数据库中还没有数据，请先 tongpan import")
            document = None if problem_only else plan_document(find_version(session, community, term, version))
        plan = None if document is None else plan_activities(dataset, document)
        data = write_fet(dataset, community, plan)
    except (PlanNotFound, FetExportError) as exc:
        raise cli.fail(str(exc)) from None
    out_file.write_bytes(data)
    for reason in inexact(dataset, community):
        cli.out.print(f"注意：{reason}，与 tongpan 的规则相近但不完全相同", highlight=False, markup=False)
    cli.out.print(f"已写入 {out_file}" + ("" if document is None else f"（第 {document['version']} 版）"),
                  highlight=False)


def register(app: typer.Typer, export_app: typer.Typer) -> None:
    app.command("import-fet")(import_fet_command)
    app.command("export-fet")(export_fet_command)
