"""The year's rotation (交流轮岗) against the rules: share of eligible teachers rotating, share of 骨干."""

from __future__ import annotations

import math
from collections import defaultdict

from scheduler.dataset.schema import Dataset
from scheduler.report.model import COUNTY, RotationRow, Target
from scheduler.rotation.eligible import sending_schools, standings


def rotation_rows(ds: Dataset, year: int) -> list[RotationRow]:
    """Per sending school: eligible teachers, those starting a rotation this year, 骨干 among them."""
    eligible: dict[str, int] = defaultdict(int)
    rotating: dict[str, int] = defaultdict(int)
    backbone: dict[str, int] = defaultdict(int)
    for s in standings(ds, year):
        if not s.eligible:
            continue
        eligible[s.home] += 1
        if s.starts is not None:
            rotating[s.home] += 1
            backbone[s.home] += s.teacher.backbone
    names = {s.code: s.name for s in ds.schools}
    return [RotationRow(code, names.get(code, code), eligible[code], rotating[code], backbone[code])
            for code in sorted(sending_schools(ds))]


def rotation_targets(ds: Dataset, rows: list[RotationRow]) -> list[Target]:
    rules = ds.county.rotation
    eligible = sum(r.eligible for r in rows)
    rotating = sum(r.rotating for r in rows)
    backbone = sum(r.backbone for r in rows)
    share = rotating / eligible if eligible else 0.0
    backbone_share = backbone / rotating if rotating else 0.0
    advice = ""
    if eligible == 0:
        advice = "没有符合交流条件的教师：请在教师表中填写入校年份（school_since）"
    elif share + 1e-9 < rules.share:
        need = math.ceil(rules.share * eligible - 1e-9) - rotating
        advice = f"再安排 {need} 名符合条件的教师交流（可用 tongpan rotation propose 生成方案）"
    backbone_advice = ""
    if backbone_share + 1e-9 < rules.backbone_share:
        need = max(1, math.ceil(rules.backbone_share * max(rotating, 1) - 1e-9) - backbone)
        backbone_advice = f"交流教师中再增加 {need} 名骨干教师"
    return [
        Target("rotation_share", "符合条件教师的交流比例", COUNTY, ds.county.name, None, None,
               share, rules.share, "%", advice),
        Target("rotation_backbone_share", "交流教师中骨干教师比例", COUNTY, ds.county.name, None, None,
               backbone_share, rules.backbone_share, "%", backbone_advice),
    ]
