"""The policy report page (`/report`) and the rotation proposal page (`/rotation`).

Both lay out what scheduler/report and scheduler/rotation compute, with bar
charts against target lines; the workbook and the PDF download the same
figures. A community token sees its own community's figures only; the
county-wide figures and the rotation need the county token.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response

from scheduler.db import transaction
from scheduler.report import Report, ReportError, build_report, report_input, school_year
from scheduler.report.build import PAIR_KEYS, PAIR_LABELS
from scheduler.report.layout import number, target_text
from scheduler.report.model import COUNTY, Target
from scheduler.school_calendar import CalendarError
from tongpan.web.dashboard.auth import Admin, AdminDep, require_county
from tongpan.web.dashboard.charts import Bar, bar_chart
from tongpan.web.dashboard.common import engine, render, terms

router = APIRouter()
TermQuery = Annotated[str | None, Query()]
YearQuery = Annotated[int | None, Query()]
SHOWN_TRAVEL = 20
# One worker: the page and its 公示 download solve the same model the same way (CP-SAT with one worker
# is deterministic), so the list downloaded is the list shown.
ROTATION_SECONDS = 20


def _report(request: Request, admin: Admin, term: str | None, year: int | None) -> Report:
    with transaction(engine(request)) as session:
        if term is None and year is None:
            listed = terms(session)
            if not listed:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "还没有学期，请先导入数据")
            term = listed[-1].code
        try:
            report = build_report(report_input(session, term=term, year=year))
        except (ReportError, CalendarError) as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    if admin.community is not None:
        _only(report, admin.community)
    return report


def _only(report: Report, community: str) -> None:
    """What a community token may see: its own pairs, travel, pool and unmet rows."""
    report.targets = [t for t in report.targets if t.scope == community]
    report.coteach = [r for r in report.coteach if r.community == community]
    report.research = [r for r in report.research if r.community == community]
    report.travel = [r for r in report.travel if r.community == community]
    report.pool = [r for r in report.pool if r.community == community]
    report.unmet = [r for r in report.unmet if r.community == community]
    report.coverage, report.rotation = [], []
    report.missing_plans = [m for m in report.missing_plans if m[0] == community]


def _bars(targets: list[Target], label: str = "school") -> list[Bar]:
    bars = []
    for t in targets:
        value, goal, _ = target_text(t)
        name = f"{t.scope_name}·{t.school_name}" if label == "school" else t.label
        bars.append(Bar(name, t.value, t.target, f"{value} / {goal} {'' if t.unit == '%' else t.unit}".strip()))
    return bars


def _charts(report: Report) -> list[tuple[str, object]]:
    charts = []
    county = [t for t in report.targets if t.scope == COUNTY and t.unit == "%"]
    if county:
        charts.append(("全县比例指标（竖线为目标）", bar_chart(_bars(county, "label"), "全县比例指标")))
    for key in PAIR_KEYS:
        pairs = sorted((t for t in report.targets if t.key == key and t.school), key=lambda t: (t.scope, t.school))
        if pairs:
            title = f"{PAIR_LABELS[key][0]}（按成员校，竖线为目标）"
            charts.append((title, bar_chart(_bars(pairs), title)))
    return charts


def _query(term: str | None, year: int | None) -> str:
    return f"term={quote(term)}" if term else (f"year={year}" if year else "")


@router.get("/report", response_class=HTMLResponse)
def report_page(request: Request, admin: AdminDep, term: TermQuery = None, year: YearQuery = None) -> HTMLResponse:
    report = _report(request, admin, term, year)
    with transaction(engine(request)) as session:
        stored = terms(session)
        listed = [(t.code, t.name) for t in stored]
        years = sorted({school_year(t) for t in stored})  # type: ignore[arg-type]  # a stored term has .start too
    query = _query(term or (report.terms[0] if len(report.terms) == 1 and not year else None), year)
    return render(request, "report.html", admin, title="工作报告", report=report, charts=_charts(report),
                  terms=listed, years=years, query=query, number=number, target_text=target_text,
                  travel=report.travel[:SHOWN_TRAVEL], crumbs=[("总览", "/"), ("工作报告", None)])


def _download(body: bytes, filename: str, media: str) -> Response:
    return Response(body, media_type=media, headers={
        "Content-Disposition": f"attachment; filename=\"report\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "private, no-store"})


@router.get("/report.xlsx")
def report_xlsx(request: Request, admin: AdminDep, term: TermQuery = None, year: YearQuery = None) -> Response:
    from scheduler.report.xlsx import report_workbook

    report = _report(request, admin, term, year)
    return _download(report_workbook(report), f"{report.county_name}工作报告-{report.period}.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@router.get("/report.pdf")
def report_pdf_download(request: Request, admin: AdminDep, term: TermQuery = None,
                        year: YearQuery = None) -> Response:
    from scheduler.report.pdf import report_pdf

    report = _report(request, admin, term, year)
    return _download(report_pdf(report), f"{report.county_name}工作报告-{report.period}.pdf", "application/pdf")


def _proposal(request: Request, year: int):  # type: ignore[no-untyped-def]
    from scheduler.dataset.store import load_dataset
    from scheduler.rotation.propose import propose
    from scheduler.rotation.shortage import county_shortage

    with transaction(engine(request)) as session:
        ds = load_dataset(session)
        if ds is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "数据库中还没有数据，请先导入")
        shortage, source = county_shortage(session, ds, year)
    return ds, propose(ds, year, shortage, time_limit=ROTATION_SECONDS, workers=1), source


def _next_year(request: Request) -> int:
    with transaction(engine(request)) as session:
        listed = terms(session)
    if not listed:
        return date.today().year
    return max(school_year(t) for t in listed) + 1  # type: ignore[arg-type]  # a stored term has .start too


@router.get("/rotation", response_class=HTMLResponse)
def rotation_page(request: Request, admin: AdminDep, year: YearQuery = None) -> HTMLResponse:
    require_county(admin)
    year = year or _next_year(request)
    ds, proposal, source = _proposal(request, year)
    quota_bars = [Bar(q.name, q.chosen, q.quota, f"{q.chosen} / {q.quota} 名") for q in proposal.quotas]
    backbone_bars = [Bar(q.name, q.backbone_chosen, q.backbone_quota, f"{q.backbone_chosen} / {q.backbone_quota} 名")
                     for q in proposal.quotas]
    charts = [("交流名额（按派出学校，竖线为名额）", bar_chart(quota_bars, "交流名额")),
              ("骨干名额（按派出学校，竖线为名额）", bar_chart(backbone_bars, "骨干名额"))] if proposal.quotas else []
    eligible = [n for n in proposal.non_choices if n.eligible]
    return render(request, "rotation.html", admin, title="交流轮岗", year=year, proposal=proposal,
                  charts=charts, source=source, eligible_not_chosen=eligible, span=f"{year}—{year + proposal.term_years}",
                  crumbs=[("总览", "/"), ("交流轮岗", None)])


@router.get("/rotation/publicity.xlsx")
def rotation_publicity(request: Request, admin: AdminDep, year: YearQuery = None) -> Response:
    from scheduler.rotation.publicity import publicity_workbook

    require_county(admin)
    year = year or _next_year(request)
    ds, proposal, _ = _proposal(request, year)
    subjects = {s.code: s.name for s in ds.subjects}
    teacher_subjects = {t.code: list(dict.fromkeys(q.subject for q in t.subjects)) for t in ds.teachers}
    body = publicity_workbook(proposal, ds.county.name, subjects, teacher_subjects)
    return _download(body, f"{ds.county.name}{year}学年交流轮岗公示.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


__all__ = ["router"]
