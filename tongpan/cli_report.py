"""`tongpan report`: the county policy report for a term or a school year, as Excel and PDF.

The figures are computed in scheduler/report from the published plans' dated
occurrences; this module parses options, writes the files and prints the
missed targets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

SHOWN = 30


def _cli():  # type: ignore[no-untyped-def]
    from tongpan import cli

    return cli


def report_command(
    term: Annotated[str | None, typer.Option("--term", help="Term code, e.g. 2026-1.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="School year (2026 = 2026学年, both terms).")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the Excel workbook here (.xlsx).")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Write the printable PDF here.")] = None,
) -> None:
    """The policy report: community targets, 走教, coverage and rotation, missed targets first."""
    from scheduler.report import ReportError, build_report, report_input
    from scheduler.report.layout import target_text
    from scheduler.school_calendar import CalendarError

    cli = _cli()
    try:
        with cli.snapshot() as session:
            report = build_report(report_input(session, term=term, year=year))
    except (ReportError, CalendarError, LookupError) as exc:
        raise cli.fail(str(exc)) from None
    if out_file is not None:
        from scheduler.report.xlsx import report_workbook

        out_file.write_bytes(report_workbook(report))
        cli.out.print(f"已写入 Excel 报告 {out_file}", highlight=False)
    if pdf is not None:
        from scheduler.report.pdf import report_pdf

        pdf.write_bytes(report_pdf(report))
        cli.out.print(f"已写入 PDF 报告 {pdf}", highlight=False)
    missed = report.missed
    table = Table(title=f"{report.county_name} {report.period}：未达标 {len(missed)} 项 / 共 {len(report.targets)} 项")
    for column in ("范围", "学校/校区", "指标", "实际", "目标", "差额", "如何达标"):
        table.add_column(column, overflow="fold")
    for t in missed[:SHOWN]:
        value, goal, short = target_text(t)
        table.add_row(t.scope_name, t.school_name or "", t.label, value, goal, short, t.advice)
    cli.out.print(table)
    if len(missed) > SHOWN:
        cli.out.print(f"……另有 {len(missed) - SHOWN} 项未达标，见 --out 写出的工作簿", highlight=False)
    for community, missing_term in report.missing_plans:
        cli.err.print(f"[yellow]提示：[/yellow]教共体 {community} 学期 {missing_term} 尚未发布排课方案，其指标按 0 计",
                      highlight=False)


def register(app: typer.Typer, export_app: typer.Typer) -> None:
    app.command("report")(report_command)
