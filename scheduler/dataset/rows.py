"""The mapping between a dataset document and database rows, both ways.

Each list of the document maps to one or more tables. `to_rows` flattens a
validated Dataset into plain row dicts per table; `to_document` rebuilds the
document from rows. Import and export both go through here, so a round trip is
the identity on the canonical form (lists sorted by code, defaults filled in).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from scheduler import models as m
from scheduler.dataset import schema
from scheduler.dataset.schema import Dataset, Entry, dump

Row = dict[str, Any]
Rows = dict[type[m.Base], list[Row]]

# Parents before children: inserts run in this order, deletes in reverse.
TABLES: tuple[type[m.Base], ...] = (
    m.County, m.Term, m.Subject, m.BellSchedule, m.Period, m.School, m.Campus, m.Travel,
    m.Community, m.CommunityMember, m.Teacher, m.TeacherSubject, m.SchoolClass,
    m.CurriculumLine, m.CurriculumOverride, m.Staffing, m.Coteaching, m.CoteachingRemote,
    m.ResearchGroup,
)


def primary_key(table: type[m.Base], row: Row) -> tuple[Any, ...]:
    return tuple(row[c.key] for c in table.__table__.primary_key.columns)  # type: ignore[attr-defined]


def curriculum_key(subject: str, grades: Iterable[int]) -> str:
    return f"{subject}:{','.join(str(g) for g in sorted(grades))}"


# Optional keys that came after the tables and have no column of their own: they ride in the
# row's `extra` JSON with the unknown keys and come back as typed fields on the way out.
LATER_KEYS: dict[type[Entry], tuple[str, ...]] = {
    schema.Teacher: ("max_days_per_week",),
    schema.SchoolClass: ("unavailable",),
    schema.CurriculumLine: ("double_periods",),
    schema.CurriculumOverride: ("double_periods", "allowed", "min_days_apart"),
}


def _extra(entry: Entry) -> dict[str, Any]:
    """Unknown keys of an entry, as JSON (they came from JSON, so they stay JSON), and its later keys."""
    later = dump(entry)
    return {**(entry.model_extra or {}),
            **{key: later[key] for key in LATER_KEYS.get(type(entry), ()) if key in later}}


def _json(entries: Iterable[Entry]) -> list[dict[str, Any]]:
    return [dump(e) for e in entries]


def to_rows(ds: Dataset) -> Rows:
    rows: Rows = defaultdict(list)
    county = ds.county
    rows[m.County].append({"code": county.code, "name": county.name, "timezone": county.timezone,
                           "targets": dump(county.targets) if county.targets else None,
                           "rotation_rules": dump(county.rotation_rules) if county.rotation_rules else None,
                           "feeds": dump(county.feeds) if county.feeds else None,
                           "extra": _extra(county), "document_extra": _extra(ds)})
    for t in ds.terms:
        rows[m.Term].append({
            "code": t.code, "name": t.name, "start": t.start, "end": t.end,
            "statutory_calendar": t.statutory_calendar, "extra_days_off": _json(t.extra_days_off),
            "makeup_days": _json(t.makeup_days), "extra_school_days": _json(t.extra_school_days),
            "statutory_overrides": dump(t.statutory_overrides) if t.statutory_overrides else None,
            "extra": _extra(t)})
    for s in ds.subjects:
        rows[m.Subject].append({"code": s.code, "name": s.name, "extra": _extra(s)})
    for b in ds.bell_schedules:
        rows[m.BellSchedule].append({"code": b.code, "days": list(b.days), "extra": _extra(b)})
        for p in b.periods:
            rows[m.Period].append({"bell_schedule_code": b.code, "n": p.n, "start": p.start, "end": p.end,
                                   "extra": _extra(p)})
    for s in ds.schools:
        rows[m.School].append({"code": s.code, "name": s.name, "area": s.area, "small": s.small,
                               "boarding": s.boarding, "weak": s.weak, "extra": _extra(s)})
        for i, c in enumerate(s.campuses):
            rows[m.Campus].append({"code": c.code, "school_code": s.code, "position": i, "name": c.name,
                                   "lat": c.lat, "lon": c.lon, "bell_schedule_code": c.bell_schedule,
                                   "area": c.area, "small": c.small, "boarding": c.boarding,
                                   "address": c.address, "extra": _extra(c)})
    for tr in ds.travel_minutes:
        rows[m.Travel].append({"from_campus_code": tr.from_, "to_campus_code": tr.to, "minutes": tr.minutes,
                               "extra": _extra(tr)})
    for c in ds.communities:
        rows[m.Community].append({"code": c.code, "name": c.name, "model": c.model,
                                  "core_school_code": c.core_school, "targets": dump(c.targets),
                                  "rules": dump(c.rules), "extra": _extra(c)})
        for i, school in enumerate(c.members):
            rows[m.CommunityMember].append({"community_code": c.code, "school_code": school, "position": i})
    for t in ds.teachers:
        rows[m.Teacher].append({"code": t.code, "name": t.name, "school_code": t.school,
                                "campus_code": t.campus, "max_periods_per_week": t.max_periods_per_week,
                                "backbone": t.backbone, "can_travel": t.can_travel, "exchange": t.exchange,
                                "unavailable": _json(t.unavailable), "school_since": t.school_since,
                                "rotation": _json(t.rotation) if t.rotation is not None else None,
                                "preferences": list(t.preferences) if t.preferences is not None else None,
                                "extra": _extra(t)})
        for i, q in enumerate(t.subjects):
            rows[m.TeacherSubject].append({"teacher_code": t.code, "position": i, "subject_code": q.subject,
                                           "grades": list(q.grades), "extra": _extra(q)})
    for k in ds.classes:
        rows[m.SchoolClass].append({"code": k.code, "name": k.name, "campus_code": k.campus, "grade": k.grade,
                                    "students": k.students, "extra": _extra(k)})
    for line in ds.curriculum:
        rows[m.CurriculumLine].append({"key": curriculum_key(line.subject, line.grades),
                                       "subject_code": line.subject, "grades": list(line.grades),
                                       "periods_per_week": line.periods_per_week, "extra": _extra(line)})
    for o in ds.curriculum_overrides:
        rows[m.CurriculumOverride].append({"class_code": o.class_, "subject_code": o.subject,
                                           "periods_per_week": o.periods_per_week, "extra": _extra(o)})
    for st in ds.staffing:
        rows[m.Staffing].append({"class_code": st.class_, "subject_code": st.subject,
                                 "teacher_code": st.teacher, "locked": st.locked, "extra": _extra(st)})
    for ct in ds.coteaching:
        rows[m.Coteaching].append({"code": ct.code, "subject_code": ct.subject,
                                   "lead_teacher_code": ct.lead_teacher, "lead_class_code": ct.lead_class,
                                   "lessons_per_week": ct.lessons_per_week, "meeting_url": ct.meeting_url,
                                   "extra": _extra(ct)})
        for i, k in enumerate(ct.remote_classes):
            rows[m.CoteachingRemote].append({"coteaching_code": ct.code, "class_code": k, "position": i})
    for g in ds.research_groups:
        rows[m.ResearchGroup].append({
            "code": g.code, "name": g.name, "community_code": g.community, "subject_code": g.subject,
            "grades": list(g.grades), "mode": g.mode, "minutes": g.minutes, "per_week": g.per_week,
            "host_campus_code": g.host_campus, "preferred": _json(g.preferred),
            "teachers": g.teachers if isinstance(g.teachers, str) else list(g.teachers),
            "meeting_url": g.meeting_url, "extra": _extra(g)})
    return rows


def _children(rows: list[Row], parent: str) -> dict[Any, list[Row]]:
    """Child rows grouped by their parent's code, in their stored position order."""
    grouped: dict[Any, list[Row]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r[parent], r.get("position", r.get("n", 0)))):
        grouped[row[parent]].append(row)
    return grouped


def _entry(fields: dict[str, Any], extra: dict[str, Any] | None) -> dict[str, Any]:
    """An entry's JSON: its known fields, minus absent optionals, plus its unknown keys."""
    return {**{k: v for k, v in fields.items() if v is not None}, **(extra or {})}


def _iso(value: date) -> str:
    return value.isoformat()


def term_entry(t: Row) -> dict[str, Any]:
    """A term's JSON from its row; also what the school calendar of a stored term is built from."""
    return _entry({
        "code": t["code"], "name": t["name"], "start": _iso(t["start"]), "end": _iso(t["end"]),
        "statutory_calendar": t["statutory_calendar"], "extra_days_off": t["extra_days_off"],
        "makeup_days": t["makeup_days"], "extra_school_days": t["extra_school_days"],
        "statutory_overrides": t["statutory_overrides"]}, t["extra"])


def to_document(rows: Rows) -> dict[str, Any]:
    """Rebuild the document from rows; lists come out sorted by their key."""
    def by(table: type[m.Base], *keys: str) -> list[Row]:
        return sorted(rows.get(table, []), key=lambda r: tuple(r[k] for k in keys))

    county = rows[m.County][0]
    periods = _children(rows.get(m.Period, []), "bell_schedule_code")
    campuses = _children(rows.get(m.Campus, []), "school_code")
    members = _children(rows.get(m.CommunityMember, []), "community_code")
    qualifications = _children(rows.get(m.TeacherSubject, []), "teacher_code")
    remotes = _children(rows.get(m.CoteachingRemote, []), "coteaching_code")
    document: dict[str, Any] = {
        "format": "tongpan-dataset/1",
        "county": _entry({"code": county["code"], "name": county["name"], "timezone": county["timezone"],
                          "targets": county["targets"], "rotation_rules": county["rotation_rules"],
                          "feeds": county["feeds"]},
                         county["extra"]),
        "terms": [term_entry(t) for t in by(m.Term, "code")],
        "subjects": [_entry({"code": s["code"], "name": s["name"]}, s["extra"]) for s in by(m.Subject, "code")],
        "bell_schedules": [_entry({
            "code": b["code"], "days": b["days"],
            "periods": [_entry({"n": p["n"], "start": p["start"], "end": p["end"]}, p["extra"])
                        for p in periods[b["code"]]]}, b["extra"]) for b in by(m.BellSchedule, "code")],
        "schools": [_entry({
            "code": s["code"], "name": s["name"], "area": s["area"], "small": s["small"],
            "boarding": s["boarding"], "weak": s["weak"],
            "campuses": [_entry({
                "code": c["code"], "name": c["name"], "lat": c["lat"], "lon": c["lon"],
                "bell_schedule": c["bell_schedule_code"], "area": c["area"], "small": c["small"],
                "boarding": c["boarding"], "address": c["address"]}, c["extra"])
                for c in campuses[s["code"]]]}, s["extra"])
            for s in by(m.School, "code")],
        "travel_minutes": [_entry({"from": t["from_campus_code"], "to": t["to_campus_code"],
                                   "minutes": t["minutes"]}, t["extra"])
                           for t in by(m.Travel, "from_campus_code", "to_campus_code")],
        "communities": [_entry({
            "code": c["code"], "name": c["name"], "model": c["model"], "core_school": c["core_school_code"],
            "members": [r["school_code"] for r in members[c["code"]]], "targets": c["targets"],
            "rules": c["rules"]}, c["extra"]) for c in by(m.Community, "code")],
        "teachers": [_entry({
            "code": t["code"], "name": t["name"], "school": t["school_code"], "campus": t["campus_code"],
            "subjects": [_entry({"subject": q["subject_code"], "grades": q["grades"]}, q["extra"])
                         for q in qualifications[t["code"]]],
            "max_periods_per_week": t["max_periods_per_week"], "backbone": t["backbone"],
            "can_travel": t["can_travel"], "exchange": t["exchange"], "unavailable": t["unavailable"],
            "school_since": t["school_since"], "rotation": t["rotation"], "preferences": t["preferences"]},
            t["extra"]) for t in by(m.Teacher, "code")],
        "classes": [_entry({"code": k["code"], "name": k["name"], "campus": k["campus_code"],
                            "grade": k["grade"], "students": k["students"]}, k["extra"])
                    for k in by(m.SchoolClass, "code")],
        "curriculum": [_entry({"grades": c["grades"], "subject": c["subject_code"],
                               "periods_per_week": c["periods_per_week"]}, c["extra"])
                       for c in by(m.CurriculumLine, "key")],
        "curriculum_overrides": [_entry({"class": o["class_code"], "subject": o["subject_code"],
                                         "periods_per_week": o["periods_per_week"]}, o["extra"])
                                 for o in by(m.CurriculumOverride, "class_code", "subject_code")],
        "staffing": [_entry({"class": s["class_code"], "subject": s["subject_code"],
                             "teacher": s["teacher_code"], "locked": s["locked"]}, s["extra"])
                     for s in by(m.Staffing, "class_code", "subject_code")],
        "coteaching": [_entry({
            "code": c["code"], "subject": c["subject_code"], "lead_teacher": c["lead_teacher_code"],
            "lead_class": c["lead_class_code"], "remote_classes": [r["class_code"] for r in remotes[c["code"]]],
            "lessons_per_week": c["lessons_per_week"], "meeting_url": c["meeting_url"]}, c["extra"])
            for c in by(m.Coteaching, "code")],
        "research_groups": [_entry({
            "code": g["code"], "name": g["name"], "community": g["community_code"], "subject": g["subject_code"],
            "grades": g["grades"], "mode": g["mode"], "minutes": g["minutes"], "per_week": g["per_week"],
            "host_campus": g["host_campus_code"], "preferred": g["preferred"], "teachers": g["teachers"],
            "meeting_url": g["meeting_url"]},
            g["extra"]) for g in by(m.ResearchGroup, "code")],
    }
    document.update(county["document_extra"] or {})
    return document
