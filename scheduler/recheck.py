"""Does a stored plan version still keep every hard rule on the data as it is now?

Each version records the revision of the dataset it was solved from. A
re-import after the solve (a teacher's new unavailable day, a changed
curriculum) can make a valid plan break a rule, so before a version is
published on data of another revision, the independent checker judges it
again on the current data; a version solved from the very same data was
judged when it was stored and is not checked twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.check import Violation, check_plan
from scheduler.dataset.store import StoredDataset, short_revision
from scheduler.models import PlanVersion
from scheduler.plans import plan_document


@dataclass(frozen=True)
class Recheck:
    """The verdict on one version against one stored dataset."""

    version: int
    solved_from: str | None  # the version's dataset revision (None: from before revisions were recorded)
    current: str
    violations: list[Violation]

    @property
    def same_data(self) -> bool:
        return self.solved_from == self.current

    def describe(self) -> str:
        """Which data the version was solved from and which it is judged by, for admins."""
        if self.same_data:
            return f"第 {self.version} 版基于当前数据（数据版本 {short_revision(self.current)}）求解"
        solved = ("求解时的数据版本未记录" if self.solved_from is None
                  else f"基于数据版本 {short_revision(self.solved_from)} 求解")
        return f"第 {self.version} 版{solved}，已按当前数据（数据版本 {short_revision(self.current)}）重新校验"


def against(verdict: Recheck) -> str:
    """`tongpan check`'s first line: which data it judged the version by, and which it was solved from."""
    if verdict.same_data:
        source = "即该版求解时的数据"
    elif verdict.solved_from is None:
        source = "该版求解时的数据版本未记录"
    else:
        source = f"该版求解自数据版本 {short_revision(verdict.solved_from)}"
    return f"按当前数据（数据版本 {short_revision(verdict.current)}，{source}）校验第 {verdict.version} 版"


def recheck(stored: StoredDataset, plan: PlanVersion) -> Recheck:
    """Judge `plan` on `stored` unless it was solved from exactly that data (then it passed when stored)."""
    if plan.dataset_revision == stored.revision:
        return Recheck(plan.version, plan.dataset_revision, stored.revision, [])
    violations = check_plan(stored.dataset, plan_document(plan), plan.community_code, plan.term_code)
    return Recheck(plan.version, plan.dataset_revision, stored.revision, violations)


def check_against(stored: StoredDataset, plan: PlanVersion) -> Recheck:
    """Judge `plan` on `stored` always (what `tongpan check` does), saying which data it used."""
    violations = check_plan(stored.dataset, plan_document(plan), plan.community_code, plan.term_code)
    return Recheck(plan.version, plan.dataset_revision, stored.revision, violations)
