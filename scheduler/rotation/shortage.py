"""Member schools' shortages as the rotation measures them: from the plans published for the year before."""

from __future__ import annotations

from sqlalchemy.orm import Session

from scheduler.dataset.schema import Dataset
from scheduler.plans import published_version
from scheduler.report.load import school_year
from scheduler.report.model import PlanInput
from scheduler.report.pool import Shortage, shortages
from scheduler.report.units import community_units


def county_shortage(session: Session, ds: Dataset, year: int) -> tuple[Shortage, list[str]]:
    """Unmet and pool-taught weekly periods per member campus, subject and grade, and the terms read.

    The rotation for school year Y is decided in the summer before it, so the
    published plans of the latest school year before Y are what shows the need.
    """
    years = sorted({school_year(t) for t in ds.terms if school_year(t) < year})
    if not years:
        return {}, []
    terms = [t.code for t in ds.terms if school_year(t) == years[-1]]
    result: Shortage = {}
    for community in ds.communities:
        plans = []
        for term in terms:
            plan = published_version(session, community.code, term)
            if plan is not None:
                plans.append(PlanInput(community.code, term, plan.activities, plan.unmet, []))
        for key, value in shortages(ds, plans, community_units(ds, community)).items():
            result[key] = max(result.get(key, 0), value)
    return result, terms
