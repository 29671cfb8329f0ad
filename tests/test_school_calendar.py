from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.school_calendar import (
    WEEKDAYS,
    CalendarError,
    DatedNote,
    FollowedDay,
    SchoolDay,
    TermCalendar,
    known_statutory_years,
    school_days,
)

# 2027-01-01 is a Friday; the weekend after it belongs to the New Year break.
NEW_YEAR_2027 = (date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3))


def autumn_2026(**changes: object) -> TermCalendar:
    fields: dict[object, object] = dict(
        code="2026-1", start=date(2026, 9, 1), end=date(2027, 1, 22),
        override_holidays=NEW_YEAR_2027)
    fields.update(changes)
    return TermCalendar(**fields)  # type: ignore[arg-type]


def autumn_2025(**changes: object) -> TermCalendar:
    fields: dict[object, object] = dict(code="2025-1", start=date(2025, 9, 1), end=date(2026, 1, 23))
    fields.update(changes)
    return TermCalendar(**fields)  # type: ignore[arg-type]


def by_date(term: TermCalendar) -> dict[date, SchoolDay]:
    return {day.date: day for day in school_days(term)}


def test_known_years_cover_package_data() -> None:
    years = known_statutory_years()
    assert 2004 in years and 2026 in years and 2027 not in years


def test_autumn_2026() -> None:
    days = by_date(autumn_2026())
    assert not any(date(2026, 10, d) in days for d in range(1, 8))
    assert days[date(2026, 9, 20)] == SchoolDay(date(2026, 9, 20), "tue", "makeup")
    assert days[date(2026, 10, 10)] == SchoolDay(date(2026, 10, 10), "wed", "makeup")
    assert date(2027, 1, 1) not in days
    assert date(2026, 9, 19) not in days
    assert days[date(2026, 9, 7)] == SchoolDay(date(2026, 9, 7), "mon", "regular")
    assert days[date(2027, 1, 4)].follows == "mon"
    assert min(days) == date(2026, 9, 1) and max(days) == date(2027, 1, 22)


def test_unknown_year_is_refused_with_its_name() -> None:
    with pytest.raises(CalendarError, match="2027") as caught:
        school_days(autumn_2026(override_holidays=()))
    assert "statutory_overrides" in str(caught.value)


def test_unknown_year_refused_even_with_other_years_overridden() -> None:
    with pytest.raises(CalendarError, match="2027"):
        school_days(autumn_2026(override_holidays=(date(2026, 11, 12),)))


def test_autumn_2025_default_pairing() -> None:
    days = by_date(autumn_2025())
    assert days[date(2025, 9, 28)].follows == "tue"
    assert days[date(2025, 10, 11)].follows == "wed"
    # New Year 2026: rest on Fri 2026-01-02, work on Sun 2026-01-04.
    assert date(2026, 1, 2) not in days
    assert days[date(2026, 1, 4)] == SchoolDay(date(2026, 1, 4), "fri", "makeup")


def test_makeup_days_override_pairing() -> None:
    days = by_date(autumn_2026(makeup_days=(FollowedDay(date(2026, 10, 10), "fri"),)))
    assert days[date(2026, 10, 10)].follows == "fri"
    assert days[date(2026, 9, 20)].follows == "tue"


def test_extra_days_off_remove_regular_and_makeup_days() -> None:
    off = (DatedNote(date(2026, 11, 12), "秋假"), DatedNote(date(2026, 9, 20), "运动会"))
    days = by_date(autumn_2026(extra_days_off=off))
    assert date(2026, 11, 12) not in days
    assert date(2026, 9, 20) not in days
    assert date(2026, 11, 11) in days


def test_day_off_also_removes_an_extra_school_day() -> None:
    extra = (FollowedDay(date(2026, 11, 21), "fri"),)
    off = (DatedNote(date(2026, 11, 21)),)
    assert date(2026, 11, 21) not in by_date(autumn_2026(extra_school_days=extra, extra_days_off=off))


def test_extra_school_day_on_a_saturday() -> None:
    extra = (FollowedDay(date(2026, 11, 21), "fri", "运动会补课"),)
    days = by_date(autumn_2026(extra_school_days=extra))
    assert days[date(2026, 11, 21)] == SchoolDay(date(2026, 11, 21), "fri", "extra")


@pytest.mark.parametrize("field", ["extra_school_days", "makeup_days"])
def test_school_day_entries_on_a_holiday_are_refused(field: str) -> None:
    entry = (FollowedDay(date(2026, 10, 3), "mon"),)
    with pytest.raises(CalendarError, match="2026-10-03"):
        school_days(autumn_2026(**{field: entry}))


def test_extra_school_day_on_a_makeup_day_points_to_makeup_days() -> None:
    with pytest.raises(CalendarError, match="makeup_days"):
        school_days(autumn_2026(extra_school_days=(FollowedDay(date(2026, 9, 20), "mon"),)))


def test_makeup_days_entry_that_is_no_makeup_day_points_to_extra_school_days() -> None:
    with pytest.raises(CalendarError, match="extra_school_days"):
        school_days(autumn_2026(makeup_days=(FollowedDay(date(2026, 11, 21), "fri"),)))


def test_statutory_calendar_none_uses_only_overrides() -> None:
    term = autumn_2026(
        statutory_calendar="none",
        override_holidays=(date(2026, 10, 1), date(2026, 10, 2)),
        override_workdays=(date(2026, 10, 10),),
        makeup_days=(FollowedDay(date(2026, 10, 10), "fri"),),
    )
    days = by_date(term)
    assert date(2026, 10, 1) not in days and date(2026, 10, 2) not in days
    assert days[date(2026, 10, 5)].kind == "regular"  # a package holiday, not listed here
    assert date(2026, 9, 20) not in days  # a package make-up day, not listed here
    assert days[date(2026, 10, 10)] == SchoolDay(date(2026, 10, 10), "fri", "makeup")
    assert days[date(2027, 1, 1)].follows == "fri"  # no year check without the package


def test_override_workday_without_pairing_names_the_date() -> None:
    term = autumn_2026(override_workdays=(date(2026, 11, 28),))
    with pytest.raises(CalendarError, match="2026-11-28") as caught:
        school_days(term)
    assert "makeup_days" in str(caught.value)
    fixed = autumn_2026(override_workdays=(date(2026, 11, 28),),
                        makeup_days=(FollowedDay(date(2026, 11, 28), "thu"),))
    assert by_date(fixed)[date(2026, 11, 28)] == SchoolDay(date(2026, 11, 28), "thu", "makeup")


def test_overrides_correct_the_package() -> None:
    term = autumn_2026(override_holidays=NEW_YEAR_2027 + (date(2026, 9, 20),),
                       override_workdays=(date(2026, 10, 5),))
    days = by_date(term)
    assert date(2026, 9, 20) not in days
    assert days[date(2026, 10, 5)] == SchoolDay(date(2026, 10, 5), "mon", "regular")


@pytest.mark.parametrize("term", [
    autumn_2026(start=date(2026, 9, 2), end=date(2026, 9, 1)),
    autumn_2026(statutory_calendar="us"),
    autumn_2026(makeup_days=(FollowedDay(date(2026, 10, 10), "Wed"),)),
    autumn_2026(extra_school_days=(FollowedDay(date(2026, 11, 21), "friday"),)),
    autumn_2026(makeup_days=(FollowedDay(date(2026, 10, 10), "wed"), FollowedDay(date(2026, 10, 10), "thu"))),
    autumn_2026(override_workdays=(date(2027, 1, 1),)),
])
def test_invalid_terms_are_refused(term: TermCalendar) -> None:
    with pytest.raises(CalendarError):
        school_days(term)


def test_entries_outside_the_term_are_left_to_validation() -> None:
    term = autumn_2026(extra_school_days=(FollowedDay(date(2027, 2, 6), "fri"),))
    assert max(by_date(term)) == date(2027, 1, 22)


PACKAGE_MAKEUP_DAYS = sorted(
    day for day in chinese_calendar.workdays if 2020 <= day.year <= 2026 and day.weekday() >= 5)


def test_package_has_makeup_days_for_every_year() -> None:
    assert {day.year for day in PACKAGE_MAKEUP_DAYS} == set(range(2020, 2027))


@pytest.mark.parametrize("day", PACKAGE_MAKEUP_DAYS, ids=str)
def test_every_makeup_day_2020_2026_is_paired(day: date) -> None:
    term = TermCalendar(code="t", start=day - timedelta(days=3), end=day + timedelta(days=3))
    found = by_date(term)[day]
    assert found.kind == "makeup"
    assert found.follows in WEEKDAYS[:5]
    festival = chinese_calendar.workdays[day]
    rest_weekdays = {WEEKDAYS[rest.weekday()] for rest, name in chinese_calendar.in_lieu_days.items()
                     if name == festival and abs((rest - day).days) <= 30}
    assert found.follows in rest_weekdays


FIRST, LAST = date(2020, 1, 1), date(2026, 12, 31)


@st.composite
def terms(draw: st.DrawFn) -> TermCalendar:
    start = draw(st.dates(FIRST, LAST))
    end = draw(st.dates(start, min(LAST, start + timedelta(days=200))))
    in_term = st.dates(start, end)
    off = draw(st.lists(in_term.map(DatedNote), max_size=5))
    extra = draw(st.lists(st.builds(FollowedDay, in_term, st.sampled_from(WEEKDAYS)), max_size=3,
                          unique_by=lambda entry: entry.date))
    calendar = draw(st.sampled_from(["cn", "cn", "none"]))
    return TermCalendar(code="p", start=start, end=end, statutory_calendar=calendar,
                        extra_days_off=tuple(off), extra_school_days=tuple(extra))


@settings(max_examples=200, deadline=None)
@given(terms())
def test_school_days_properties(term: TermCalendar) -> None:
    try:
        days = school_days(term)
    except CalendarError:
        return
    dates = [day.date for day in days]
    assert dates == sorted(set(dates))
    assert all(term.start <= d <= term.end for d in dates)
    off = {note.date for note in term.extra_days_off}
    assert not off & set(dates)
    if term.statutory_calendar == "cn":
        assert not any(d in chinese_calendar.holidays for d in dates)
    assert all(day.follows in WEEKDAYS and day.kind in ("regular", "makeup", "extra") for day in days)


@settings(max_examples=100, deadline=None)
@given(terms())
def test_weekend_extra_school_days_never_fail_outside_holidays(term: TermCalendar) -> None:
    """Keeps the property above honest: most generated terms must really compute."""
    weekend_extras = tuple(e for e in term.extra_school_days
                           if e.date.weekday() >= 5 and e.date not in chinese_calendar.holidays
                           and e.date not in chinese_calendar.workdays)
    term = TermCalendar(code=term.code, start=term.start, end=term.end, extra_days_off=term.extra_days_off,
                        extra_school_days=weekend_extras)
    days = by_date(term)
    for extra in weekend_extras:
        if extra.date not in {note.date for note in term.extra_days_off}:
            assert days[extra.date] == SchoolDay(extra.date, extra.follows, "extra")
