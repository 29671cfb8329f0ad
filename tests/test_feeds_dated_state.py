"""A feed state opened for a few dates (what confirming covers uses) gives what the whole state gives.

Random states of two terms (events before, in and far past the window, cancelled ones whose date has
passed or not, UIDs long enough to fold) and random changes on one or two dates: `DatedState` must
return the same answer, decode to the same state, and give the same bytes as `FeedState`, splicing the
stored bytes whenever they show the whole window (and rendering from the whole state otherwise).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

import calendars.state as state_module
from calendars.occurrences import Occurrence
from calendars.render import RenderedEvent
from calendars.state import DatedState, FeedState
from calendars.window import render_window, splice_window, window_start

TZ = "Asia/Shanghai"
TODAY = date(2026, 12, 28)  # a Monday: the window runs from 21 December into the next year
TEMPLATES = ["SUMMARY:语文 · 三(1)班\r\nLOCATION:博文小学本部\r\n", "SUMMARY:英语 · 三(2)班\r\n",
             "SUMMARY:【同步课堂】美术 · 博文三(1)班 → 沈家墩三(1)班、南塘三(1)班\r\nX-TONGPAN-KIND:coteach\r\n",
             "SUMMARY:BEGIN:VEVENT 不是一行的开头\r\nDESCRIPTION:第 3 节 10:30–11:10\\n主讲：钱婷\r\n"]
HEAD = "BEGIN:VCALENDAR\r\nPRODID:-//tongpan//calendar feeds//ZH\r\nVERSION:2.0\r\nNAME:测试\r\n"


def _ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def _uid(rng: random.Random, day: date, hhmm: str) -> str:
    code = "C" * rng.choice([3, 64])  # a 64-character code folds the UID line
    return f"lesson.{code}{rng.randrange(4)}.{_ymd(day)}.{hhmm}@330521.tongpan"


def _occurrence(rng: random.Random, day: date) -> Occurrence:
    hhmm = rng.choice(["0840", "0930", "1040", "1330", "2330"])
    end = "2359" if hhmm == "2330" else f"{int(hhmm[:2]) + 1:02d}{hhmm[2:]}"
    return Occurrence(_uid(rng, day, hhmm), f"{_ymd(day)}T{hhmm}00", f"{_ymd(day)}T{end}00", rng.choice(TEMPLATES))


def _term(start: str) -> str:
    return "2026-2" if start > "20270110" else "2026-1"


def _state(rng: random.Random, days: list[date]) -> FeedState:
    terms: dict[str, dict[str, RenderedEvent]] = {"2026-1": {}, "2026-2": {}}
    for _ in range(rng.randrange(0, 60)):
        uid, start, end, text = _occurrence(rng, rng.choice(days))
        terms[_term(start)][uid] = RenderedEvent(uid, start, end, text, rng.randrange(3), 1_700_000_000 + rng.randrange(9),
                                         rng.random() < 0.15)
    return FeedState(HEAD, terms)


@pytest.mark.parametrize("seed", range(60))
def test_a_dated_update_gives_what_the_whole_state_gives(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    days = [TODAY + timedelta(days=d) for d in range(-20, 40)]
    before = _state(rng, days)
    whole_window = len(render_window(before.head, TZ, before.events(), TODAY, 10_000_000).body)
    limit = rng.choice([10_000_000, 8_000, whole_window + rng.randrange(-300, 900)])  # cut, or about to be
    settled = render_window(before.head, TZ, before.events(), TODAY, limit)
    blob, body = before.dumps(), settled.body

    dates = {_ymd(d) for d in rng.sample(days[15:], rng.choice([1, 2]))}  # from the window's start on
    term = _term(min(dates))
    dates = {d for d in dates if _term(d) == term}
    old = [e for e in before.events() if e.start[:8] in dates]
    occurrences = [Occurrence(e.uid, e.start, e.end, e.template if rng.random() < 0.6 else rng.choice(TEMPLATES))
                   for e in old if rng.random() < 0.7]
    occurrences += [_occurrence(rng, date(int(d[:4]), int(d[4:6]), int(d[6:]))) for d in dates
                    for _ in range(rng.randrange(3))]
    labels = {(e.uid.rsplit(".", 3)[0], e.start[:8]): "【代课】" for e in old if rng.random() < 0.5}
    args = (1_800_000_000, _ymd(TODAY), _ymd(TODAY), labels, dates)

    whole = FeedState.loads(blob)
    dated = DatedState(blob, body, (settled.start, settled.end))
    assert dated.update(term, occurrences, *args) == whole.update(term, occurrences, *args)
    assert FeedState.loads(dated.dumps()) == whole
    expected = whole.render(TZ, TODAY, limit)
    if settled.end is None and expected.end is None:
        def whole_render(*_: object) -> None:
            raise AssertionError("the stored bytes show the whole window: they are spliced, not rendered")
        monkeypatch.setattr(state_module, "render_window", whole_render)
    assert dated.render(TZ, TODAY, limit) == expected


def test_splicing_refuses_bytes_that_are_not_the_states() -> None:
    rng = random.Random(1)
    days = [TODAY + timedelta(days=d) for d in range(0, 10)]
    state = _state(rng, days)
    while not any(e.start[:8] >= _ymd(window_start(TODAY)) for e in state.events()):
        state = _state(rng, days)
    body = render_window(state.head, TZ, state.events(), TODAY, 10_000_000).body
    shown = next(e for e in state.events())
    missing = shown._replace(uid="lesson.X.20261228.0840@330521.tongpan")
    assert splice_window(body, state.head, TZ, [(missing.start, missing.uid)], [], TODAY, 10_000_000) is None
    assert splice_window(body, state.head, TZ, [], [shown], TODAY, 10_000_000) is None  # already there
    assert splice_window(body, HEAD.replace("测试", "别的"), TZ, [], [], TODAY, 10_000_000) is None
    assert splice_window(body, state.head, TZ, [], [], TODAY, len(body)) is not None
    assert splice_window(body, state.head, TZ, [], [], TODAY, len(body) - 1) is None  # passes the limit
