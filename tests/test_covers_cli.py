"""`tongpan absence add` and `tongpan covers list/choose/confirm` on the small community.

The commands run at the real clock, so the absence is put on the next school
day of the generated term after today.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from covers_support import lesson, publish_plan, settle
from calendars.publish import republish
from feeds_support import CONFIG, TERM, dataset, stored_feeds
from scheduler.covers.days import term_days
from scheduler.covers.models import Absence, Cover, Disruption
from scheduler.db import transaction
from test_feeds_cli import tongpan

CLASS_1, CLASS_2 = "DQ-S001-A-3-1", "DQ-S001-A-3-2"


def _next_school_day():  # type: ignore[no-untyped-def]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    term = next(t for t in dataset().terms if t.code == TERM)
    ahead = [d for day, d in sorted(term_days(term).items()) if day > today]
    assert ahead, f"the generated term {TERM} is over; move the test data to a later term"
    return ahead[0]


def test_bad_input_is_refused_and_records_nothing(engine: Engine) -> None:
    publish_plan(engine, [lesson(CLASS_1, "YW", "mon", 1, "T00005")])
    for args, message in ((["--teacher", "T99999"], "没有教师 T99999"),
                          (["--teacher", "T00005", "--half", "am", "--periods", "3"], "只能指定其一"),
                          (["--teacher", "T00005", "--to", "2026-11-01"], "早于开始日期"),
                          (["--teacher", "T00005", "--half", "noon"], "--half")):
        done = tongpan(engine, "absence", "add", "--from", "2026-11-16", "--reason", "病假", *args)
        assert done.exit_code == 2 and message in done.output, done.output
    refused = tongpan(engine, "disruption", "add", "--campus", "NOPE", "--from", "2026-11-16")
    assert refused.exit_code == 2 and "没有校区 NOPE" in refused.output
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(Absence)) == 0
        assert session.scalar(select(func.count()).select_from(Disruption)) == 0


def test_absence_add_lists_proposes_and_confirm_publishes(engine: Engine) -> None:
    day = _next_school_day()
    publish_plan(engine, [lesson(CLASS_1, "YW", day.follows, 1, "T00005"),
                          lesson(CLASS_2, "YW", day.follows, 1, "T00006")])
    done = tongpan(engine, "absence", "add", "--teacher", "T00005", "--from", day.date.isoformat(),
                   "--reason", "病假", "--json", "--time-limit", "5")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert [(a["activity"], a["role"]) for a in report["affected"]] == [(f"{CLASS_1}.YW", "teach")]
    [cover] = report["covers"]
    assert (cover["mode"], cover["teacher"]) == ("in_person", "T00007")

    # The admin prefers supervised study by someone else; then confirms.
    study = next(a for a in cover["alternatives"] if a["mode"] == "study")
    chosen = tongpan(engine, "covers", "choose", str(cover["id"]), "--choice", str(study["n"]))
    assert chosen.exit_code == 0, chosen.output
    listed = json.loads(tongpan(engine, "covers", "list", "--json").stdout)
    assert [(c["mode"], c["teacher"]) for c in listed] == [("study", study["teacher"])]

    settle(engine)
    before = stored_feeds(engine)
    confirmed = tongpan(engine, "covers", "confirm", "--absence", str(report["absence"]))
    assert confirmed.exit_code == 0 and "已确认 1 项" in confirmed.output, confirmed.output
    after = stored_feeds(engine)
    changed = {key for key in after if after[key][0] != before[key][0]}
    assert changed == {("teacher", "T00005"), ("teacher", study["teacher"]), ("class", CLASS_1)}
    with transaction(engine) as session:
        assert session.scalar(select(Cover.state)) == "confirmed"
        # Confirming recomputed only the feeds the cover touches; a full republish agrees byte for byte.
        assert republish(session, "DQ-C01", TERM, config=CONFIG).feeds_changed == 0
    again = tongpan(engine, "covers", "confirm", "--absence", str(report["absence"]))
    assert again.exit_code == 2 and "没有待确认" in again.output




def test_check_on_a_date_verifies_the_overrides(engine: Engine) -> None:
    publish_plan(engine, [lesson(CLASS_1, "YW", "mon", 1, "T00005")])
    done = tongpan(engine, "check", "--community", "DQ-C01", "--term", TERM, "--date", "2026-11-16")
    assert done.exit_code == 0 and "2026-11-16 的课表（含代课等当日调整）通过校验" in done.output, done.output
