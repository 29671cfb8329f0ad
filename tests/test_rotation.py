"""The rotation proposal on hand-made counties: quotas, eligibility, seniority, shortages, preferences."""

from __future__ import annotations

from typing import Any

from report_cases import county, dataset
from scheduler.rotation.propose import Proposal, propose

YEAR = 2027


def staff(doc: dict[str, Any], code: str, school: str, since: int, subjects: list[str], **extra: Any) -> None:
    doc["teachers"].append({"code": code, "name": f"教师{code}", "school": school, "campus": f"{school}-A",
                            "subjects": [{"subject": s, "grades": [1, 2, 3, 4, 5, 6]} for s in subjects],
                            "max_periods_per_week": 16, "school_since": since, **extra})


def core_with(n: int, backbone: int = 0, since: int = 2010, spread: int = 3) -> dict[str, Any]:
    """County C1's core A with `n` eligible 语文 teachers, the first `backbone` of them 骨干."""
    doc = county()
    for i in range(n):
        staff(doc, f"TX{i:02d}", "A", since - i % spread, ["YW"], backbone=i < backbone)
    return doc


def moves(p: Proposal, school: str = "A") -> list[str]:
    return sorted(m.teacher for m in p.moves if m.home == school)


def quota(p: Proposal, school: str):  # type: ignore[no-untyped-def]
    return next(q for q in p.quotas if q.school == school)


def test_quotas_are_met_where_they_can_be() -> None:
    doc = core_with(20, backbone=3)
    p = propose(dataset(doc), YEAR, {}, time_limit=5)
    q = quota(p, "A")
    # A's three own teachers have no school_since: 20 eligible, 10% = 2, 20% of 2 rounds up to 1.
    assert (q.eligible, q.quota, q.backbone_quota) == (20, 2, 1)
    assert (q.chosen, q.backbone_chosen) == (2, 1) and q.met and not q.reason
    assert all(m.destination.school in {"B", "C"} for m in p.moves)
    assert all(m.reason for m in p.moves)


def test_a_quota_that_cannot_be_met_says_which_and_why() -> None:
    doc = core_with(20, backbone=0)
    for i in range(5):
        staff(doc, f"TQ{i}", "E", 2012, ["YW"])
    p = propose(dataset(doc), YEAR, {}, time_limit=5)
    a = quota(p, "A")
    assert (a.chosen, a.backbone_quota, a.backbone_chosen) == (2, 1, 0) and not a.met
    assert "骨干名额 1 名只能安排 0 名" in a.reason and "骨干教师只有 0 名" in a.reason
    e = quota(p, "E")
    assert (e.eligible, e.quota, e.chosen) == (5, 1, 1)


def test_no_destination_is_a_reason() -> None:
    """A junior-high-only teacher has no class to teach at the primary member schools."""
    doc = county()
    staff(doc, "TJ", "A", 2010, [])
    doc["teachers"][-1]["subjects"] = [{"subject": "YW", "grades": [7, 8, 9]}]
    p = propose(dataset(doc), YEAR, {}, time_limit=5)
    assert moves(p) == []
    assert "只能安排 0 名" in quota(p, "A").reason
    assert "无处可去" in next(n for n in p.non_choices if n.teacher == "TJ").reason


def test_never_picks_an_ineligible_teacher_even_for_a_shortage() -> None:
    doc = core_with(10)
    staff(doc, "TNEW", "A", YEAR - 3, ["YY"])  # 3 years at the school
    staff(doc, "TEXM", "A", 2000, ["YY"])  # exempted
    staff(doc, "TREC", "A", 2000, ["YY"], rotation=[{"school": "B", "from": YEAR - 2, "to": YEAR - 1}])
    doc["county"]["rotation_rules"] = {"exemptions": [{"teacher": "TEXM", "reason": "孕期"}]}
    shortage = {("B-A", "YY", 3): 3}  # only the ineligible could cover it
    p = propose(dataset(doc), YEAR, shortage, time_limit=5)
    assert not {"TNEW", "TEXM", "TREC"} & {m.teacher for m in p.moves}
    reasons = {n.teacher: n.reason for n in p.non_choices}
    assert "未满 6 年" in reasons["TNEW"]
    assert "豁免：孕期" in reasons["TEXM"]
    assert "轮岗期内不再交流" in reasons["TREC"]
    assert p.covered_periods == 0


def test_prefers_the_longest_serving_among_equals() -> None:
    doc = county()
    for code, since in (("T1", 2015), ("T2", 2008), ("T3", 2012), ("T4", 2019), ("T5", 2018),
                        ("T6", 2017), ("T7", 2016), ("T8", 2014), ("T9", 2013), ("T10", 2011)):
        staff(doc, code, "A", since, ["YW"], backbone=code in ("T3", "T9"))
    p = propose(dataset(doc), YEAR, {}, time_limit=5)
    # 10 eligible: one goes; it must be a 骨干 (quota 1 of 骨干), the longer-serving of T3 and T9.
    assert moves(p) == ["T3"]
    doc["county"]["rotation_rules"] = {"backbone_share": 0}
    assert moves(propose(dataset(doc), YEAR, {}, time_limit=5)) == ["T2"]
    reasons = {n.teacher: n.reason for n in propose(dataset(doc), YEAR, {}, time_limit=5).non_choices}
    assert "短于入选教师" in reasons["T10"]


def test_shortages_come_before_seniority_and_are_covered() -> None:
    doc = core_with(9)
    staff(doc, "TYY", "A", YEAR - 7, ["YY"])  # just eligible, but teaches the English B lacks
    p = propose(dataset(doc), YEAR, {("B-A", "YY", 3): 3}, time_limit=5)
    move = next(m for m in p.moves if m.teacher == "TYY")
    assert move.destination.school == "B" and move.covers == (("YY", 3, 3),)
    assert "英语3年级 3 节/周" in move.reason
    assert p.covered_periods == 3


def test_preferences_are_honoured_where_possible() -> None:
    doc = core_with(10, spread=1)  # all equally long at A
    for t in doc["teachers"]:
        if t["code"] == "TX00":
            t["preferences"] = ["C", "B"]
    doc["county"]["rotation_rules"] = {"backbone_share": 0}
    p = propose(dataset(doc), YEAR, {}, time_limit=5)
    (move,) = p.moves
    assert move.teacher == "TX00" and move.destination.school == "C" and move.preference == 1
    assert "第 1 志愿" in move.reason


def test_a_rotation_already_decided_counts_towards_the_quota() -> None:
    doc = core_with(10)
    doc["teachers"][-1].update(school="B", campus="B-A", rotation=[{"school": "B", "from": YEAR, "to": YEAR + 3,
                                                                    "home": "A"}])
    doc["county"]["rotation_rules"] = {"backbone_share": 0}
    p = propose(dataset(doc), YEAR, {}, time_limit=5)
    assert [m.decided for m in p.moves] == [True]
    assert quota(p, "A").met


def test_a_fused_school_sends_from_its_main_campus_to_its_other_campuses() -> None:
    doc = core_with(10)
    a = next(s for s in doc["schools"] if s["code"] == "A")
    a["campuses"].append({"code": "A-B", "name": "A学校乡村校区", "bell_schedule": "p", "area": "rural"})
    doc["classes"].append({"code": "A-B-3-1", "name": "三(1)班", "campus": "A-B", "grade": 3})
    doc["communities"][0].update(model="fusion", members=[])
    staff(doc, "TRB", "A", 2000, ["YW"])
    doc["teachers"][-1]["campus"] = "A-B"
    doc["county"]["rotation_rules"] = {"backbone_share": 0}
    p = propose(dataset(doc), YEAR, {}, time_limit=5)
    assert [m.destination.campus for m in p.moves] == ["A-B"]
    assert "成员校区任教" in next(n.reason for n in p.non_choices if n.teacher == "TRB")


def test_across_communities_only_where_the_county_allows_and_only_for_a_shortage() -> None:
    doc = core_with(10)
    for t in doc["teachers"]:
        if t["code"].startswith("TX"):
            t["subjects"] = [{"subject": "YW", "grades": [7, 8, 9]}]  # nothing to teach at B or C
    doc["classes"].append({"code": "F-A-8-1", "name": "八(1)班", "campus": "F-A", "grade": 8})
    doc["county"]["rotation_rules"] = {"backbone_share": 0}
    shortage = {("F-A", "YW", 8): 4}
    assert moves(propose(dataset(doc), YEAR, shortage, time_limit=5)) == []
    doc["county"]["rotation_rules"]["across_communities"] = True
    p = propose(dataset(doc), YEAR, shortage, time_limit=5)
    (move,) = p.moves
    assert move.destination.school == "F" and move.covers == (("YW", 8, 4),)


def test_the_reason_names_the_rank_by_years_and_ties() -> None:
    doc = core_with(10, spread=1)  # ten teachers, all since 2010
    staff(doc, "TOLD", "A", 2001, ["YW"])
    doc["county"]["rotation_rules"] = {"backbone_share": 0, "share": 0.2}  # 11 eligible: 3 go
    p = propose(dataset(doc), YEAR, {}, time_limit=5)
    reasons = {m.teacher: m.reason for m in p.moves}
    assert "本校符合条件者中第 1 长" in reasons.pop("TOLD")
    assert reasons and all("本校符合条件者中并列第 2 长" in r for r in reasons.values())
