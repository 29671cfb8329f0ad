"""Property test: arbitrary text, control characters included, in every name and code of a dataset.

Import either refuses it with located errors, or accepts it; then every feed of the published
community reads back with icalendar and with ical.js, with the names as stored.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from sqlalchemy import Engine

from calendars.occurrences import Directory
from calendars.publish import calendar_name, publish
from feeds_support import BEFORE_TERM, COMMUNITY, CONFIG, TERM, base_plan, check_format, dataset, stored_feeds
from scheduler.dataset.issues import DatasetInvalid
from scheduler.dataset.load import import_file
from scheduler.dataset.schema import dump
from scheduler.db import snapshot, transaction
from scheduler.dataset.store import load_dataset, stored_revision
from scheduler.plan_document import read_plan
from scheduler.plans import store_plan
from test_feeds_cli import ical_js

CONTROLS = "".join(chr(c) for c in [*range(0, 32), 127, 0x85, 0x2028, 0x2029])
texts = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(CONTROLS), st.sampled_from("·,;:\\\"（）课表")),
                max_size=12)
NAMED = ("subjects", "schools", "communities", "teachers", "classes", "research_groups", "terms")


def _rename(node: Any, old: str, new: str) -> Any:
    """Every string equal to `old` (a code and its references) replaced by `new`."""
    if isinstance(node, str):
        return new if node == old else node
    if isinstance(node, list):
        return [_rename(v, old, new) for v in node]
    if isinstance(node, dict):
        return {k: _rename(v, old, new) for k, v in node.items()}
    return node


@st.composite
def hostile(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The feed tests' dataset and plan with drawn names everywhere and a few drawn codes."""
    document = dump(dataset())
    plan = copy.deepcopy(base_plan())
    document["county"]["name"] = draw(texts)
    for name in NAMED:
        for entry in document[name]:
            if draw(st.booleans()):
                entry["name"] = draw(texts)
    for school in document["schools"]:
        for campus in school["campuses"]:
            campus["name"] = draw(texts)
    for name in ("teachers", "classes"):
        entry = draw(st.sampled_from(document[name]))
        old, new = entry["code"], draw(texts)
        if new and new != old:
            document, plan = _rename(document, old, new), _rename(plan, old, new)
    return document, plan


def _check_feeds(engine: Engine, directory: Path) -> None:
    with snapshot(engine) as session:
        ds = load_dataset(session)
    assert ds is not None
    owners = Directory(ds, COMMUNITY).owners  # every feed's owner as named from the stored names
    feeds = stored_feeds(engine)
    files = []
    for (kind, code), (_, body) in feeds.items():
        check_format(body)
        calendar = Calendar.from_ical(body)
        if (kind, code) in owners:
            expected = calendar_name(kind, owners[kind, code])
            assert str(calendar["X-WR-CALNAME"]) == expected
        files.append(directory / f"{len(files)}.ics")
        files[-1].write_bytes(body)
    reports = ical_js(files)
    by_file = dict(zip(files, feeds.items(), strict=True))
    for report in reports:
        (kind, code), (_, body) = by_file[Path(report["file"])]
        assert report["errors"] == [] and report["floating"] == [], report
        assert report["events"] == len(Calendar.from_ical(body).walk("VEVENT"))
        if (kind, code) in owners:
            assert report["name"] == calendar_name(kind, owners[kind, code])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(case=hostile())
def test_any_text_in_names_and_codes_is_refused_with_places_or_published_intact(
        engine: Engine, case: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    document, plan = case
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        path = directory / "county.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        try:
            import_file(engine, path)
        except DatasetInvalid as exc:
            assert exc.errors
            for issue in exc.errors:
                assert issue.path and issue.message, issue  # every refusal says where and why
            return
        with transaction(engine) as session:
            store_plan(session, COMMUNITY, TERM, read_plan({"activities": plan}),
                       dataset_revision=stored_revision(session))
            publish(session, COMMUNITY, TERM, config=CONFIG, now=BEFORE_TERM)
        _check_feeds(engine, directory)
