"""A rotation proposal for the generated 40-community county (about 5,000 teachers) on 2 cores.

Target (issue 15): within 60 s, with every quota met that can be met. A quota
can be met when the school has at least that many eligible teachers (骨干 for
the 骨干 quota) with a member school to go to; that is counted here
independently of the solver and compared with what the proposal meets.
Figures go to bench/results/rotation.json.

    nice -n 10 .venv/bin/python bench/rotation.py [--communities 40] [--seed 1] [--time-limit 50]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from policy_county import policy_county, published_county  # noqa: E402
from scheduler.dataset.store import load_dataset  # noqa: E402
from scheduler.db import make_engine, transaction  # noqa: E402
from scheduler.rotation.propose import _County, _destinations, propose  # noqa: E402
from scheduler.rotation.eligible import standings  # noqa: E402
from scheduler.rotation.shortage import county_shortage  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "rotation.json"
TARGET_SECONDS = 60.0
YEAR = 2027


def meetable(ds, shortage) -> dict[str, tuple[bool, bool]]:  # type: ignore[no-untyped-def]
    """Per sending school: can its quota and its 骨干 quota be met at all (enough placeable candidates)?"""
    import math

    rules = ds.county.rotation
    county = _County(ds)
    by_school: dict[str, list] = {}  # type: ignore[type-arg]
    for s in standings(ds, YEAR):
        if s.eligible:
            by_school.setdefault(s.home, []).append(s)
    result = {}
    for school in {c.core_school for c in ds.communities}:
        group = by_school.get(school, [])
        quota = math.ceil(rules.share * len(group) - 1e-9)
        backbone = math.ceil(rules.backbone_share * quota - 1e-9)
        placeable = [s for s in group if _destinations(county, s, shortage, rules.across_communities)]
        result[school] = (len(placeable) >= quota, sum(s.teacher.backbone for s in placeable) >= backbone)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communities", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=50.0)
    args = parser.parse_args()
    document = policy_county(args.communities, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'tongpan.db'}"
        published_county(url, document, Path(tmp))
        engine = make_engine(url)
        started = time.perf_counter()
        with transaction(engine) as session:
            ds = load_dataset(session)
            assert ds is not None
            shortage, terms = county_shortage(session, ds, YEAR)
        proposal = propose(ds, YEAR, shortage, time_limit=args.time_limit, workers=2)
        seconds = time.perf_counter() - started
        engine.dispose()
    can = meetable(ds, shortage)
    quotas = {q.school: q for q in proposal.quotas}
    can_share = [s for s, (a, _) in can.items() if a]
    can_backbone = [s for s, (_, b) in can.items() if b]
    met_share = [s for s in can_share if quotas[s].chosen >= quotas[s].quota]
    met_backbone = [s for s in can_backbone if quotas[s].backbone_chosen >= quotas[s].backbone_quota]
    eligible = sum(q.eligible for q in proposal.quotas)
    figures = {
        "communities": len(document["communities"]), "teachers": len(document["teachers"]),
        "eligible_teachers": eligible, "moves": len(proposal.moves),
        "backbone_moves": sum(m.backbone for m in proposal.moves),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "seconds": round(seconds, 2), "solver_seconds": proposal.seconds, "status": proposal.status,
        "target_seconds": TARGET_SECONDS,
        "sending_schools": len(proposal.quotas),
        "quotas_meetable": len(can_share), "quotas_met_of_meetable": len(met_share),
        "backbone_quotas_meetable": len(can_backbone), "backbone_quotas_met_of_meetable": len(met_backbone),
        "quotas_not_meetable": [{"school": q.school, "reason": q.reason} for q in proposal.quotas if not q.met],
        "shortage_periods_per_week": proposal.shortage_periods, "covered_periods_per_week": proposal.covered_periods,
        "shortage_from_terms": terms,
        "preferences_honoured": sum(m.preference == 1 for m in proposal.moves),
        "moves_with_preferences": sum(1 for m in proposal.moves
                                      if next(t for t in ds.teachers if t.code == m.teacher).preferences),
    }
    figures["met"] = (seconds < TARGET_SECONDS and len(met_share) == len(can_share)
                      and len(met_backbone) == len(can_backbone))
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"交流轮岗方案：{len(proposal.moves)} 名教师，用时 {seconds:.1f} 秒（目标 < {TARGET_SECONDS:.0f} 秒）；"
          f"可达标的名额 {len(met_share)}/{len(can_share)} 已达标，可达标的骨干名额 "
          f"{len(met_backbone)}/{len(can_backbone)} 已达标：{'达标' if figures['met'] else '未达标'}")
    RESULTS.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
