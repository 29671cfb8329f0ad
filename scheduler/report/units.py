"""The pairs a community's per-pair targets are counted for, and where each teacher and class is."""

from __future__ import annotations

from scheduler.dataset.schema import Community, Dataset
from scheduler.report.model import Unit


def community_units(ds: Dataset, community: Community) -> list[Unit]:
    """Each member school; for a fused school also each campus but its main (first) one.

    The policy's targets are per core–member pair. A fused community usually has
    no member schools left, only campuses of one school: there the former
    member schools are the campuses other than the main one.
    """
    schools = {s.code: s for s in ds.schools}
    units: list[Unit] = []
    core = schools.get(community.core_school)
    if core is not None and community.model == "fusion":
        units += [Unit(community.code, c.code, c.name, frozenset({c.code})) for c in core.campuses[1:]]
    for code in community.members:
        school = schools.get(code)
        if school is not None:
            units.append(Unit(community.code, code, school.name, frozenset(c.code for c in school.campuses)))
    return units


def class_campus(ds: Dataset) -> dict[str, str]:
    return {k.code: k.campus for k in ds.classes}


def teacher_campus(ds: Dataset) -> dict[str, str]:
    return {t.code: t.campus for t in ds.teachers}
