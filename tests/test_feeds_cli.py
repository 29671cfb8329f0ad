"""`tongpan publish`, `feeds list/reissue`, `export ics`, and Mozilla's ical.js reading what they wrote."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from calendars.models import Feed
from conftest import missing_service
from feeds_support import (
    COMMUNITY, TERM, TERM_SPAN, People, base_plan, check_format, dataset, expected_counts, load, stored_feeds,
    cut_feeds, travel_counts, window_today,
)
from scheduler.dataset.store import stored_revision
from scheduler.db import make_engine, transaction, upgrade
from scheduler.plan_document import read_plan
from scheduler.plans import store_plan
from scheduler.solver import solve
from tongpan.cli import app

runner = CliRunner()
JS = Path(__file__).parent / "js"
PUBLIC = "https://rili.example.cn"


def tongpan(engine: Engine, *args: str) -> Any:
    env = {"TONGPAN_DATABASE_URL": engine.url.render_as_string(hide_password=False), "TONGPAN_PUBLIC_URL": PUBLIC}
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def ical_js(files: list[Path]) -> list[dict[str, Any]]:
    """What ical.js makes of the files: per file its events, parse errors and floating times."""
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "ical.js").is_dir():
        missing_service("Node.js with ical.js in tests/js", "make tests/js/node_modules/.installed")
    done = subprocess.run([node, str(JS / "parse.mjs"), *map(str, files)], capture_output=True, text=True,
                          check=True, timeout=120)
    return json.loads(done.stdout)


LIBICAL = Path(__file__).parent / "libical" / "read.py"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's Python, where python3-gi and gir1.2-ical-3.0 install


def libical(files: list[Path]) -> list[dict[str, Any]]:
    """What libical (GNOME Calendar, Evolution) makes of the files: events, complaints, zone-less starts,
    and each event's start resolved through the feed's VTIMEZONE."""
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import gi; gi.require_version('ICalGLib', '3.0'); "
                            "from gi.repository import ICalGLib"], capture_output=True)
    if probe.returncode != 0:
        missing_service("libical for Python (Debian's python3-gi and gir1.2-ical-3.0)",
                        "apt-get install -y python3-gi gir1.2-ical-3.0")
    done = subprocess.run([SYSTEM_PYTHON, str(LIBICAL), *map(str, files)], capture_output=True, text=True,
                          check=True, timeout=300)
    return json.loads(done.stdout)


def check_with_libical(files: list[Path]) -> None:
    """Every file reads in libical without a complaint, with icalendar's events at icalendar's instants."""
    for report in libical(files):
        assert (report["errors"], report["floating"]) == ([], 0), report["file"]
        cal = Calendar.from_ical(Path(report["file"]).read_bytes())
        want = {str(e["UID"]): int(e.decoded("DTSTART").timestamp()) for e in cal.walk("VEVENT")}
        assert report["starts"] == want, report["file"]
        assert report["cancelled"] == sum(str(e.get("STATUS")) == "CANCELLED" for e in cal.walk("VEVENT"))


def _store(engine: Engine, activities: list[dict[str, Any]]) -> None:
    with transaction(engine) as session:
        store_plan(session, COMMUNITY, TERM, read_plan({"activities": activities}),
                   dataset_revision=stored_revision(session))


def test_publish_list_reissue_export_and_ical_js(engine: Engine, tmp_path: Path) -> None:
    load(engine)
    _store(engine, base_plan())
    published = tongpan(engine, "publish", "--community", COMMUNITY, "--term", TERM)
    assert published.exit_code == 0 and "第 1 版" in published.output
    feeds = stored_feeds(engine)

    listed = tongpan(engine, "feeds", "list", "--community", COMMUNITY, "--json")
    rows = json.loads(listed.stdout)
    assert {(r["kind"], r["code"]) for r in rows} == set(feeds)
    tokens = {r["https"].removeprefix(f"{PUBLIC}/feeds/").removesuffix(".ics") for r in rows}
    assert len(tokens) == len(rows) and all(len(t) == 32 for t in tokens)
    teacher = next(r for r in rows if r["code"] == People.yw)
    assert teacher["owner"] == next(t.name for t in dataset().teachers if t.code == People.yw)
    assert teacher["webcal"] == teacher["https"].replace("https://", "webcal://")
    with transaction(engine) as session:
        hashes = set(session.scalars(select(Feed.token_hash)))
    assert hashes == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}  # only hashes are stored

    # The plain list: one line per feed ending in the subscribe page, whole however long; CSV the same rows.
    lines = tongpan(engine, "feeds", "list", "--community", COMMUNITY).stdout.splitlines()
    assert len(lines) == len(rows)
    assert [line.rsplit("\t", 1)[1] for line in lines] == [r["page"] for r in rows]
    assert f"\t{teacher['owner']}（{People.yw}）\t" in lines[[r["code"] for r in rows].index(People.yw)]
    table = list(csv.DictReader(io.StringIO(tongpan(engine, "feeds", "list", "--community", COMMUNITY,
                                                    "--csv").stdout)))
    assert table == rows

    reissued = tongpan(engine, "feeds", "reissue", "--teacher", People.yw)
    assert reissued.exit_code == 0 and teacher["https"] not in reissued.stdout
    again = json.loads(tongpan(engine, "feeds", "list", "--community", COMMUNITY, "--json").stdout)
    fresh = next(r for r in again if r["code"] == People.yw)
    assert fresh["https"] in reissued.stdout and fresh["page"] in reissued.stdout.splitlines()
    assert fresh["page"] != teacher["page"]
    assert [r for r in again if r["code"] != People.yw] == [r for r in rows if r["code"] != People.yw]

    out = tmp_path / "ics"
    assert tongpan(engine, "export", "ics", "--community", COMMUNITY, "--out", str(out)).exit_code == 0
    files = sorted(out.iterdir())
    assert {f.name for f in files} == {f"{kind}-{code}.ics" for kind, code in feeds}
    assert all(f.read_bytes() == feeds[tuple(f.stem.split("-", 1))][1] for f in files)  # type: ignore[index]
    reports = ical_js(files)
    assert [r for r in reports if r["errors"] or r["floating"]] == []
    assert sum(r["events"] for r in reports) == sum(len(Calendar.from_ical(b).walk("VEVENT")) for _, b in
                                                    feeds.values())
    check_with_libical(files)


def test_cli_errors(engine: Engine) -> None:
    load(engine)
    missing = tongpan(engine, "publish", "--community", COMMUNITY, "--term", TERM)
    assert missing.exit_code == 2 and "没有任何版本" in missing.output
    assert tongpan(engine, "feeds", "list", "--community", COMMUNITY).exit_code == 2
    assert tongpan(engine, "feeds", "reissue", "--teacher", People.yw, "--class", "x").exit_code == 2
    _store(engine, base_plan())
    assert tongpan(engine, "publish", "--community", COMMUNITY, "--term", TERM, "--version", "7").exit_code == 2


@cache
def solver_plan() -> dict[str, Any]:
    return solve(dataset(), COMMUNITY, TERM, time_limit=3, workers=2)


def publish_solver_plan(engine: Engine) -> tuple[dict[str, Any], dict[tuple[str, str], tuple[str, bytes]]]:
    """The solved generated community stored and published through the CLI: the plan and its feeds."""
    load(engine)
    plan = solver_plan()
    with transaction(engine) as session:
        store_plan(session, COMMUNITY, TERM, read_plan(plan), dataset_revision=stored_revision(session))
    assert tongpan(engine, "publish", "--community", COMMUNITY, "--term", TERM).exit_code == 0
    return plan, stored_feeds(engine)


def test_a_solver_plan_reads_back_in_every_parser(engine: Engine, tmp_path: Path) -> None:
    plan, feeds = publish_solver_plan(engine)
    # The CLI publishes now: from the window on; teacher feeds also hold their 【路程】 events.
    want = expected_counts(plan["activities"], window_today()) + travel_counts(feeds)
    teacher = plan["activities"][0]["teachers"][0]
    for key in (("community", COMMUNITY), ("class", "DQ-S003-A-3-1"), ("teacher", teacher)):
        occurrences = recurring_ical_events.of(Calendar.from_ical(feeds[key][1])).between(*TERM_SPAN)
        assert len(occurrences) == want[key], key
    out = tmp_path / "ics"
    tongpan(engine, "export", "ics", "--community", COMMUNITY, "--out", str(out))
    check_with_libical(sorted(out.iterdir()))
    reports = {Path(r["file"]).stem: r for r in ical_js(sorted(out.iterdir()))}
    assert [r for r in reports.values() if r["errors"] or r["floating"]] == []
    assert {name: r["events"] for name, r in reports.items()} == {
        f"{kind}-{code}": len(Calendar.from_ical(body).walk("VEVENT")) for (kind, code), (_, body) in feeds.items()}
    cut = cut_feeds(engine)
    assert {name: r["events"] for name, r in reports.items()
            if r["events"] and tuple(name.split("-", 1)) not in cut} == {
        f"{kind}-{code}": n for (kind, code), n in want.items() if (kind, code) not in cut}


def test_every_feed_of_a_solved_community_reads_back_with_its_dated_occurrences(tmp_path: Path) -> None:
    """All feeds, campus feeds included, through icalendar and recurring-ical-events (ical.js reads them
    above). Parsing does not depend on the database, so this runs once, on SQLite."""
    engine = make_engine(f"sqlite:///{tmp_path / 'feeds.db'}")
    upgrade(engine)
    plan, feeds = publish_solver_plan(engine)
    want = expected_counts(plan["activities"], window_today()) + travel_counts(feeds)
    assert {kind for kind, _ in feeds} == {"teacher", "class", "campus", "community"}
    cut = cut_feeds(engine)
    for key, (_, body) in feeds.items():
        check_format(body)
        assert len(body) <= 1_000_000, key
        occurrences = recurring_ical_events.of(Calendar.from_ical(body)).between(*TERM_SPAN)
        assert len(occurrences) == want[key] or (key in cut and len(occurrences) < want[key]), key
        assert not [o for o in occurrences if date(2026, 10, 1) <= o.decoded("DTSTART").date() <= date(2026, 10, 7)]
        if key[0] == "teacher":  # the solver's gaps hold every 【路程】 event without overlapping an activity
            spans = [(o.decoded("DTSTART"), o.decoded("DTEND"), str(o["X-TONGPAN-KIND"])) for o in occurrences]
            for start, end, _ in (s for s in spans if s[2] == "travel"):
                assert all(e <= start or s >= end for s, e, kind in spans if kind != "travel"), key
    # 【路程】 events exist exactly when the plan has a teacher change campus within a day.
    travels = sum(travel_counts(feeds).values())
    assert (travels > 0) == changes_campus_within_a_day(plan["activities"]), travels


def changes_campus_within_a_day(activities: list[dict[str, Any]]) -> bool:
    """Whether some teacher has in-person activities at two campuses on one weekday."""
    campuses: dict[tuple[str, str], set[str]] = {}
    for a in activities:
        places = [(a["teachers"][0], a["campus"])] + [(r["assistant"], r["campus"]) for r in a.get("remote", [])
                                                      if r.get("assistant")]
        if a["kind"] == "research":
            places = [(t, a["campus"]) for t in a["teachers"]] if a["campus"] != "online" else []
        for teacher, campus in places:
            campuses.setdefault((teacher, a["day"]), set()).add(campus)
    return any(len(c) > 1 for c in campuses.values())
