"""`tongpan export pdf` and `tongpan export xlsx`: the printed timetables without the web workplace."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tongpan.settings import Settings

if TYPE_CHECKING:
    from tongpan.timetable_files import Printable

CommunityOption = Annotated[str, typer.Option("--community", help="Community code.")]
TermOption = Annotated[str, typer.Option("--term", help="Term code, e.g. 2026-1.")]
VersionOption = Annotated[int | None, typer.Option("--version", help="Plan version (default: the published one).")]


def _cli():  # type: ignore[no-untyped-def]
    """The main CLI module (imported late: it imports this module while it is being built)."""
    from tongpan import cli

    return cli


def _printable(community: str, term: str, version: int | None) -> Printable:
    from tongpan.timetable_files import load_printable

    cli = _cli()
    try:
        with cli.transaction() as session:
            return load_printable(session, community, term, version, Settings.from_env().public_url)
    except LookupError as exc:
        raise cli.fail(str(exc)) from None


def export_pdf(community: CommunityOption, term: TermOption,
               out_dir: Annotated[Path, typer.Option("--out", help="Directory for the PDF files.")],
               version: VersionOption = None) -> None:
    """Write a PDF timetable per class, teacher and campus (class-CODE.pdf, teacher-CODE.pdf, campus-CODE.pdf)."""
    from tongpan.timetable_files import write_pdfs

    printable = _printable(community, term, version)
    written = write_pdfs(printable, out_dir)
    _cli().out.print(f"已写入第 {printable.plan['version']} 版的 {len(written)} 个 PDF 课表到 {out_dir}", highlight=False)


def export_xlsx(community: CommunityOption, term: TermOption,
                out_file: Annotated[Path, typer.Option("--out", help="Where to write the workbook (.xlsx).")],
                version: VersionOption = None) -> None:
    """Write the class timetables as one Excel workbook, one sheet per class."""
    from tongpan.timetable_files import write_xlsx

    printable = _printable(community, term, version)
    sheets = write_xlsx(printable, out_file)
    _cli().out.print(f"已写入第 {printable.plan['version']} 版的 {sheets} 个班级课表到 {out_file}", highlight=False)


def register(app: typer.Typer, export_app: typer.Typer) -> None:
    export_app.command("pdf")(export_pdf)
    export_app.command("xlsx")(export_xlsx)
