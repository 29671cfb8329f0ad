"""What a policy report holds: the figures against their targets, and the detail tables behind them.

Every figure is a plain number computed by one pure function of the dataset and
the dated occurrences (scheduler/dated.py); the Excel workbook, the PDF and the
dashboard only lay these objects out, so all three always agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from scheduler.dataset.schema import Dataset
from scheduler.dated import DatedActivity
from scheduler.school_calendar import SchoolDay

COUNTY = "county"


@dataclass(frozen=True)
class Target:
    """One policy figure against its target, for a community, a member school or the county.

    Shares are fractions (0.8 for 80%); `unit` says how to read `value`.
    """

    key: str  # coteach_subjects, coteach_lessons, online_research, onsite_research, fusion_share, ...
    label: str  # Chinese, for people
    scope: str  # a community code, or "county"
    scope_name: str
    school: str | None  # the member school (or fused campus) of a per-pair figure
    school_name: str | None
    value: float
    target: float
    unit: str  # 门, 节, 次, %
    advice: str = ""  # what would close the gap, in Chinese (empty when met)

    @property
    def met(self) -> bool:
        return self.value + 1e-9 >= self.target

    @property
    def short_by(self) -> float:
        return 0.0 if self.met else round(self.target - self.value, 9)


@dataclass(frozen=True)
class Unit:
    """A member school of a community, or a campus of a fused school other than its main one.

    The per-pair targets (同步课堂, research) are counted per unit: each is one
    'pair' with the core school in the policy's sense.
    """

    community: str
    code: str
    name: str
    campuses: frozenset[str]


@dataclass(frozen=True)
class PlanInput:
    """A published plan of one community and term, as the report reads it."""

    community: str
    term: str
    activities: list[dict[str, Any]]  # the weekly pattern
    unmet: list[dict[str, Any]]
    occurrences: list[DatedActivity]  # after daily changes


@dataclass(frozen=True)
class ReportInput:
    dataset: Dataset
    period: str  # a term code, or "2026学年"
    terms: tuple[str, ...]
    days: dict[str, list[SchoolDay]]  # per term
    plans: list[PlanInput]
    school_year: int

    @property
    def weeks(self) -> int:
        """School weeks of the period: ISO weeks with at least one school day."""
        return len({d.date.isocalendar()[:2] for term in self.terms for d in self.days.get(term, [])})


@dataclass(frozen=True)
class CoteachRow:
    community: str
    unit: str
    unit_name: str
    subjects: tuple[str, ...]
    lessons: int


@dataclass(frozen=True)
class ResearchRow:
    community: str
    unit: str
    unit_name: str
    online: int
    onsite: int


@dataclass(frozen=True)
class TravelRow:
    """One travelling teacher (走教) in one term: the weekly pattern and the dated total."""

    teacher: str
    name: str
    community: str
    term: str
    campuses: tuple[str, ...]
    days_per_week: int
    minutes_per_week: int
    days: int  # dated travel days over the term
    minutes: int  # dated travel minutes over the term


@dataclass(frozen=True)
class PoolRow:
    """How much of a member school's in-person teaching comes from pool teachers of elsewhere."""

    community: str
    unit: str
    unit_name: str
    lessons: int
    pool_lessons: int
    coteach_remote: int  # remote sides of 同步课堂 its classes joined

    @property
    def share(self) -> float:
        return self.pool_lessons / self.lessons if self.lessons else 0.0


@dataclass(frozen=True)
class UnmetRow:
    community: str
    term: str
    school: str
    school_name: str
    subject: str
    subject_name: str
    classes: int
    periods_per_week: int


@dataclass(frozen=True)
class CoverageRow:
    """One kind of school (rural and town, small, boarding) and how many are in a community."""

    key: str
    label: str
    schools: int
    covered: int
    uncovered: tuple[str, ...]  # school codes

    @property
    def share(self) -> float:
        return self.covered / self.schools if self.schools else 1.0


@dataclass(frozen=True)
class RotationRow:
    """The year's rotation (交流轮岗) of one sending school, from the dataset's rotation history."""

    school: str
    school_name: str
    eligible: int
    rotating: int
    backbone: int

    @property
    def share(self) -> float:
        return self.rotating / self.eligible if self.eligible else 0.0

    @property
    def backbone_share(self) -> float:
        return self.backbone / self.rotating if self.rotating else 0.0


@dataclass
class Report:
    county: str
    county_name: str
    period: str
    terms: tuple[str, ...]
    school_year: int
    weeks: int
    generated: date
    targets: list[Target] = field(default_factory=list)  # missed first
    coteach: list[CoteachRow] = field(default_factory=list)
    research: list[ResearchRow] = field(default_factory=list)
    travel: list[TravelRow] = field(default_factory=list)  # largest burden first
    pool: list[PoolRow] = field(default_factory=list)
    unmet: list[UnmetRow] = field(default_factory=list)
    coverage: list[CoverageRow] = field(default_factory=list)
    rotation: list[RotationRow] = field(default_factory=list)
    missing_plans: list[tuple[str, str]] = field(default_factory=list)  # (community, term) without a published plan

    @property
    def missed(self) -> list[Target]:
        return [t for t in self.targets if not t.met]


def scaled(target: int, target_period: str, terms: int) -> int:
    """A community target for a report period of `terms` terms.

    A school year has two terms: a school-year target is halved (rounded up)
    for a one-term report, and a per-term target multiplied by the terms.
    """
    if target_period == "term":
        return target * terms
    return math.ceil(target * terms / 2)
