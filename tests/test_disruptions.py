"""Campuses cut off or closed: 走教 lessons go online, a closed campus cancels what it holds."""

from __future__ import annotations

from sqlalchemy import Engine

from calendars.publish import republish
from covers_support import AT, RURAL_B, RURAL_C, campus_teachers, disrupt_and_propose, lesson, publish_plan, settle
from feeds_support import CONFIG, People, events, stored_feeds
from scheduler.covers.review import confirm, proposed
from scheduler.db import transaction

CLASS_1 = "DQ-S001-A-3-1"
RURAL_CLASS_B, RURAL_CLASS_C = "DQ-S002-A-3-1", "DQ-S003-A-3-1"


def test_a_travelling_teachers_lessons_at_a_cut_off_campus_go_online(engine: Engine) -> None:
    # T00016 comes from the core campus to teach English at rural campus B, twice on Monday; a typhoon
    # closes the road to B. Nobody at B teaches English, and nobody can come: she teaches online.
    publish_plan(engine, [lesson(RURAL_CLASS_B, "YY", "mon", 3, "T00016"),
                          lesson(RURAL_CLASS_B, "YY", "mon", 5, "T00016"),
                          lesson(CLASS_1, "YW", "mon", 1, "T00005")])
    found, result = disrupt_and_propose(engine, RURAL_B)
    assert [(a.entry["code"], a.start, a.cause) for a in found] == [
        (f"{RURAL_CLASS_B}.YY", "10:30", "cut_off"), (f"{RURAL_CLASS_B}.YY", "13:00", "cut_off")]
    for cover in result.covers:
        assert (cover.mode, cover.teacher_code) == ("to_online", "T00016")
        add = cover.changes[0]["add"]
        assert add["kind"] == "coteach" and add["teachers"] == ["T00016"]
        assert add["remote"][0]["assistant"] in campus_teachers(RURAL_B)
        assert not any(alt["mode"] == "in_person" for alt in cover.alternatives)  # nobody can get there

    settle(engine, AT)
    before = stored_feeds(engine)
    with transaction(engine) as session:
        for community, term in confirm(session, proposed(session), AT):
            republish(session, community, term, config=CONFIG, now=AT)
    after = stored_feeds(engine)
    assert ("teacher", "T00005") not in {k for k in after if after[k][0] != before[k][0]}
    mine = events(after["teacher", "T00016"][1])
    old = mine[f"lesson.{RURAL_CLASS_B}.YY.20261116.1030@330521.tongpan"]
    assert (str(old["STATUS"]), str(old["SUMMARY"])) == ("CANCELLED", "【改线上】英语 · 三(1)班")
    online = [e for uid, e in mine.items() if uid.startswith("coteach.") and ".20261116." in uid]
    assert len(online) == 2 and all(str(e["LOCATION"]) == "线上" for e in online)


def test_a_closed_campus_cancels_its_lessons_and_its_classes_leave_co_teaching(engine: Engine) -> None:
    plan = [lesson(RURAL_CLASS_C, "SX", "mon", 1, "T00052"), lesson(CLASS_1, "YW", "mon", 1, "T00005")]
    link = People.link
    plan.append({"kind": "coteach", "code": link.code, "subject": link.subject, "day": "mon", "start": "10:40",
                 "end": "11:20", "campus": "DQ-S001-A", "classes": [CLASS_1, RURAL_CLASS_C],
                 "teachers": [People.lead],
                 "remote": [{"class": RURAL_CLASS_C, "campus": RURAL_C, "start": "10:30", "end": "11:10",
                             "assistant": People.assistant_c}]})
    publish_plan(engine, plan)
    found, result = disrupt_and_propose(engine, RURAL_C, closed=True)
    assert {(a.entry["kind"], a.role) for a in found} == {("lesson", "teach"), ("coteach", "assist")}
    assert all(c.mode == "cancel" for c in result.covers)
    with transaction(engine) as session:
        for community, term in confirm(session, proposed(session), AT):
            republish(session, community, term, config=CONFIG, now=AT)
    feeds = stored_feeds(engine)
    rural = events(feeds["class", RURAL_CLASS_C][1])
    cancelled = rural[f"lesson.{RURAL_CLASS_C}.SX.20261116.0830@330521.tongpan"]
    assert (str(cancelled["STATUS"]), str(cancelled["SUMMARY"])) == ("CANCELLED", "【停课】数学 · 三(1)班")
    dropped = rural[f"coteach.{link.code}.20261116.1030@330521.tongpan"]
    assert str(dropped["STATUS"]) == "CANCELLED"
    lead = events(feeds["class", CLASS_1][1])[f"coteach.{link.code}.20261116.1040@330521.tongpan"]
    assert str(lead["STATUS"]) == "CONFIRMED" and RURAL_CLASS_C not in lead["X-TONGPAN-CLASSES"].to_ical().decode()
