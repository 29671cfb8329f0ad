"""Coverage: are rural and town schools (and small and boarding ones) in a community, and of which model.

The policy asks for full coverage of rural and town schools and for most
communities to be of the closer models (融合型 and 共建型). A school counts by
its own area and flags or by any of its campuses' (a fused school's rural
campus makes it a school with a rural site).
"""

from __future__ import annotations

from scheduler.dataset.schema import Dataset, School
from scheduler.report.model import CoverageRow


def _areas(school: School) -> set[str]:
    return {school.area} | {c.area for c in school.campuses if c.area}


def _small(school: School) -> bool:
    return school.small or any(c.small for c in school.campuses)


def _boarding(school: School) -> bool:
    return school.boarding or any(c.boarding for c in school.campuses)


def coverage_rows(ds: Dataset) -> list[CoverageRow]:
    covered = {c.core_school for c in ds.communities} | {m for c in ds.communities for m in c.members}
    kinds = (
        ("rural_town", "乡村和镇区学校", lambda s: bool(_areas(s) & {"rural", "town"})),
        ("small", "小规模学校", _small),
        ("boarding", "寄宿制学校", _boarding),
    )
    rows = []
    for key, label, belongs in kinds:
        schools = [s.code for s in ds.schools if belongs(s)]
        rows.append(CoverageRow(key, label, len(schools), sum(s in covered for s in schools),
                                tuple(sorted(s for s in schools if s not in covered))))
    return rows


def deep_share(ds: Dataset) -> tuple[int, int]:
    """Communities of the fusion or co-construction model, and all communities."""
    deep = sum(c.model in ("fusion", "co_construction") for c in ds.communities)
    return deep, len(ds.communities)
