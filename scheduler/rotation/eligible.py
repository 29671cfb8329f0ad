"""Who may rotate in a school year, and why not.

The national rule (教师〔2014〕4号) sends teachers of the urban schools who have
served long enough at one school; here the sending schools are the core
schools of the communities (of a fused school, its main campus only: its other
campuses are the former member schools). A teacher is eligible for school year Y when they
joined their school at least `eligible_years` before Y, are not exempted, are
not away on a rotation, and did not start one within the last `term_years`
(nobody moves twice within a term of rotation). A rotation that starts in Y
itself leaves its teacher eligible for Y: that is the rotation being counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.dataset.schema import Dataset, RotationRules, Teacher


@dataclass(frozen=True)
class Standing:
    """A teacher's position for one school year's rotation."""

    teacher: Teacher
    home: str  # the sending school they belong to for this year
    years: int | None  # years at that school by the start of the year
    eligible: bool
    reason: str  # why not, in Chinese (empty when eligible)
    starts: str | None  # the school a rotation starting this year goes to


def _stints(teacher: Teacher) -> list:  # type: ignore[type-arg]
    return list(teacher.rotation or [])


def standing(teacher: Teacher, year: int, rules: RotationRules, sending: dict[str, frozenset[str] | None],
             exempt: dict[str, str]) -> Standing:
    stints = _stints(teacher)
    starting = next((s for s in stints if s.from_ == year), None)
    home = (starting.home or teacher.school) if starting else teacher.school
    years = None if teacher.school_since is None else year - teacher.school_since

    def result(eligible: bool, reason: str = "") -> Standing:
        return Standing(teacher, home, years, eligible, reason, starting.school if starting else None)

    if home not in sending:
        return result(False, "不在派出学校（教共体核心学校）任教")
    campuses = sending[home]
    if starting is None and campuses is not None and teacher.campus not in campuses:
        return result(False, "在融合型学校的成员校区任教，不是派出校区")
    if teacher.code in exempt:
        return result(False, f"豁免：{exempt[teacher.code]}")
    away = next((s for s in stints if s.from_ < year < s.to), None)
    if away is not None:
        return result(False, f"正在 {away.school} 交流（{away.from_}—{away.to} 学年）")
    recent = next((s for s in stints if year - rules.term_years < s.from_ < year), None)
    if recent is not None:
        return result(False, f"{recent.from_} 学年刚开始过一轮交流，{rules.term_years} 年轮岗期内不再交流")
    if years is None:
        return result(False, "没有填写入校年份（school_since），无法判断在校年限")
    if years < rules.eligible_years:
        return result(False, f"在校 {years} 年，未满 {rules.eligible_years} 年")
    return result(True)


def sending_schools(ds: Dataset) -> set[str]:
    return {c.core_school for c in ds.communities}


def sending_campuses(ds: Dataset) -> dict[str, frozenset[str] | None]:
    """Each sending school and the campuses it sends from (None: all of them)."""
    schools = {s.code: s for s in ds.schools}
    result: dict[str, frozenset[str] | None] = {}
    for c in ds.communities:
        school = schools.get(c.core_school)
        fused = c.model == "fusion" and school is not None and len(school.campuses) > 1
        result[c.core_school] = frozenset({school.campuses[0].code}) if fused and school else None
    return result


def standings(ds: Dataset, year: int) -> list[Standing]:
    """Every teacher's standing (sending schools' teachers, and those away from one starting this year)."""
    rules = ds.county.rotation
    exempt = {e.teacher: e.reason for e in rules.exemptions}
    sending = sending_campuses(ds)
    return [standing(t, year, rules, sending, exempt) for t in ds.teachers]
