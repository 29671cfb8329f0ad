"""Deterministic generator of realistic synthetic county datasets (`tongpan-dataset/1`).

Why it exists: the importer, the solver, the plan checker and the benchmarks
all need county-sized data that looks like what a Zhejiang timetable office
keeps (a core school with small rural members short of music, art, English
and science teachers, different bells, fused schools with several campuses),
and real teacher rosters are personal data that cannot be shared. The output
is a plain `dict` ready for `json.dump`; the same arguments always give the
same document, so tests and benchmarks are reproducible.

Only the standard library is used (one `random.Random(seed)` drives every
choice, and no set is ever iterated unsorted), so the generator runs anywhere,
including in benchmark workers without a database.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scheduler.dataset.travel import distance_km, estimated_minutes

__all__ = ["FORMAT", "generate_county", "generate_community_dataset"]

FORMAT = "tongpan-dataset/1"

# --------------------------------------------------------------------------
# Reference data

SUBJECTS: tuple[tuple[str, str], ...] = (
    ("YW", "语文"),
    ("SX", "数学"),
    ("YY", "英语"),
    ("KX", "科学"),
    ("DF", "道德与法治"),
    ("TY", "体育与健康"),
    ("YS", "艺术·音乐"),
    ("MS", "艺术·美术"),
    ("XX", "信息科技"),
    ("ZH", "综合实践/劳动"),
    ("LS", "历史与社会"),
)

# Weekly periods per grade group, after the national 2022 curriculum plan as
# DESIGN.md quotes it (26 / 30 / 34 periods a week).
CURRICULUM: tuple[tuple[tuple[int, ...], dict[str, int]], ...] = (
    ((1, 2), {"YW": 8, "SX": 4, "DF": 2, "KX": 1, "TY": 4, "YS": 2, "MS": 2, "ZH": 3}),
    ((3, 4), {"YW": 7, "SX": 4, "YY": 3, "KX": 2, "XX": 1, "TY": 3, "YS": 2, "MS": 2,
              "DF": 2, "ZH": 4}),
    ((5, 6), {"YW": 6, "SX": 4, "YY": 3, "KX": 3, "XX": 1, "TY": 3, "YS": 2, "MS": 2,
              "DF": 2, "ZH": 4}),
    ((7, 8, 9), {"YW": 5, "SX": 5, "YY": 4, "KX": 5, "LS": 3, "DF": 2, "TY": 3, "YS": 1,
                 "MS": 1, "XX": 1, "ZH": 4}),
)

PRIMARY_GRADES = (1, 2, 3, 4, 5, 6)
JUNIOR_GRADES = (7, 8, 9)

# Subjects small rural schools typically cannot staff themselves.
SHORT_SUBJECTS = ("YS", "MS", "YY", "KX")
# Subjects taught by class-bound main teachers, qualified for a band of grades.
MAIN_SUBJECTS = ("YW", "SX")
# Staffing order: main subjects first so that small loads of the later
# subjects can ride on their spare capacity.
STAFFING_ORDER = ("YW", "SX", "YY", "KX", "LS", "TY", "YS", "MS", "DF", "ZH", "XX")
# Who usually takes a small load of a subject on top of their own.
COMPANIONS: dict[str, tuple[str, ...]] = {
    "DF": ("YW", "ZH", "LS"),
    "ZH": ("TY", "DF", "SX", "YW"),
    "XX": ("SX", "ZH"),
    "LS": ("DF", "YW"),
    "TY": ("ZH",),
}
ATTACH_LIMIT = 10  # a load this small is given to a colleague, not a new hire

# Capacity over demand that each kind of campus is staffed to. The hub also
# carries the rural shortage, so its specialists have spare capacity.
STAFF_FACTOR = {"hub": 1.2, "town": 1.15, "rural": 1.15}
COMMUNITY_FACTOR = 1.15  # guaranteed for every subject and grade interval

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
CN_NUMERALS = ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十")

MODEL_CYCLE = (
    "co_construction", "fusion", "collaboration", "co_construction", "fusion",
    "co_construction", "fusion", "collaboration", "co_construction", "fusion",
    "collaboration", "co_construction", "fusion", "co_construction", "collaboration",
    "fusion", "co_construction", "fusion", "collaboration", "co_construction",
)  # 8 co_construction : 7 fusion : 5 collaboration, all three in the first three

COUNTY_PREFIXES = {
    "德清县": "DQ", "长兴县": "CX", "安吉县": "AJ", "吴兴区": "WX", "南浔区": "NX",
    "余姚市": "YYS", "慈溪市": "CXS", "桐庐县": "TL", "淳安县": "CA", "开化县": "KH",
}
COUNTY_SEAT = (30.545, 119.955)  # 武康, where the urban core schools are

TARGETS = {"coteach_subjects": 2, "coteach_lessons": 20, "online_research": 8,
           "onsite_research": 4, "period": "school_year"}
RULES = {"max_campuses_per_day": 2, "coteach_start_tolerance_minutes": 10}

# -- place and person names -------------------------------------------------

TOWNS = (
    "乾元", "新市", "洛舍", "钟管", "禹越", "新安", "雷甸", "莫干山", "阜溪", "下渚湖",
    "舞阳", "康乾", "三合", "筏头", "二都", "士林", "勾里", "高桥", "上柏", "三桥",
    "对河口", "东衡", "仙潭", "蠡山", "宋市", "下舍", "塔山", "千秋", "秋山", "龙山",
    "城关", "湘溪", "白云", "砂村", "干山", "水北", "五四", "青山", "戈亭", "双林",
)
VILLAGES = (
    "燎原", "劳岭", "兰树坑", "后坞", "紫岭", "何村", "碧坞", "南路", "仙人坑", "高峰",
    "西岑坞", "东沈", "杨墩", "勤劳", "张陆湾", "孟溪", "龙胜", "双溪", "金火", "太平",
    "三林", "新港", "白彪", "兴旺", "联合", "青龙", "云鹤", "勇进", "前村", "庙前",
    "四都", "城山", "上杨", "下杨", "鸭山", "芦墩", "洋北", "宦塘", "民强", "蔡界",
    "五龙", "雁塘", "新琪", "乐安", "丁山", "义庄", "姚坝", "亭子桥", "俞家庄", "戴家湾",
    "沈家墩", "金鹅山", "东舍墩", "南塘", "西湾", "北庄", "茅山", "竹林", "石桥", "泉溪",
)
URBAN_PRIMARY = (
    "武康实验小学", "求是小学", "逸夫小学", "城东小学", "春晖小学", "千秋小学", "英溪小学",
    "舞阳小学", "北湖小学", "科源小学", "阳光小学", "凤栖小学", "云岫小学", "秋山小学",
    "树人小学", "明德小学", "启明小学", "崇文小学", "育英小学", "博文小学", "清溪小学",
    "凤凰小学", "城南小学", "城西小学",
)
URBAN_JUNIOR = (
    "求是中学", "春晖中学", "英溪中学", "舞阳中学", "城北中学", "凤凰中学", "育英中学",
    "实验初级中学",
)
SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱",
    "胡", "郭", "何", "高", "林", "沈", "姚", "钱", "陆", "金", "俞", "蒋", "方", "潘",
    "顾", "施", "费", "莫", "邱", "严", "章", "褚", "钟", "汪", "叶", "邵", "丁", "范",
)
GIVEN_NAMES = (
    "丽", "芳", "静", "敏", "伟", "强", "磊", "婷", "雪", "燕", "红", "霞", "军", "杰",
    "涛", "明", "超", "华", "颖", "琳", "建国", "晓燕", "雨涵", "梓涵", "佳怡", "思琪",
    "欣怡", "子轩", "浩然", "一鸣", "慧敏", "丽萍", "海燕", "建华", "秀英", "玉兰",
    "晓东", "志刚", "文静", "雅婷", "晨曦", "嘉怡", "俊杰", "宇航", "佳琪", "美华",
    "国强", "卫东", "春燕", "秋萍", "丹丹", "莉莉", "晓红", "振宇", "诗雨", "若溪",
)

RESEARCH_TEMPLATES: dict[str, tuple[tuple[str, str, tuple[int, ...], str], ...]] = {
    "primary": (
        ("SX", "low", (1, 2, 3), "低段数学联合教研"),
        ("SX", "high", (4, 5, 6), "高段数学联合教研"),
        ("YW", "low", (1, 2), "低段语文集体备课"),
        ("YW", "high", (3, 4, 5, 6), "中高段语文联合教研"),
        ("YY", "all", (3, 4, 5, 6), "英语联合教研"),
        ("KX", "all", (1, 2, 3, 4, 5, 6), "科学联合教研"),
        ("YS", "all", (1, 2, 3, 4, 5, 6), "音乐教师网络研修"),
        ("MS", "all", (1, 2, 3, 4, 5, 6), "美术教师网络研修"),
    ),
    "junior": (
        ("YW", "jh", (7, 8, 9), "初中语文联合教研"),
        ("SX", "jh", (7, 8, 9), "初中数学联合教研"),
        ("YY", "jh", (7, 8, 9), "初中英语联合教研"),
        ("KX", "jh", (7, 8, 9), "初中科学联合教研"),
        ("LS", "jh", (7, 8, 9), "历史与社会联合教研"),
    ),
}

# --------------------------------------------------------------------------
# Calendar and bells


def _term() -> dict[str, Any]:
    """The one autumn term; 2027 is unknown to chinesecalendar, hence the overrides."""
    return {
        "code": "2026-1",
        "name": "2026学年第一学期",
        "start": "2026-09-01",
        "end": "2027-01-22",
        "statutory_calendar": "cn",
        "extra_days_off": [
            {"date": "2026-11-12", "reason": "秋假"},
            {"date": "2026-11-13", "reason": "秋假"},
        ],
        # 2026-09-20 is left to the default pairing rule on purpose.
        "makeup_days": [{"date": "2026-10-10", "follows": "wed"}],
        "extra_school_days": [{"date": "2026-11-21", "follows": "fri", "reason": "运动会补课"}],
        "statutory_overrides": {"holidays": ["2027-01-01"], "workdays": []},
    }


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _bell(code: str, start: str, length: int, gaps: tuple[int, ...]) -> dict[str, Any]:
    """A bell from its first start, period length and the breaks after each period.

    Written this way so periods increase and never overlap by construction.
    """
    hours, mins = start.split(":")
    clock = int(hours) * 60 + int(mins)
    periods = []
    for n in range(1, len(gaps) + 2):
        periods.append({"n": n, "start": _hhmm(clock), "end": _hhmm(clock + length)})
        clock += length + (gaps[n - 1] if n <= len(gaps) else 0)
    return {"code": code, "days": list(WEEKDAYS), "periods": periods}


def _bells() -> list[dict[str, Any]]:
    """Urban 08:40, town 08:30 and rural 08:20 primary bells and the junior bell.

    Their mornings start within 10-20 minutes of each other and their
    afternoons diverge, so co-teaching has to be matched on clock time.
    """
    return [
        _bell("primary", "08:40", 40, (10, 30, 10, 80, 10, 15)),
        _bell("primary-town", "08:30", 40, (10, 30, 10, 60, 10, 15)),
        _bell("primary-rural", "08:20", 40, (10, 25, 10, 75, 10, 10)),
        _bell("junior", "08:00", 45, (10, 30, 10, 100, 10, 10, 10)),
    ]


def _curriculum() -> list[dict[str, Any]]:
    return [
        {"grades": list(grades), "subject": subject, "periods_per_week": periods}
        for grades, subjects in CURRICULUM
        for subject, periods in subjects.items()
    ]


def _periods(grade: int, subject: str) -> int:
    for grades, subjects in CURRICULUM:
        if grade in grades:
            return subjects.get(subject, 0)
    return 0


# --------------------------------------------------------------------------
# Plans: the shape of a community, decided before any names or codes


@dataclass(frozen=True)
class CampusPlan:
    """One campus: its area, classes per grade and grades taught."""

    area: str  # urban, town or rural
    per_grade: int
    grades: tuple[int, ...]

    @property
    def small(self) -> bool:
        """One rural class per grade: a 小规模学校 (at most 6 x 16 < 100 pupils)."""
        return self.area == "rural" and self.per_grade == 1


@dataclass(frozen=True)
class SchoolPlan:
    campuses: tuple[CampusPlan, ...]  # the first is the main campus


@dataclass(frozen=True)
class CommunityPlan:
    model: str
    level: str  # primary or junior
    core: SchoolPlan
    members: tuple[SchoolPlan, ...] = ()


def _member_campus(rng: random.Random, level: str, town_share: float) -> CampusPlan:
    """A town school (2-4 classes a grade) or a small rural school (one a grade)."""
    grades = PRIMARY_GRADES if level == "primary" else JUNIOR_GRADES
    if rng.random() < town_share:
        per_grade = rng.choice((2, 3, 3, 4)) if level == "primary" else rng.choice((3, 4, 5))
        return CampusPlan("town", per_grade, grades)
    if level == "primary" and rng.random() < 0.2:
        grades = (1, 2, 3, 4)  # 教学点: only the lower grades
    return CampusPlan("rural", 1, grades)


def _random_plan(rng: random.Random, index: int) -> CommunityPlan:
    """The shape of the index-th community of a generated county.

    Town members (镇中心小学, 12-24 classes) sit beside the small rural ones so
    that a community averages about 50 classes, as the county scale needs.
    """
    model = MODEL_CYCLE[index % len(MODEL_CYCLE)]
    level = "junior" if index % 5 == 4 else "primary"
    grades = PRIMARY_GRADES if level == "primary" else JUNIOR_GRADES
    core_area = "urban" if rng.random() < 0.7 else "town"
    if level == "primary":
        per_grade = rng.choice((4, 5, 6, 6)) if core_area == "urban" else rng.choice((3, 4, 4, 5))
    else:
        per_grade = rng.choice((8, 9, 10, 11, 12))
    core = CampusPlan(core_area, per_grade, grades)
    n_members = rng.choices((1, 2, 3, 4), weights=(20, 50, 18, 12))[0]
    town_share = 0.55 if core_area == "urban" else 0.35
    members = [_member_campus(rng, level, town_share) for _ in range(n_members)]
    if not any(m.small for m in members):
        members[-1] = CampusPlan("rural", 1, grades)  # every community has a rural shortage
    if model != "fusion":
        return CommunityPlan(model, level, SchoolPlan((core,)), tuple(SchoolPlan((m,)) for m in members))
    # A fused school is one school with several campuses; now and then a
    # former school stays listed as a member (the spec allows both).
    keep_member = len(members) >= 2 and rng.random() < 0.25
    fused = members[:-1] if keep_member else members
    kept = (SchoolPlan((members[-1],)),) if keep_member else ()
    return CommunityPlan(model, level, SchoolPlan((core, *fused)), kept)


PROFILES: dict[str, CommunityPlan] = {
    # About 20 classes: 12 at the core, two 教学点 with grades 1-4.
    "S": CommunityPlan(
        "co_construction", "primary",
        SchoolPlan((CampusPlan("urban", 2, PRIMARY_GRADES),)),
        (SchoolPlan((CampusPlan("rural", 1, (1, 2, 3, 4)),)),
         SchoolPlan((CampusPlan("rural", 1, (1, 2, 3, 4)),))),
    ),
    # A fused school of 4 campuses, 60 classes.
    "M": CommunityPlan(
        "fusion", "primary",
        SchoolPlan((CampusPlan("urban", 5, PRIMARY_GRADES), CampusPlan("town", 2, PRIMARY_GRADES),
                    CampusPlan("town", 2, PRIMARY_GRADES), CampusPlan("rural", 1, PRIMARY_GRADES))),
    ),
    # A fused school of 8 campuses, 150 classes.
    "L": CommunityPlan(
        "fusion", "primary",
        SchoolPlan((CampusPlan("urban", 6, PRIMARY_GRADES),
                    *(CampusPlan("town", 3, PRIMARY_GRADES) for _ in range(6)),
                    CampusPlan("rural", 1, PRIMARY_GRADES))),
    ),
}

# --------------------------------------------------------------------------
# Names


class _Names:
    """Chinese school, campus and person names that look real and do not repeat.

    Each village names one school or campus; each town hosts, in turn, its
    镇中心小学, then 第二小学 and so on, so no place appears twice by accident.
    """

    def __init__(self, rng: random.Random, county_name: str) -> None:
        self.rng = rng
        self.county = county_name
        self.towns = list(TOWNS)
        self.villages = list(VILLAGES)
        self.urban = {"primary": list(URBAN_PRIMARY), "junior": list(URBAN_JUNIOR)}
        rng.shuffle(self.towns)
        rng.shuffle(self.villages)
        rng.shuffle(self.urban["primary"])
        self.town_uses: dict[tuple[str, str], int] = {}
        self.villages_used = 0
        self.urban_used = {"primary": 0, "junior": 0}
        self.used: set[str] = set()

    def _unique(self, name: str) -> str:
        """Last guard: a name already given gets the next free ordinal suffix."""
        base, n = name, 1
        while name in self.used:
            n += 1
            name = f"{base}({n})"
        self.used.add(name)
        return name

    def _town(self, level: str) -> tuple[str, int]:
        """The least used town for this level, and how often it was used before."""
        town = min(self.towns, key=lambda t: self.town_uses.get((t, level), 0))
        uses = self.town_uses.get((town, level), 0)
        self.town_uses[(town, level)] = uses + 1
        return town, uses

    def _village(self) -> str:
        i = self.villages_used
        self.villages_used += 1
        if i < len(self.villages):
            return self.villages[i]
        i -= len(self.villages)  # all used: qualify villages by their town
        return f"{self.towns[(i // len(self.villages)) % len(self.towns)]}镇{self.villages[i % len(self.villages)]}"

    def _town_school(self, level: str) -> str:
        town, uses = self._town(level)
        kind = "小学" if level == "primary" else "中学"
        if uses == 0:
            return f"{town}镇中心小学" if level == "primary" else f"{town}镇中学"
        return f"{town}镇第{_cn_number(uses + 1)}{kind}"

    def core(self, level: str, area: str) -> str:
        """An urban school from the county seat's list, or a town's central school."""
        if area == "urban":
            pool = self.urban[level]
            i = self.urban_used[level]
            self.urban_used[level] += 1
            if i < len(pool):
                return self._unique(pool[i])
            if level == "junior":
                return self._unique(f"{self.county}第{_cn_number(i - len(pool) + 1)}中学")
        return self._unique(self._town_school(level))

    def member(self, level: str, area: str) -> str:
        if area == "rural":
            return self._unique(f"{self._village()}{'小学' if level == 'primary' else '中学'}")
        return self._unique(self._town_school(level))

    def branch(self, school: str, area: str, level: str) -> str:
        """A fused school's campus, named after the former school's place."""
        place = self._village() if area == "rural" else self._town(level)[0]
        return self._unique(f"{school}{place}校区")

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES)


def _cn_number(n: int) -> str:
    """1..99 in Chinese numerals (第三中学, 第十二小学)."""
    if n <= 10:
        return CN_NUMERALS[n]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else CN_NUMERALS[tens]}十{CN_NUMERALS[ones] if ones else ''}"


# --------------------------------------------------------------------------
# Geography


def _offset(origin: tuple[float, float], km: float, bearing: float) -> tuple[float, float]:
    lat = origin[0] + km * math.cos(bearing) / 111.2
    lon = origin[1] + km * math.sin(bearing) / (111.2 * math.cos(math.radians(origin[0])))
    return round(lat, 5), round(lon, 5)


def _place(rng: random.Random, center: tuple[float, float], count: int) -> list[tuple[float, float]]:
    """Campus coordinates: every pair 6-27 km apart, i.e. 10-60 minutes by the estimate."""
    points = [center]
    radius = 13.0 if count > 4 else 20.0
    for _ in range(count - 1):
        for _attempt in range(2000):
            point = _offset(center, rng.uniform(5.5, radius), rng.uniform(0, 2 * math.pi))
            if all(6.0 <= distance_km(point, q) <= 27.0 for q in points):
                break
        points.append(point)
    return points


# --------------------------------------------------------------------------
# Building


@dataclass
class _Campus:
    code: str
    school: str
    plan: CampusPlan
    role: str  # hub (core school's main campus), town or rural (small)
    point: tuple[float, float]
    classes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Teacher:
    record: dict[str, Any]
    main: str  # the subject the teacher was hired for
    serial: int  # creation order, for stable tie-breaks before codes exist
    allocated: int = 0

    @property
    def spare(self) -> int:
        return self.record["max_periods_per_week"] - self.allocated

    def qualify(self, subject: str, grades: tuple[int, ...]) -> None:
        """Add a qualification, merging grades when the subject is already there."""
        for entry in self.record["subjects"]:
            if entry["subject"] == subject:
                entry["grades"] = sorted(set(entry["grades"]) | set(grades))
                return
        self.record["subjects"].append({"subject": subject, "grades": list(grades)})

    def qualified(self, subject: str, grade: int) -> bool:
        return any(e["subject"] == subject and grade in e["grades"] for e in self.record["subjects"])


Demand = dict[str, dict[int, int]]  # subject -> grade -> periods per week


class _Builder:
    """Accumulates one dataset document, community by community."""

    def __init__(self, rng: random.Random, prefix: str, county_name: str) -> None:
        self.rng = rng
        self.prefix = prefix
        self.names = _Names(rng, county_name)
        self.schools: list[dict[str, Any]] = []
        self.travel: list[dict[str, Any]] = []
        self.communities: list[dict[str, Any]] = []
        self.teachers: list[dict[str, Any]] = []
        self.classes: list[dict[str, Any]] = []
        self.overrides: list[dict[str, Any]] = []
        self.staffing: list[dict[str, Any]] = []
        self.coteaching: list[dict[str, Any]] = []
        self.research: list[dict[str, Any]] = []
        self.override_map: dict[tuple[str, str], int] = {}
        self.teacher_count = 0
        self.serial = 0

    # -- the community as a whole ---------------------------------------

    def add_community(self, plan: CommunityPlan) -> None:
        code = f"{self.prefix}-C{len(self.communities) + 1:02d}"
        core_code, member_codes, campuses = self._schools(plan)
        self._travel(campuses)
        for campus in campuses:
            self._classes(campus)
        self._overrides(campuses, plan.level)
        teachers = self._staff(campuses, plan.level)
        self._top_up(teachers, campuses, plan.level)
        teachers = self._assign_codes(teachers, campuses)
        self._flags(teachers, campuses, plan.model)
        self.teachers.extend(t.record for t in teachers)
        self._staffing_entries(teachers, campuses)
        self._coteaching(code, teachers, campuses, plan)
        self._research(code, campuses, plan)
        core_name = next(s["name"] for s in self.schools if s["code"] == core_code)
        self.communities.append({
            "code": code, "name": f"{core_name}教共体", "model": plan.model,
            "core_school": core_code, "members": member_codes,
            "targets": dict(TARGETS), "rules": dict(RULES),
        })

    def _center(self, plan: CommunityPlan) -> tuple[float, float]:
        """Urban cores cluster round the county seat, town cores spread over the county."""
        rng = self.rng
        if plan.core.campuses[0].area == "urban":
            return (round(COUNTY_SEAT[0] + rng.uniform(-0.03, 0.03), 5),
                    round(COUNTY_SEAT[1] + rng.uniform(-0.03, 0.03), 5))
        return round(rng.uniform(30.40, 30.68), 5), round(rng.uniform(119.75, 120.20), 5)

    # -- schools and campuses --------------------------------------------

    def _schools(self, plan: CommunityPlan) -> tuple[str, list[str], list[_Campus]]:
        count = sum(len(s.campuses) for s in (plan.core, *plan.members))
        points = iter(_place(self.rng, self._center(plan), count))
        campuses: list[_Campus] = []
        codes: list[str] = []
        for index, school_plan in enumerate((plan.core, *plan.members)):
            codes.append(self._school(school_plan, plan.level, index == 0, points, campuses))
        return codes[0], codes[1:], campuses

    def _school(self, plan: SchoolPlan, level: str, is_core: bool,
                points: Iterator[tuple[float, float]], campuses: list[_Campus]) -> str:
        """One school record; its campuses are appended to `campuses`."""
        rng = self.rng
        code = f"{self.prefix}-S{len(self.schools) + 1:03d}"
        main = plan.campuses[0]
        name = self.names.core(level, main.area) if is_core else self.names.member(level, main.area)
        bell_of = {"urban": "primary", "town": "primary-town"}
        records = []
        built = []
        for i, cplan in enumerate(plan.campuses):
            ccode = f"{code}-{chr(ord('A') + i)}"
            role = "hub" if is_core and i == 0 else ("rural" if cplan.small else "town")
            campus = _Campus(ccode, code, cplan, role, next(points))
            built.append(campus)
            bell = "junior" if level == "junior" else bell_of.get(
                cplan.area, rng.choice(("primary-rural", "primary-town")))
            cname = f"{name}本部" if i == 0 else self.names.branch(name, cplan.area, level)
            record: dict[str, Any] = {"code": ccode, "name": cname, "lat": campus.point[0],
                                      "lon": campus.point[1], "bell_schedule": bell}
            if i > 0 and cplan.area != main.area:
                record["area"] = cplan.area
            if i > 0 and cplan.small:
                record["small"] = True
                record["boarding"] = rng.random() < 0.3
            records.append(record)
        campuses.extend(built)
        school = {"code": code, "name": name, "area": main.area, "small": False,
                  "boarding": main.small and rng.random() < 0.35,
                  "weak": (main.small and rng.random() < 0.4)
                  or (main.area == "town" and not is_core and rng.random() < 0.1),
                  "campuses": records}
        self.schools.append(school)
        return code  # `small` is set once the classes exist (it is about pupils)

    def _travel(self, campuses: list[_Campus]) -> None:
        """Explicit minutes for most pairs; about one in seven left to the estimate."""
        rng = self.rng
        for i, a in enumerate(campuses):
            for b in campuses[i + 1:]:
                estimate = estimated_minutes(a.point, b.point)
                if 10 <= estimate <= 60 and rng.random() < 0.15:
                    continue
                minutes = min(60, max(10, estimate + rng.choice((-5, 0, 0, 5, 5, 10))))
                self.travel.append({"from": a.code, "to": b.code, "minutes": minutes})
                if rng.random() < 0.05:  # uphill one way (山区): both directions given
                    self.travel.append({"from": b.code, "to": a.code, "minutes": min(60, minutes + 5)})

    # -- classes ----------------------------------------------------------

    def _classes(self, campus: _Campus) -> None:
        rng = self.rng
        area = campus.plan.area
        low, high = {"urban": (38, 45), "town": (30, 42), "rural": (8, 16)}[area]
        if campus.role == "hub" and area == "town":
            low, high = 36, 45
        for grade in campus.plan.grades:
            for n in range(1, campus.plan.per_grade + 1):
                record = {"code": f"{campus.code}-{grade}-{n}", "name": f"{CN_NUMERALS[grade]}({n})班",
                          "campus": campus.code, "grade": grade, "students": rng.randint(low, high)}
                campus.classes.append(record)
                self.classes.append(record)
        self._mark_small(campus)

    def _mark_small(self, campus: _Campus) -> None:
        """A single-campus school with under 100 pupils is a 小规模学校."""
        school = next(s for s in reversed(self.schools) if s["code"] == campus.school)
        if len(school["campuses"]) == 1:
            school["small"] = sum(c["students"] for c in campus.classes) < 100

    def _overrides(self, campuses: list[_Campus], level: str) -> None:
        """A couple of per-class changes: a rural class with one music period, extra 信息/科学."""
        rng = self.rng
        rural = [c for c in campuses if c.role == "rural"]
        hub = campuses[0]
        if level == "primary":
            if rural:
                klass = rng.choice(rng.choice(rural).classes)
                self._override(klass["code"], "YS", 1)
            upper = [k for k in hub.classes if k["grade"] >= 5]
            if upper and rng.random() < 0.5:
                self._override(rng.choice(upper)["code"], "XX", 2)
        else:
            nine = [k for k in hub.classes if k["grade"] == 9]
            self._override(rng.choice(nine)["code"], "KX", 6)

    def _override(self, klass: str, subject: str, periods: int) -> None:
        self.overrides.append({"class": klass, "subject": subject, "periods_per_week": periods})
        self.override_map[(klass, subject)] = periods

    def periods(self, klass: dict[str, Any], subject: str) -> int:
        return self.override_map.get((klass["code"], subject), _periods(klass["grade"], subject))

    def _demand(self, campus: _Campus) -> Demand:
        demand: Demand = {}
        for klass in campus.classes:
            for subject, _ in SUBJECTS:
                _merge(demand, {subject: {klass["grade"]: self.periods(klass, subject)}})
        return demand

    # -- teachers ---------------------------------------------------------

    def _staff(self, campuses: list[_Campus], level: str) -> list[_Teacher]:
        """Staff every campus for its own demand; the hub also for the rural shortage.

        Rural small campuses get no music, art, English or science teacher,
        or one of them; what they cannot cover is added to the hub's need,
        which is how the core school comes to have spare specialists.
        """
        hub_extra: Demand = {}
        teachers: list[_Teacher] = []
        for campus in campuses[1:] + campuses[:1]:  # the hub last, once the shortage is known
            demand = self._demand(campus)
            if campus.role == "rural":
                teachers += self._staff_rural(campus, demand, hub_extra, level)
                continue
            if campus.role == "hub":
                _merge(demand, hub_extra)
            teachers += self._staff_campus(campus, demand, STAFF_FACTOR[campus.role], level)
        return teachers

    def _staff_rural(self, campus: _Campus, demand: Demand, hub_extra: Demand,
                     level: str) -> list[_Teacher]:
        rng = self.rng
        shorts = [s for s in SHORT_SUBJECTS if s in demand]
        local = [rng.choice(shorts)] if shorts and rng.random() < 0.5 else []
        own = {s: g for s, g in demand.items() if s not in SHORT_SUBJECTS}
        teachers = self._staff_campus(campus, own, STAFF_FACTOR["rural"], level)
        for subject in shorts:
            left = dict(demand[subject])
            if subject in local:
                grades = tuple(sorted(left))
                teacher = self._new_teacher(campus, subject, grades, level)
                teachers.append(teacher)
                room = teacher.record["max_periods_per_week"]
                for grade in grades:  # what one teacher cannot take goes to the hub
                    take = min(room, left[grade])
                    room -= take
                    left[grade] -= take
                teacher.allocated = teacher.record["max_periods_per_week"] - room
            _merge(hub_extra, {subject: {g: p for g, p in left.items() if p}})
        return teachers

    def _staff_campus(self, campus: _Campus, demand: Demand, factor: float,
                      level: str) -> list[_Teacher]:
        teachers: list[_Teacher] = []
        for subject in STAFFING_ORDER:
            by_grade = demand.get(subject)
            if not by_grade:
                continue
            for band in _bands(subject, tuple(sorted(g for g, p in by_grade.items() if p)), campus.role):
                need = math.ceil(sum(by_grade[g] for g in band) * factor)
                host = self._host(teachers, subject, need) if need <= ATTACH_LIMIT else None
                if host is not None:
                    host.qualify(subject, band)
                    host.allocated += need
                    continue
                while need > 0:
                    teacher = self._new_teacher(campus, subject, band, level)
                    teachers.append(teacher)
                    teacher.allocated = min(teacher.record["max_periods_per_week"], need)
                    need -= teacher.allocated
        return teachers

    @staticmethod
    def _host(teachers: list[_Teacher], subject: str, need: int) -> _Teacher | None:
        """The colleague with the most spare periods among the subject's usual companions."""
        for companion in COMPANIONS.get(subject, ()):
            fits = [t for t in teachers if t.main == companion and t.spare >= need]
            if fits:
                return max(fits, key=lambda t: (t.spare, -t.serial))
        return None

    def _new_teacher(self, campus: _Campus, subject: str, band: tuple[int, ...], level: str) -> _Teacher:
        rng = self.rng
        if level == "junior":
            most = rng.randint(12, 16)
        elif subject in MAIN_SUBJECTS:
            most = rng.randint(12, 18)
        else:
            most = rng.randint(14, 18)
        record = {
            "code": "",  # given by _assign_codes, in campus order
            "name": self.names.person(), "school": campus.school, "campus": campus.code,
            "subjects": [{"subject": subject, "grades": list(band)}],
            "max_periods_per_week": most, "backbone": False, "can_travel": True,
            "exchange": False, "unavailable": [],
        }
        self.serial += 1
        return _Teacher(record, subject, self.serial)

    def _assign_codes(self, teachers: list[_Teacher], campuses: list[_Campus]) -> list[_Teacher]:
        """Number teachers campus by campus (core school first), so codes read like a roster."""
        order = {c.code: i for i, c in enumerate(campuses)}
        ranked = sorted(teachers, key=lambda t: (order[t.record["campus"]], t.serial))
        for teacher in ranked:
            self.teacher_count += 1
            teacher.record["code"] = f"T{self.teacher_count:05d}"
        return ranked

    def _flags(self, teachers: list[_Teacher], campuses: list[_Campus], model: str) -> None:
        """Backbone, exchange, can_travel, unavailable and a few extra qualifications."""
        rng = self.rng
        core_school = campuses[0].school
        rural_campuses = {c.code for c in campuses if c.role == "rural"}
        core = [t for t in teachers if t.record["school"] == core_school]
        for t in rng.sample(core, round(len(core) * 0.2)):
            t.record["backbone"] = True
        others = [t for t in teachers if t.record["school"] != core_school]
        for t in rng.sample(others, round(len(others) * 0.08)):
            t.record["backbone"] = True
        if model == "co_construction":
            # Exchange teachers are mostly the specialists the members lack.
            wanted = max(1, round(len(core) * 0.1))
            ranked = sorted(core, key=lambda t: (t.main not in SHORT_SUBJECTS, not t.record["backbone"],
                                                 rng.random()))
            for t in ranked[:wanted]:
                t.record["exchange"] = True
        for t in teachers:
            record = t.record
            pool_specialist = t.main in SHORT_SUBJECTS and record["campus"] == campuses[0].code
            if not record["exchange"] and not pool_specialist and rng.random() < 0.08:
                record["can_travel"] = False
            if rng.random() < 0.04:
                day = rng.choice(WEEKDAYS)
                record["unavailable"].append(
                    {"day": day, "periods": rng.choice(([1, 2], [5, 6, 7], [6, 7]))})
            self._extra_qualification(t, record["campus"] in rural_campuses)

    def _extra_qualification(self, teacher: _Teacher, rural: bool) -> None:
        """Qualifications nobody planned a load for: room for the solver to move."""
        rng = self.rng
        band = tuple(teacher.record["subjects"][0]["grades"])
        upper = tuple(g for g in band if g >= 3)
        if teacher.main == "YW" and rng.random() < 0.3:
            teacher.qualify("DF", band)
        elif teacher.main == "SX" and upper and rng.random() < 0.15:
            teacher.qualify("XX", upper)
        elif teacher.main == "SX" and not rural and rng.random() < 0.1:
            teacher.qualify("KX", band)
        elif teacher.main == "TY" and rng.random() < 0.2:
            teacher.qualify("ZH", band)

    def _top_up(self, teachers: list[_Teacher], campuses: list[_Campus], level: str) -> None:
        """Guarantee qualified capacity >= 1.15 x demand for every subject and grade interval.

        Staffing per campus nearly always gets there; this is the safety net
        that makes the guarantee unconditional (hub hires as needed).
        """
        demand: Demand = {}
        for campus in campuses:
            _merge(demand, self._demand(campus))
        hub = campuses[0]
        for subject in STAFFING_ORDER:
            grades = tuple(sorted(demand.get(subject, {})))
            for i in range(len(grades)):
                for j in range(i + 1, len(grades) + 1):
                    window = grades[i:j]
                    need = COMMUNITY_FACTOR * sum(demand[subject][g] for g in window)
                    while _capacity(teachers, subject, window) < need:
                        teachers.append(self._new_teacher(hub, subject, window, level))

    # -- staffing, co-teaching, research ------------------------------------

    def _staffing_entries(self, teachers: list[_Teacher], campuses: list[_Campus]) -> None:
        """Two locked and two preferred 语文/数学 assignments, always to a local, qualified teacher."""
        rng = self.rng
        locked_load: dict[str, int] = {}
        taken: set[tuple[str, str]] = set()
        classes = [k for c in campuses for k in c.classes]
        for locked in (True, True, False, False):
            for _attempt in range(20):
                klass = rng.choice(classes)
                subject = rng.choice(MAIN_SUBJECTS)
                p = self.periods(klass, subject)
                if (klass["code"], subject) in taken or not p:
                    continue
                fits = [t for t in teachers if t.record["campus"] == klass["campus"]
                        and t.qualified(subject, klass["grade"])
                        and (not locked or locked_load.get(t.record["code"], 0) + p
                             <= t.record["max_periods_per_week"])]
                if not fits:
                    continue
                teacher = rng.choice(fits).record["code"]
                if locked:
                    locked_load[teacher] = locked_load.get(teacher, 0) + p
                taken.add((klass["code"], subject))
                self.staffing.append({"class": klass["code"], "subject": subject,
                                      "teacher": teacher, "locked": locked})
                break

    def _coteaching(self, community: str, teachers: list[_Teacher], campuses: list[_Campus],
                    plan: CommunityPlan) -> None:
        """Requested 同步课堂 links from the hub into rural classes of the same grade.

        For a collaboration community this is how the rural shortage is covered
        (nobody teaches at another school), so it gets a link for every
        subject and grade; the other models get a few.
        """
        rng = self.rng
        hub = campuses[0]
        rural = [k for c in campuses if c.role == "rural" for k in c.classes]
        combos = [(s, g) for s in ("YS", "MS", "YY") for g in sorted({k["grade"] for k in rural})
                  if any(k["grade"] == g for k in hub.classes)
                  and any(k["grade"] == g and self.periods(k, s) for k in rural)]
        wanted = {"collaboration": len(combos), "co_construction": 3, "fusion": 2}[plan.model]
        chosen = combos if wanted >= len(combos) else sorted(rng.sample(combos, wanted))
        leads: dict[str, int] = {}
        for subject, grade in chosen:
            fits = [t for t in teachers if t.record["campus"] == hub.code
                    and t.qualified(subject, grade) and leads.get(t.record["code"], 0) < 3]
            if not fits:
                continue
            lead = min(fits, key=lambda t: (leads.get(t.record["code"], 0), rng.random()))
            leads[lead.record["code"]] = leads.get(lead.record["code"], 0) + 1
            remote = [k["code"] for k in rural if k["grade"] == grade and self.periods(k, subject)]
            self.coteaching.append({
                "code": f"{community}-CT-{subject}-{grade}", "subject": subject,
                "lead_teacher": lead.record["code"],
                "lead_class": rng.choice([k for k in hub.classes if k["grade"] == grade])["code"],
                "remote_classes": remote[:4], "lessons_per_week": 1,
            })

    def _research(self, community: str, campuses: list[_Campus], plan: CommunityPlan) -> None:
        """Two to four 联合教研 groups, online or at a host campus, on preferred half-days."""
        rng = self.rng
        grades = {k["grade"] for c in campuses for k in c.classes}
        templates = [t for t in RESEARCH_TEMPLATES[plan.level] if grades & set(t[2])]
        online_share = 0.8 if plan.model == "collaboration" else 0.5
        for subject, tag, tgrades, name in sorted(rng.sample(templates, rng.randint(2, min(4, len(templates))))):
            online = rng.random() < online_share
            host = None if online else rng.choice([None, campuses[0].code, rng.choice(campuses).code])
            days = sorted(rng.sample(range(len(WEEKDAYS)), rng.randint(1, 2)))
            preferred = [{"day": WEEKDAYS[d], "after": "13:30", "before": "17:00"} if rng.random() < 0.7
                         else {"day": WEEKDAYS[d], "before": "12:00"} for d in days]
            self.research.append({
                "code": f"{community}-RG-{subject}-{tag}", "name": name, "community": community,
                "subject": subject, "grades": [g for g in tgrades if g in grades],
                "mode": "online" if online else "onsite", "minutes": rng.choice((60, 80, 90)),
                "per_week": 1, "host_campus": host, "preferred": preferred, "teachers": "auto",
            })

    # -- the document -------------------------------------------------------

    def document(self, county_code: str, county_name: str) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "county": {"code": county_code, "name": county_name, "timezone": "Asia/Shanghai"},
            "terms": [_term()],
            "subjects": [{"code": c, "name": n} for c, n in SUBJECTS],
            "bell_schedules": _bells(),
            "schools": self.schools,
            "travel_minutes": self.travel,
            "communities": self.communities,
            "teachers": self.teachers,
            "classes": self.classes,
            "curriculum": _curriculum(),
            "curriculum_overrides": self.overrides,
            "staffing": self.staffing,
            "coteaching": self.coteaching,
            "research_groups": self.research,
        }


def _merge(into: Demand, extra: Demand) -> None:
    """Add periods of `extra` into `into`, leaving out zeros."""
    for subject, by_grade in extra.items():
        for grade, p in by_grade.items():
            if p:
                target = into.setdefault(subject, {})
                target[grade] = target.get(grade, 0) + p


def _bands(subject: str, grades: tuple[int, ...], role: str) -> list[tuple[int, ...]]:
    """Grade bands teachers are hired for: two-grade bands for main subjects
    (three-grade at rural schools, where a teacher covers more), the whole
    school for specialists."""
    if subject in MAIN_SUBJECTS:
        bands: tuple[tuple[int, ...], ...] = (
            ((1, 2, 3), (4, 5, 6), (7, 8, 9)) if role == "rural" else ((1, 2), (3, 4), (5, 6), (7, 8, 9)))
    else:
        bands = (PRIMARY_GRADES, JUNIOR_GRADES)
    result = [tuple(g for g in band if g in grades) for band in bands]
    return [band for band in result if band]


def _capacity(teachers: list[_Teacher], subject: str, grades: tuple[int, ...]) -> int:
    """Weekly periods of the teachers qualified for the subject at any of the grades."""
    return sum(t.record["max_periods_per_week"] for t in teachers
               if any(t.qualified(subject, g) for g in grades))


# --------------------------------------------------------------------------
# Public interface


def _prefix(county_code: str, county_name: str) -> str:
    return COUNTY_PREFIXES.get(county_name, f"X{county_code}")


def _build(plans: list[CommunityPlan], rng: random.Random, county_code: str,
           county_name: str) -> dict[str, Any]:
    builder = _Builder(rng, _prefix(county_code, county_name), county_name)
    for plan in plans:
        builder.add_community(plan)
    return builder.document(county_code, county_name)


def generate_county(communities: int, seed: int = 0, county_code: str = "330521",
                    county_name: str = "德清县") -> dict[str, Any]:
    """A county of `communities` 教共体 (about 50 classes and 125 teachers each).

    Models cycle 40% co_construction, 35% fusion, 25% collaboration; every
    fifth community is a junior-high one.
    """
    if communities < 0:
        raise ValueError("communities must be >= 0")
    rng = random.Random(seed)
    plans = [_random_plan(rng, i) for i in range(communities)]
    return _build(plans, rng, county_code, county_name)


def generate_community_dataset(profile: str, seed: int = 0) -> dict[str, Any]:
    """A full dataset with one community of a fixed shape, for solver benchmarks.

    "S": core + 2 rural 教学点 (co_construction, ~20 classes); "M": a fused
    school of 4 campuses (~60 classes); "L": a fused school of 8 campuses
    (~150 classes).
    """
    try:
        plan = PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown profile {profile!r}; use one of {', '.join(PROFILES)}") from None
    return _build([plan], random.Random(seed), "330521", "德清县")
