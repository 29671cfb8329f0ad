"""Applying a rotation: the dataset for the next school year, with the moves in it.

Moving a teacher changes their school and campus, records the rotation in
their history, and marks them `exchange` where the community model needs it
for them to teach in person at another school (co-construction). What tied
them to their old school goes: their staffing entries and the co-teaching
links they led. Teachers whose rotation ends return home. The result is a
complete `tongpan-dataset/1` document, validated, to import and solve as usual.
"""

from __future__ import annotations

import copy
from typing import Any

from scheduler.dataset.schema import Dataset
from scheduler.dataset.validate import parse
from scheduler.report.load import school_year
from scheduler.rotation.eligible import standings


class ApplyError(ValueError):
    """Moves that cannot be applied (unknown teacher or campus); nothing is written."""


def apply_moves(document: dict[str, Any], year: int, moves: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """The new dataset document and notes for the admin (Chinese)."""
    ds, _ = parse(document, "dataset")
    rules = ds.county.rotation
    doc = copy.deepcopy(document)
    teachers = {t["code"]: t for t in doc["teachers"]}
    campus_school = {c["code"]: s["code"] for s in doc["schools"] for c in s["campuses"]}
    first_campus = {s["code"]: s["campuses"][0]["code"] for s in doc["schools"]}
    community_of = {code: c for c in doc["communities"] for code in (c["core_school"], *c.get("members", []))}
    errors = [f"第 {i} 条：未知的教师代码 {m['teacher']}" for i, m in enumerate(moves, 1) if m["teacher"] not in teachers]
    errors += [f"第 {i} 条：未知的校区代码 {m['campus']}" for i, m in enumerate(moves, 1) if m["campus"] not in campus_school]
    seen: set[str] = set()
    for i, m in enumerate(moves, 1):
        if m["teacher"] in seen:
            errors.append(f"第 {i} 条：教师 {m['teacher']} 重复出现")
        seen.add(m["teacher"])
    if errors:
        raise ApplyError("；".join(errors))
    notes = _eligibility_notes(ds, year, moves)
    moved: dict[str, str] = {}  # teacher -> old school
    for m in moves:
        t, dest = teachers[m["teacher"]], campus_school[m["campus"]]
        home = t["school"]
        moved[t["code"]] = home
        t["school"], t["campus"] = dest, m["campus"]
        t["rotation"] = [*t.get("rotation", []),
                         {"school": dest, "from": year, "to": year + rules.term_years, "home": home}]
        if community_of.get(dest, {}).get("model") == "co_construction":
            t["exchange"] = True
    for t in doc["teachers"]:
        ending = next((s for s in t.get("rotation", []) if s["to"] == year and s.get("home")
                       and t["school"] == s["school"]), None)
        if ending is not None and t["code"] not in moved:
            moved[t["code"]] = t["school"]
            t["school"], t["campus"], t["exchange"] = ending["home"], first_campus[ending["home"]], False
            notes.append(f"{t['name']}（{t['code']}）交流期满，回到 {ending['home']}")
    _untie(doc, moved, community_of, notes)
    if not any(school_year(term) == year for term in ds.terms):
        notes.append(f"数据中还没有 {year} 学年的学期：请在 terms 中加入后再导入和排课")
    parse(doc, "new dataset")  # must still be a valid dataset
    return doc, notes


def _eligibility_notes(ds: Dataset, year: int, moves: list[dict[str, Any]]) -> list[str]:
    """An edited 公示 list may name a teacher the rules do not select; say so, but the county decides."""
    standing = {s.teacher.code: s for s in standings(ds, year)}
    return [f"提示：{standing[m['teacher']].teacher.name}（{m['teacher']}）不符合交流条件："
            f"{standing[m['teacher']].reason}" for m in moves if not standing[m["teacher"]].eligible
            and standing[m["teacher"]].starts is None]


def _untie(doc: dict[str, Any], moved: dict[str, str], community_of: dict[str, Any], notes: list[str]) -> None:
    """Drop what bound a moved teacher to their old school."""
    staffing = [s for s in doc.get("staffing", []) if s["teacher"] not in moved]
    if len(staffing) < len(doc.get("staffing", [])):
        notes.append(f"删除了交流教师原有的 {len(doc['staffing']) - len(staffing)} 条任课安排")
    doc["staffing"] = staffing
    links = [c for c in doc.get("coteaching", []) if c["lead_teacher"] not in moved]
    for c in doc.get("coteaching", []):
        if c["lead_teacher"] in moved:
            notes.append(f"同步课堂 {c['code']} 的主讲教师 {c['lead_teacher']} 交流离校，已删除该链接，请另定主讲")
    doc["coteaching"] = links
    teachers = {t["code"]: t for t in doc["teachers"]}
    for group in doc.get("research_groups", []):
        if isinstance(group.get("teachers"), list):
            kept = [code for code in group["teachers"] if code not in moved or
                    community_of.get(teachers[code]["school"], {}).get("code") == group["community"]]
            group["teachers"] = kept
