"""Tests of the synthetic dataset generator (scheduler/generate.py).

The checks here are written independently of the generator's own bookkeeping:
they read only the produced document, the way the importer and the solver
will, so a generator bug cannot hide behind the helper that caused it.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict, deque
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.generate import generate_community_dataset, generate_county

CODE = re.compile(r"^[A-Za-z0-9._-]+$")
HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
SHORT = ("YS", "MS", "YY", "KX")
MODELS = {"fusion", "co_construction", "collaboration"}
Doc = dict[str, Any]


@pytest.fixture(scope="module")
def county() -> Doc:
    return generate_county(40)


@pytest.fixture(scope="module")
def profiles() -> dict[str, Doc]:
    return {p: generate_community_dataset(p) for p in "SML"}


def all_docs(county: Doc, profiles: dict[str, Doc]) -> list[Doc]:
    return [county, *profiles.values()]


# --------------------------------------------------------------------------
# Helpers that read a document


def minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def campuses(doc: Doc) -> dict[str, dict[str, Any]]:
    """Campus code -> campus record with its school's code and effective area/small."""
    result = {}
    for school in doc["schools"]:
        for campus in school["campuses"]:
            result[campus["code"]] = {
                **campus, "school": school["code"],
                "area": campus.get("area", school["area"]),
                "small": campus.get("small", school["small"]),
            }
    return result


def community_of_school(doc: Doc) -> dict[str, str]:
    result = {}
    for community in doc["communities"]:
        for school in [community["core_school"], *community["members"]]:
            result[school] = community["code"]
    return result


def community_of_campus(doc: Doc) -> dict[str, str]:
    by_school = community_of_school(doc)
    return {code: by_school[c["school"]] for code, c in campuses(doc).items()}


def periods(doc: Doc, klass: dict[str, Any], subject: str) -> int:
    for o in doc["curriculum_overrides"]:
        if o["class"] == klass["code"] and o["subject"] == subject:
            return o["periods_per_week"]
    for line in doc["curriculum"]:
        if klass["grade"] in line["grades"] and line["subject"] == subject:
            return line["periods_per_week"]
    return 0


def demand_by_community(doc: Doc) -> dict[str, dict[tuple[str, int], int]]:
    """Community -> (subject, grade) -> weekly periods its classes need."""
    where = community_of_campus(doc)
    subjects = [s["code"] for s in doc["subjects"]]
    result: dict[str, dict[tuple[str, int], int]] = defaultdict(lambda: defaultdict(int))
    for klass in doc["classes"]:
        for subject in subjects:
            p = periods(doc, klass, subject)
            if p:
                result[where[klass["campus"]]][(subject, klass["grade"])] += p
    return result


def qualified(teacher: dict[str, Any], subject: str, grade: int) -> bool:
    return any(q["subject"] == subject and grade in q["grades"] for q in teacher["subjects"])


def teachers_by_community(doc: Doc) -> dict[str, list[dict[str, Any]]]:
    where = community_of_school(doc)
    result: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for teacher in doc["teachers"]:
        result[where[teacher["school"]]].append(teacher)
    return result


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def estimate(a: dict[str, Any], b: dict[str, Any]) -> int:
    raw = haversine_km((a["lat"], a["lon"]), (b["lat"], b["lon"])) * 1.4 / 40 * 60
    return int(math.ceil(round(raw, 6) / 5) * 5)


def max_flow(edges: list[tuple[str, str, int]], source: str, sink: str) -> int:
    """Dinic's maximum flow; small enough graphs here (a few hundred nodes)."""
    graph: dict[str, list[list[Any]]] = defaultdict(list)
    for u, v, cap in edges:
        forward = [v, cap, None]
        backward = [u, 0, forward]
        forward[2] = backward
        graph[u].append(forward)
        graph[v].append(backward)
    total = 0
    while True:
        level = {source: 0}
        queue = deque([source])
        while queue:
            u = queue.popleft()
            for v, cap, _ in graph[u]:
                if cap > 0 and v not in level:
                    level[v] = level[u] + 1
                    queue.append(v)
        if sink not in level:
            return total
        pointer = {u: 0 for u in graph}

        def push(u: str, limit: int) -> int:
            if u == sink:
                return limit
            while pointer[u] < len(graph[u]):
                edge = graph[u][pointer[u]]
                v, cap = edge[0], edge[1]
                if cap > 0 and level.get(v) == level[u] + 1:
                    pushed = push(v, min(limit, cap))
                    if pushed:
                        edge[1] -= pushed
                        edge[2][1] += pushed
                        return pushed
                pointer[u] += 1
            return 0

        while (pushed := push(source, 10**9)):
            total += pushed


# --------------------------------------------------------------------------
# Reference checks, reused by the property test


def check_codes(doc: Doc) -> None:
    lists = {
        "schools": doc["schools"], "communities": doc["communities"], "teachers": doc["teachers"],
        "classes": doc["classes"], "subjects": doc["subjects"], "bell_schedules": doc["bell_schedules"],
        "terms": doc["terms"], "coteaching": doc["coteaching"], "research_groups": doc["research_groups"],
        "campuses": [c for s in doc["schools"] for c in s["campuses"]],
    }
    for name, items in lists.items():
        codes = [item["code"] for item in items]
        assert len(codes) == len(set(codes)), f"duplicate code in {name}"
        bad = [c for c in codes if not CODE.match(c)]
        assert not bad, f"bad codes in {name}: {bad[:5]}"


def check_references(doc: Doc) -> None:
    """Every code the document mentions resolves to an entity of the right kind."""
    bells = {b["code"] for b in doc["bell_schedules"]}
    subjects = {s["code"] for s in doc["subjects"]}
    schools = {s["code"]: s for s in doc["schools"]}
    camp = campuses(doc)
    classes = {c["code"]: c for c in doc["classes"]}
    teachers = {t["code"]: t for t in doc["teachers"]}
    communities = {c["code"]: c for c in doc["communities"]}

    for campus in camp.values():
        assert campus["bell_schedule"] in bells
    for community in doc["communities"]:
        assert community["model"] in MODELS
        assert community["core_school"] in schools
        assert all(m in schools for m in community["members"])
        assert community["core_school"] not in community["members"]
        assert community["rules"] == {"max_campuses_per_day": 2, "coteach_start_tolerance_minutes": 10}
        assert set(community["targets"]) >= {"coteach_subjects", "coteach_lessons", "online_research",
                                             "onsite_research", "period"}
    # Every school in exactly one community.
    listed = [s for c in doc["communities"] for s in [c["core_school"], *c["members"]]]
    assert sorted(listed) == sorted(schools)

    for teacher in teachers.values():
        assert teacher["school"] in schools
        assert camp[teacher["campus"]]["school"] == teacher["school"]
        assert teacher["subjects"], teacher["code"]
        for q in teacher["subjects"]:
            assert q["subject"] in subjects
            assert q["grades"] and all(1 <= g <= 9 for g in q["grades"])
    for klass in classes.values():
        assert klass["campus"] in camp
        assert 1 <= klass["grade"] <= 9
    for line in doc["curriculum"]:
        assert line["subject"] in subjects
    for o in doc["curriculum_overrides"]:
        assert o["class"] in classes and o["subject"] in subjects
    for s in doc["staffing"]:
        assert s["class"] in classes and s["subject"] in subjects and s["teacher"] in teachers
    for travel in doc["travel_minutes"]:
        assert travel["from"] in camp and travel["to"] in camp and travel["from"] != travel["to"]
    for link in doc["coteaching"]:
        assert link["subject"] in subjects
        assert link["lead_teacher"] in teachers and link["lead_class"] in classes
        assert link["remote_classes"] and all(r in classes for r in link["remote_classes"])
    for group in doc["research_groups"]:
        assert group["community"] in communities
        assert group["subject"] in subjects
        host = group["host_campus"]
        assert host is None or host in camp
        if host is not None:
            assert community_of_campus(doc)[host] == group["community"]
        assert group["teachers"] == "auto" or all(t in teachers for t in group["teachers"])


def check_capacity(doc: Doc, factor: float = 1.15) -> None:
    """Qualified capacity >= factor x demand for each community, subject and grade interval."""
    staff = teachers_by_community(doc)
    for community, demand in demand_by_community(doc).items():
        for subject in sorted({s for s, _ in demand}):
            grades = sorted(g for s, g in demand if s == subject)
            for i in range(len(grades)):
                for j in range(i + 1, len(grades) + 1):
                    window = grades[i:j]
                    need = sum(demand[(subject, g)] for g in window)
                    have = sum(t["max_periods_per_week"] for t in staff[community]
                               if any(qualified(t, subject, g) for g in window))
                    assert have >= factor * need, (community, subject, window, have, need)


# --------------------------------------------------------------------------
# Determinism and scale


def test_same_seed_same_document() -> None:
    a = json.dumps(generate_county(6, seed=7), sort_keys=True, ensure_ascii=False)
    b = json.dumps(generate_county(6, seed=7), sort_keys=True, ensure_ascii=False)
    assert a == b
    assert a != json.dumps(generate_county(6, seed=8), sort_keys=True, ensure_ascii=False)
    for profile in "SML":
        x = json.dumps(generate_community_dataset(profile, seed=3), sort_keys=True)
        assert x == json.dumps(generate_community_dataset(profile, seed=3), sort_keys=True)


def test_county_scale() -> None:
    """The 40-community county has a real county's size (its speed is measured by bench/import.py)."""
    doc = generate_county(40, seed=1)
    assert 4000 <= len(doc["teachers"]) <= 6000
    assert 1600 <= len(doc["classes"]) <= 2400
    assert len(doc["communities"]) == 40


def test_county_header(county: Doc) -> None:
    assert county["format"] == "tongpan-dataset/1"
    assert county["county"] == {"code": "330521", "name": "德清县", "timezone": "Asia/Shanghai"}
    json.dumps(county)  # plain JSON types only
    other = generate_county(2, county_code="330522", county_name="长兴县")
    assert other["county"]["code"] == "330522" and other["schools"][0]["code"].startswith("CX-")


def test_term(county: Doc) -> None:
    (term,) = county["terms"]
    assert term["code"] == "2026-1" and term["name"] == "2026学年第一学期"
    assert (term["start"], term["end"]) == ("2026-09-01", "2027-01-22")
    assert term["statutory_calendar"] == "cn"
    assert term["statutory_overrides"] == {"holidays": ["2027-01-01"], "workdays": []}
    assert any(d["reason"] == "秋假" for d in term["extra_days_off"])
    extra = {d["date"]: d for d in term["extra_school_days"]}
    assert extra["2026-11-21"]["follows"] == "fri"
    chinese_calendar = pytest.importorskip("chinese_calendar")
    from datetime import date
    assert chinese_calendar.get_holiday_detail(date(2026, 11, 21))[1] is None  # no festival


def test_subjects(county: Doc) -> None:
    names = {s["code"]: s["name"] for s in county["subjects"]}
    assert names == {"YW": "语文", "SX": "数学", "YY": "英语", "KX": "科学", "DF": "道德与法治",
                     "TY": "体育与健康", "YS": "艺术·音乐", "MS": "艺术·美术", "XX": "信息科技",
                     "ZH": "综合实践/劳动", "LS": "历史与社会"}


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7, 40])
def test_all_models_present(count: int) -> None:
    models = {c["model"] for c in generate_county(count)["communities"]}
    assert models == MODELS if count >= 3 else models <= MODELS


def test_model_shares(county: Doc) -> None:
    models = [c["model"] for c in county["communities"]]
    assert models.count("co_construction") == 16
    assert models.count("fusion") == 14
    assert models.count("collaboration") == 10


# --------------------------------------------------------------------------
# Validity


def test_codes_and_references(county: Doc, profiles: dict[str, Doc]) -> None:
    for doc in all_docs(county, profiles):
        check_codes(doc)
        check_references(doc)


def test_code_shapes(county: Doc) -> None:
    assert all(re.fullmatch(r"DQ-C\d{2,}", c["code"]) for c in county["communities"])
    assert all(re.fullmatch(r"DQ-S\d{3,}", s["code"]) for s in county["schools"])
    assert all(re.fullmatch(r"T\d{5,}", t["code"]) for t in county["teachers"])
    for klass in county["classes"]:
        assert klass["code"].startswith(f"{klass['campus']}-{klass['grade']}-")
    for school in county["schools"]:
        assert all(re.fullmatch(rf"{school['code']}-[A-Z]", c["code"]) for c in school["campuses"])


def test_matches_the_dataset_schema(county: Doc, profiles: dict[str, Doc]) -> None:
    """The importer's own model, when it is there, accepts the documents unchanged."""
    schema = pytest.importorskip("scheduler.dataset.schema")
    for doc in all_docs(county, profiles):
        schema.Dataset.model_validate(doc)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count=st.integers(min_value=1, max_value=6), seed=st.integers(min_value=0, max_value=10**6))
def test_any_seed_gives_a_valid_county(count: int, seed: int) -> None:
    doc = generate_county(count, seed=seed)
    check_codes(doc)
    check_references(doc)
    check_capacity(doc)


# --------------------------------------------------------------------------
# Bells and curriculum


def test_bells(county: Doc) -> None:
    bells = {b["code"]: b for b in county["bell_schedules"]}
    assert len(bells) >= 3
    for bell in bells.values():
        assert bell["days"] == ["mon", "tue", "wed", "thu", "fri"]
        ns = [p["n"] for p in bell["periods"]]
        assert ns == list(range(1, len(ns) + 1))
        previous_end = -1
        for p in bell["periods"]:
            assert HHMM.match(p["start"]) and HHMM.match(p["end"])
            assert previous_end < minutes(p["start"]) < minutes(p["end"])
            previous_end = minutes(p["end"])
    shapes = {(b["periods"][0]["start"], minutes(b["periods"][0]["end"]) - minutes(b["periods"][0]["start"]),
               len(b["periods"])) for b in bells.values()}
    assert ("08:40", 40, 7) in shapes
    assert ("08:00", 45, 8) in shapes
    assert shapes & {("08:20", 40, 7), ("08:30", 40, 7)}
    assert len({start for start, _, _ in shapes}) >= 3
    assert bells["primary"]["periods"][0] == {"n": 1, "start": "08:40", "end": "09:20"}
    # A morning break and a lunch break longer than the ordinary ten minutes.
    gaps = [minutes(b["start"]) - minutes(a["end"])
            for a, b in zip(bells["primary"]["periods"], bells["primary"]["periods"][1:])]
    assert min(gaps) == 10 and sorted(gaps)[-1] >= 60 and sorted(gaps)[-2] >= 20


def test_curriculum_totals(county: Doc) -> None:
    total: dict[int, int] = defaultdict(int)
    per: dict[tuple[int, str], int] = {}
    for line in county["curriculum"]:
        for g in line["grades"]:
            total[g] += line["periods_per_week"]
            per[(g, line["subject"])] = line["periods_per_week"]
    assert total == {1: 26, 2: 26, 3: 30, 4: 30, 5: 30, 6: 30, 7: 34, 8: 34, 9: 34}
    assert per[(1, "YW")] == 8 and per[(3, "YW")] == 7 and per[(5, "YW")] == 6
    assert per[(4, "KX")] == 2 and per[(6, "KX")] == 3 and per[(3, "YY")] == 3
    assert (1, "YY") not in per and (5, "LS") not in per and per[(8, "LS")] == 3


def test_every_class_fits_its_bell_week(county: Doc, profiles: dict[str, Doc]) -> None:
    for doc in all_docs(county, profiles):
        slots = {b["code"]: len(b["periods"]) * len(b["days"]) for b in doc["bell_schedules"]}
        camp = campuses(doc)
        subjects = [s["code"] for s in doc["subjects"]]
        for klass in doc["classes"]:
            week = sum(periods(doc, klass, s) for s in subjects)
            assert 24 <= week <= slots[camp[klass["campus"]]["bell_schedule"]], klass["code"]
            bell = camp[klass["campus"]]["bell_schedule"]
            assert (bell == "junior") == (klass["grade"] >= 7)


def test_overrides_exist_and_keep_linked_subjects(county: Doc) -> None:
    assert len(county["curriculum_overrides"]) >= 2
    linked = {(r, link["subject"]) for link in county["coteaching"] for r in link["remote_classes"]}
    for o in county["curriculum_overrides"]:
        if (o["class"], o["subject"]) in linked:
            assert o["periods_per_week"] >= 1


# --------------------------------------------------------------------------
# Schools, campuses, classes, travel


def test_community_shapes(county: Doc) -> None:
    schools = {s["code"]: s for s in county["schools"]}
    class_count = defaultdict(int)
    for klass in county["classes"]:
        class_count[klass["campus"]] += 1
    for community in county["communities"]:
        core = schools[community["core_school"]]
        assert core["area"] in ("urban", "town")
        assert 18 <= class_count[core["campuses"][0]["code"]] <= 36
        assert community["name"].endswith("教共体")
        n_campuses = sum(len(schools[s]["campuses"]) for s in [core["code"], *community["members"]])
        assert 2 <= n_campuses <= 5
        if community["model"] == "fusion":
            assert len(core["campuses"]) >= 2
        else:
            assert len(core["campuses"]) == 1 and community["members"]
    fusion = [c for c in county["communities"] if c["model"] == "fusion"]
    assert sum(1 for c in fusion if not c["members"]) > len(fusion) / 2  # usually one school


def test_small_rural_schools(county: Doc) -> None:
    camp = campuses(county)
    pupils: dict[str, int] = defaultdict(int)
    for klass in county["classes"]:
        pupils[klass["campus"]] += klass["students"]
    small = [code for code, c in camp.items() if c["small"]]
    assert len(small) >= 40
    for code in small:
        assert camp[code]["area"] == "rural"
        assert pupils[code] < 100
        local = [t for t in county["teachers"] if t["campus"] == code]
        lacking = [s for s in SHORT if not any(q["subject"] == s for t in local for q in t["subjects"])]
        assert len(lacking) >= 3, (code, lacking)
    # Fused rural campuses carry their own area and small flag.
    fused_rural = [c for s in county["schools"] if len(s["campuses"]) > 1 for c in s["campuses"][1:]
                   if c.get("area") == "rural"]
    assert fused_rural and all(c.get("small") for c in fused_rural)
    flags = [s for s in county["schools"] if s["area"] == "rural"]
    assert any(s["boarding"] for s in flags) and any(s["weak"] for s in flags)


def test_classes(county: Doc) -> None:
    camp = campuses(county)
    for klass in county["classes"]:
        area = camp[klass["campus"]]["area"]
        low, high = {"urban": (38, 45), "town": (30, 45), "rural": (8, 16)}[area]
        assert low <= klass["students"] <= high, klass
        n = klass["code"].rsplit("-", 1)[1]
        assert klass["name"] == f"{'零一二三四五六七八九'[klass['grade']]}({n})班"
    grades = {k["grade"] for k in county["classes"]}
    assert grades == set(range(1, 10))


def test_campus_coordinates_and_travel(county: Doc) -> None:
    camp = campuses(county)
    where = community_of_campus(county)
    given = {(t["from"], t["to"]): t["minutes"] for t in county["travel_minutes"]}
    for (a, b), value in given.items():
        assert where[a] == where[b], "travel only within a community"
        assert 10 <= value <= 60
        assert abs(value - estimate(camp[a], camp[b])) <= 15, (a, b, value)
    for code, c in camp.items():
        assert 30.2 <= c["lat"] <= 30.9 and 119.5 <= c["lon"] <= 120.4, code
    estimated = 0
    members = defaultdict(list)
    for code in sorted(camp):
        members[where[code]].append(code)
    for codes in members.values():
        for i, a in enumerate(codes):
            for b in codes[i + 1:]:
                if (a, b) not in given and (b, a) not in given:
                    estimated += 1
                    assert 10 <= estimate(camp[a], camp[b]) <= 60
    assert estimated >= 3  # the estimation rule gets exercised
    assert estimated < len(given) / 3  # but explicit pairs are most


# --------------------------------------------------------------------------
# Teachers


def test_capacity_covers_demand(county: Doc, profiles: dict[str, Doc]) -> None:
    for doc in all_docs(county, profiles):
        check_capacity(doc)


def test_demand_can_be_assigned(county: Doc, profiles: dict[str, Doc]) -> None:
    """Ignoring place and time, the community's teachers can take all its lessons.

    A max-flow from teachers (capacity max_periods_per_week) to the (subject,
    grade) demands they are qualified for; stronger than per-subject sums,
    because one teacher counts only once.
    """
    for doc in all_docs(county, profiles):
        staff = teachers_by_community(doc)
        for community, demand in demand_by_community(doc).items():
            edges = []
            for t in staff[community]:
                edges.append(("src", t["code"], t["max_periods_per_week"]))
                for q in t["subjects"]:
                    for g in q["grades"]:
                        if (q["subject"], g) in demand:
                            edges.append((t["code"], f"{q['subject']}:{g}", 10**6))
            for (s, g), need in demand.items():
                edges.append((f"{s}:{g}", "sink", need))
            assert max_flow(edges, "src", "sink") == sum(demand.values()), community


def test_each_campus_staffs_its_own_subjects(county: Doc) -> None:
    """Every campus covers its demand locally, except a small school's shortage subjects."""
    camp = campuses(county)
    local: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in county["teachers"]:
        local[t["campus"]].append(t)
    need: dict[str, dict[tuple[str, int], int]] = defaultdict(lambda: defaultdict(int))
    for klass in county["classes"]:
        for s in (x["code"] for x in county["subjects"]):
            need[klass["campus"]][(s, klass["grade"])] += periods(county, klass, s)
    for code, demand in need.items():
        for (subject, grade), p in demand.items():
            if not p or (camp[code]["small"] and subject in SHORT):
                continue
            have = sum(t["max_periods_per_week"] for t in local[code] if qualified(t, subject, grade))
            assert have >= p, (code, subject, grade)


def test_teacher_attributes(county: Doc) -> None:
    teachers = county["teachers"]
    assert all(12 <= t["max_periods_per_week"] <= 18 for t in teachers)
    by_community = teachers_by_community(county)
    models = {c["code"]: c["model"] for c in county["communities"]}
    cores = {c["code"]: c["core_school"] for c in county["communities"]}
    core_total = backbone = 0
    for community, staff in by_community.items():
        core = [t for t in staff if t["school"] == cores[community]]
        core_total += len(core)
        backbone += sum(t["backbone"] for t in core)
        exchange = [t for t in staff if t["exchange"]]
        if models[community] == "co_construction":
            assert 0.05 <= len(exchange) / len(core) <= 0.15
            assert all(t["can_travel"] and t["school"] == cores[community] for t in exchange)
        else:
            assert not exchange
    assert 0.15 <= backbone / core_total <= 0.25
    assert 0.03 <= sum(not t["can_travel"] for t in teachers) / len(teachers) <= 0.15
    unavailable = [t for t in teachers if t["unavailable"]]
    assert 0.01 <= len(unavailable) / len(teachers) <= 0.1
    bells = {b["code"]: len(b["periods"]) for b in county["bell_schedules"]}
    camp = campuses(county)
    for t in unavailable:
        for u in t["unavailable"]:
            assert u["day"] in ("mon", "tue", "wed", "thu", "fri")
            assert all(1 <= p <= bells[camp[t["campus"]]["bell_schedule"]] for p in u["periods"])
    assert all(len(t["name"]) in (2, 3) for t in teachers)


def test_teachers_per_community(county: Doc) -> None:
    staff = teachers_by_community(county)
    assert 100 <= len(county["teachers"]) / len(county["communities"]) <= 150
    assert all(len(s) >= 20 for s in staff.values())


# --------------------------------------------------------------------------
# Staffing, co-teaching, research


def test_staffing(county: Doc, profiles: dict[str, Doc]) -> None:
    for doc in all_docs(county, profiles):
        classes = {c["code"]: c for c in doc["classes"]}
        teachers = {t["code"]: t for t in doc["teachers"]}
        entries = doc["staffing"]
        assert any(e["locked"] for e in entries) and any(not e["locked"] for e in entries)
        assert len({(e["class"], e["subject"]) for e in entries}) == len(entries)
        locked: dict[str, int] = defaultdict(int)
        for e in entries:
            klass, teacher = classes[e["class"]], teachers[e["teacher"]]
            assert qualified(teacher, e["subject"], klass["grade"])
            assert teacher["campus"] == klass["campus"]
            if e["locked"]:
                locked[teacher["code"]] += periods(doc, klass, e["subject"])
        for code, load in locked.items():
            assert load <= teachers[code]["max_periods_per_week"]


def test_coteaching(county: Doc, profiles: dict[str, Doc]) -> None:
    for doc in all_docs(county, profiles):
        camp = campuses(doc)
        classes = {c["code"]: c for c in doc["classes"]}
        teachers = {t["code"]: t for t in doc["teachers"]}
        cores = {c["core_school"] for c in doc["communities"]}
        where = community_of_campus(doc)
        for link in doc["coteaching"]:
            lead = classes[link["lead_class"]]
            teacher = teachers[link["lead_teacher"]]
            assert link["subject"] in ("YS", "MS", "YY")
            assert link["lessons_per_week"] == 1
            assert qualified(teacher, link["subject"], lead["grade"])
            assert teacher["school"] in cores and teacher["campus"] == lead["campus"]
            for code in link["remote_classes"]:
                remote = classes[code]
                assert remote["grade"] == lead["grade"]
                assert camp[remote["campus"]]["area"] == "rural" and remote["campus"] != lead["campus"]
                assert where[remote["campus"]] == where[lead["campus"]]
                assert periods(doc, remote, link["subject"]) >= link["lessons_per_week"]
    by_community = defaultdict(int)
    where = community_of_campus(county)
    for link in county["coteaching"]:
        by_community[where[county_class_campus(county, link["lead_class"])]] += 1
    for community in county["communities"]:
        if community["model"] == "collaboration":
            assert by_community[community["code"]] >= 3  # the main way to cover the shortage
        else:
            assert 1 <= by_community[community["code"]] <= 3


def county_class_campus(doc: Doc, klass: str) -> str:
    return klass.rsplit("-", 2)[0]


def test_research_groups(county: Doc, profiles: dict[str, Doc]) -> None:
    for doc in all_docs(county, profiles):
        staff = teachers_by_community(doc)
        count = defaultdict(int)
        for group in doc["research_groups"]:
            count[group["community"]] += 1
            assert 60 <= group["minutes"] <= 90 and group["per_week"] == 1
            assert group["mode"] in ("online", "onsite")
            if group["mode"] == "online":
                assert group["host_campus"] is None
            assert group["teachers"] == "auto" and group["grades"]
            assert any(qualified(t, group["subject"], g) for t in staff[group["community"]]
                       for g in group["grades"])
            assert group["preferred"]
            for p in group["preferred"]:
                assert p["day"] in ("mon", "tue", "wed", "thu", "fri")
                assert all(HHMM.match(p[k]) for k in ("after", "before") if k in p)
        assert all(2 <= n <= 4 for n in count.values())
        assert set(count) == {c["code"] for c in doc["communities"]}


# --------------------------------------------------------------------------
# Benchmark profiles


@pytest.mark.parametrize(("profile", "model", "n_campuses", "class_range", "teacher_range"), [
    ("S", "co_construction", 3, (16, 24), (30, 90)),
    ("M", "fusion", 4, (55, 65), (120, 190)),
    ("L", "fusion", 8, (135, 165), (320, 480)),
])
def test_profiles(profiles: dict[str, Doc], profile: str, model: str, n_campuses: int,
                  class_range: tuple[int, int], teacher_range: tuple[int, int]) -> None:
    doc = profiles[profile]
    (community,) = doc["communities"]
    assert community["model"] == model
    assert len(campuses(doc)) == n_campuses
    assert class_range[0] <= len(doc["classes"]) <= class_range[1]
    assert teacher_range[0] <= len(doc["teachers"]) <= teacher_range[1]
    assert doc["terms"] and len(doc["bell_schedules"]) >= 3 and len(doc["subjects"]) == 11
    if model == "fusion":
        assert community["members"] == []


def test_unknown_profile() -> None:
    with pytest.raises(ValueError):
        generate_community_dataset("XL")
