"""The `tongpan-plan/1` document (shared/spec/plan.md) as typed models: the one reader and writer.

A solve produces a `Plan` (activities, unmet demand, stats); a stored version
is a `PlanDocument` (the same plus its community, term, version, status and
creation time). The solver's result, plan storage, the published-plan hint,
the feeds and the CLI all go through these models, so a plan that one of them
writes is a plan the others can read. The independent checker
(`scheduler/check/plan.py`) deliberately keeps a reader of its own: it judges
the exported JSON and must not share a bug with the code that wrote it.

The models check the document's shape (kinds, weekdays, `HH:MM` times, lists
of codes); whether the codes exist in the dataset and the plan keeps the rules
is the checker's job. Unmet entries may carry keys beyond the spec (the
solver's diagnostics); they are kept on a round trip. `stats` is free-form.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from scheduler.dataset.schema import HHMM, Weekday

PLAN_FORMAT = "tongpan-plan/1"

Kind = Literal["lesson", "coteach", "research"]
KINDS: tuple[str, ...] = ("lesson", "coteach", "research")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    def to_json(self) -> dict[str, Any]:
        """The JSON form: spec key names (`class`), absent optionals left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Remote(_Model):
    """A class joining a co-teaching lesson from its own campus, by its own bell."""

    class_: str = Field(alias="class")
    campus: str
    start: HHMM
    end: HHMM
    assistant: str | None = None


class Activity(_Model):
    """One weekly activity; a co-teaching lesson lists its lead class and teacher first."""

    kind: Kind
    code: str
    subject: str
    day: Weekday
    start: HHMM
    end: HHMM
    campus: str
    classes: list[str] = Field(default_factory=list)
    teachers: list[str] = Field(default_factory=list)
    remote: list[Remote] | None = None
    double: Literal["first", "second"] | None = None  # the two lessons of a double (连堂)


class Unmet(_Model):
    """Demand the plan leaves uncovered, with a reason a person can act on."""

    model_config = ConfigDict(extra="allow")

    class_: str = Field(alias="class")
    subject: str
    periods: int = Field(ge=0)
    reason: str = ""


class Plan(_Model):
    """What a solve decides: the week's activities, what it leaves unmet, and how the solve went."""

    activities: list[Activity] = Field(default_factory=list)
    unmet: list[Unmet] = Field(default_factory=list)
    stats: dict[str, Any] = Field(default_factory=dict)

    @property
    def unmet_periods(self) -> int:
        return sum(u.periods for u in self.unmet)

    def count(self, kind: str) -> int:
        """How many of the week's activities are of this kind."""
        return sum(1 for a in self.activities if a.kind == kind)

    def with_stats(self, **extra: Any) -> Plan:
        return self.model_copy(update={"stats": {**self.stats, **extra}})

    def same_week_as(self, other: Plan) -> bool:
        """The same activities (in any order) and the same unmet periods: nothing a teacher or class would see
        differs. Stats and the wording of unmet reasons (which name solve times) do not count."""
        def week(plan: Plan) -> tuple[list[str], list[tuple[str, str, int]]]:
            return (sorted(json.dumps(a.to_json(), sort_keys=True, ensure_ascii=False) for a in plan.activities),
                    sorted((u.class_, u.subject, u.periods) for u in plan.unmet))
        return week(self) == week(other)


class PlanDocument(Plan):
    """A stored plan version as exported by `tongpan export plan`."""

    format: Literal["tongpan-plan/1"] = PLAN_FORMAT
    community: str
    term: str
    version: int
    status: str
    created_at: datetime
    dataset_revision: str | None = None  # beyond the spec: SHA-256 of the dataset export it was solved from

    def to_json(self) -> dict[str, Any]:
        """Keys in the order of the spec's example; times with their UTC offset."""
        body = super().to_json()
        head = {key: body.pop(key) for key in ("format", "community", "term", "version", "status")}
        body.pop("created_at")
        stamp = self.created_at if self.created_at.tzinfo else self.created_at.replace(tzinfo=timezone.utc)
        revision = {"dataset_revision": body.pop("dataset_revision")} if "dataset_revision" in body else {}
        return {**head, "created_at": stamp.isoformat(), **revision, **body}


def read_plan(data: Any) -> Plan:
    """A solve's result (`{"activities", "unmet", "stats"}`) as a typed plan; raises pydantic's ValidationError."""
    return data if isinstance(data, Plan) else Plan.model_validate(data)


def read_document(data: str | bytes | dict[str, Any]) -> PlanDocument:
    """A `tongpan-plan/1` document from its JSON text or parsed form."""
    if isinstance(data, (str, bytes)):
        return PlanDocument.model_validate_json(data)
    return PlanDocument.model_validate(data)


def write_document(document: PlanDocument) -> str:
    """The document as the JSON text `tongpan export plan` writes (UTF-8, indented, final newline)."""
    return json.dumps(document.to_json(), ensure_ascii=False, indent=2) + "\n"
