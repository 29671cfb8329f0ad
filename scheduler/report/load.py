"""Gathering a report's input from the database: the dataset, the period's terms and published plans."""

from __future__ import annotations

from sqlalchemy.orm import Session

from scheduler.dataset.schema import Dataset, Term
from scheduler.dataset.store import load_dataset
from scheduler.dataset.terms import term_calendar
from scheduler.dated import many_small_objects, published_occurrences
from scheduler.plans import published_version
from scheduler.report.model import PlanInput, ReportInput
from scheduler.school_calendar import school_days


class ReportError(ValueError):
    """The report cannot be made as asked (no dataset, unknown term or school year)."""


def school_year(term: Term) -> int:
    """The school year a term belongs to, named by the calendar year it starts in (Sept to July)."""
    return term.start.year if term.start.month >= 8 else term.start.year - 1


def _period_terms(ds: Dataset, term: str | None, year: int | None) -> tuple[list[Term], str, int]:
    if term is not None:
        found = [t for t in ds.terms if t.code == term]
        if not found:
            raise ReportError(f"没有学期 {term}")
        return found, term, school_year(found[0])
    terms = sorted((t for t in ds.terms if school_year(t) == year), key=lambda t: t.start)
    if not terms:
        raise ReportError(f"没有 {year} 学年的学期（{year} 年 9 月至 {year + 1} 年 7 月开始的学期）")
    return terms, f"{year}学年", int(year or 0)


def report_input(session: Session, *, term: str | None = None, year: int | None = None,
                 dataset: Dataset | None = None) -> ReportInput:
    """Everything the report reads, for one term or one school year (exactly one of the two)."""
    if (term is None) == (year is None):
        raise ReportError("请指定 --term 或 --year 之一")
    ds = dataset or load_dataset(session)
    if ds is None:
        raise ReportError("数据库中还没有数据，请先 tongpan import")
    terms, period, school = _period_terms(ds, term, year)
    days = {t.code: school_days(term_calendar(t)) for t in terms}
    plans = []
    with many_small_objects():
        for t in terms:
            for community in ds.communities:
                plan = published_version(session, community.code, t.code)
                if plan is None:
                    continue
                occurrences = published_occurrences(session, community.code, t.code, days=days[t.code])
                plans.append(PlanInput(community.code, t.code, plan.activities, plan.unmet, occurrences))
    return ReportInput(ds, period, tuple(t.code for t in terms), days, plans, school)
