"""Confirming covers republishes only the feeds and dates the overrides touch: the result must be what a
full republish of every feed and date gives, and every other feed keeps its bytes and ETag."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from calendars.publish import republish
from covers_support import AT, CORE, MONDAY, RURAL_B, RURAL_C, lesson, publish_plan, settle
from feeds_support import COMMUNITY, CONFIG, TERM, events, stored_feeds
from scheduler.covers.review import proposed
from scheduler.db import transaction
from tongpan.daily import confirm_and_publish

CLASS_1, CLASS_2 = "DQ-S001-A-3-1", "DQ-S001-A-3-2"
RURAL_CLASS_C = "DQ-S003-A-3-1"
TRAVELLING = "T00016"  # an English teacher of the core school who also teaches at rural campus C


def test_a_cover_leaves_the_titles_of_a_teacher_at_several_campuses_alone(engine: Engine) -> None:
    # T00016 teaches at the core campus on Monday and at rural campus C on Tuesday: her lessons name the
    # campus all week. A cover for someone else on Monday must not change that, in any feed.
    from covers_support import absent_and_propose

    publish_plan(engine, [lesson(CLASS_1, "YW", "mon", 1, "T00005"), lesson(CLASS_2, "YY", "mon", 2, TRAVELLING),
                          lesson(RURAL_CLASS_C, "YY", "tue", 2, TRAVELLING)])
    absent_and_propose(engine, "T00005")
    settle(engine, AT)
    before = stored_feeds(engine)
    titled = events(before["class", CLASS_2][1])[f"lesson.{CLASS_2}.YY.20261116.0930@330521.tongpan"]
    assert str(titled["SUMMARY"]) == "英语 · 三(2)班 · 博文小学本部"
    with transaction(engine) as session:
        confirm_and_publish(session, proposed(session), now=AT, config=CONFIG)
    after = stored_feeds(engine)
    assert after["class", CLASS_2] == before["class", CLASS_2]
    assert after["teacher", TRAVELLING] == before["teacher", TRAVELLING]
    with transaction(engine) as session:
        assert republish(session, COMMUNITY, TERM, config=CONFIG, now=AT).feeds_changed == 0
