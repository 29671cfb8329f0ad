"""The workplace's versions, diffs and actions: publish, regenerate, jobs; scopes and CSRF on each."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dashboard_support import (MINE, OTHER, TERM, Site, county, csrf_of, first_class, period, plan_of, sign_in, site,
                               sqlite_site, store, teacher_for)
from scheduler.db import make_engine, transaction, upgrade
from calendars.publish import publish
from scheduler.planning import solve_and_store
from scheduler.plans import published_version
from solver_cases import case, clock_bell, klass, school, teacher
from tasks.models import Job


class Held:
    """A dispatcher that keeps jobs queued, so a test sees them before anything runs."""

    in_process = False

    def __init__(self) -> None:
        self.sent: list[int] = []

    def send(self, job_id: int, step: str) -> None:
        self.sent.append(job_id)


def moved_plan(community: str) -> list[dict[str, Any]]:
    """The community's plan with its Monday 语文 lesson moved to Thursday period 3."""
    plan = copy.deepcopy(plan_of(community))
    start, end = period(first_class(community)["campus"], 3)
    plan[0].update(day="thu", start=start, end=end)
    return plan


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Site]:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    eng = make_engine(url)
    upgrade(eng)
    with site(eng, tmp_path, url) as s:
        store(eng, MINE, plan_of(MINE), publish=True)
        store(eng, MINE, moved_plan(MINE), stats={"objective": 150, "bound": 120},
              from_current_data=False)  # of unrecorded data: publishing it re-checks it
        store(eng, OTHER, plan_of(OTHER), publish=True)
        store(eng, OTHER, moved_plan(OTHER))
        s.app.state.jobs_api.dispatcher = Held()
        yield s
    eng.dispose()


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def jobs(s: Site) -> int:
    with transaction(s.engine) as session:
        return session.scalar(select(func.count()).select_from(Job)) or 0


def published(s: Site, community: str) -> int:
    with transaction(s.engine) as session:
        plan = published_version(session, community, TERM)
        assert plan is not None
        return plan.version


def test_versions_page_lists_each_version_with_its_figures(web: Site) -> None:
    sign_in(web.client, web.own_token)
    page = web.client.get(f"/communities/{MINE}/terms/{TERM}/versions")
    assert page.status_code == 200
    text = page.text
    assert "第 1 版" in text and "第 2 版" in text and "已发布" in text and "待发布" in text
    assert "20.0%" in text  # (150 - 120) / 150, the gap as the solver reported it
    assert f'/diff?a=1&amp;b=2">1 项</a>' in text  # one change against the published version
    assert "命令行 tongpan solve" in text and "通过" in text


def test_diff_of_two_versions_shows_exactly_the_moved_lesson(web: Site) -> None:
    sign_in(web.client, web.own_token)
    page = web.client.get(f"/communities/{MINE}/terms/{TERM}/diff?a=1&b=2")
    assert page.status_code == 200
    cls = first_class(MINE)
    teacher = teacher_for(cls, "YW")
    teacher_name = next(t["name"] for t in county()["teachers"] if t["code"] == teacher)
    mon, thu = period(cls["campus"], 1), period(cls["campus"], 3)
    line = f"语文 · 调整时间：时间 周一 {mon[0]}–{mon[1]} → 周四 {thu[0]}–{thu[1]}"
    assert "共 1 项变化" in page.text
    assert plain(page.text).count(line) == 2  # once under the class, once under the teacher
    assert f'data-class="{cls["code"]}"' in page.text and f'data-teacher="{teacher}"' in page.text
    assert teacher_name in page.text
    same = web.client.get(f"/communities/{MINE}/terms/{TERM}/diff?a=1&b=1")
    assert "两个版本的课表完全相同" in same.text
    default = web.client.get(f"/communities/{MINE}/terms/{TERM}/diff")  # published against the latest
    assert plain(default.text).count(line) == 2


def test_publish_needs_csrf_scope_and_the_checker(web: Site) -> None:
    csrf = sign_in(web.client, web.own_token)
    url = f"/communities/{MINE}/terms/{TERM}/versions/2/publish"
    assert web.client.post(url, data={}).status_code == 403
    assert web.client.post(url, data={"csrf": "forged"}).status_code == 403
    other = web.client.post(f"/communities/{OTHER}/terms/{TERM}/versions/2/publish", data={"csrf": csrf})
    assert other.status_code == 403 and published(web, OTHER) == 1
    # The hand-made version lacks most of the curriculum: the re-check refuses it and nothing moves.
    refused = web.client.post(url, data={"csrf": csrf})
    assert refused.status_code == 409 and "未通过独立校验" in refused.text and "规则 1" in refused.text
    assert published(web, MINE) == 1


def test_publish_a_checked_version(tmp_path: Path) -> None:
    """Two real solves of a one-class community; publishing the second moves the pointer and the feeds."""
    url = f"sqlite:///{tmp_path / 'solved.db'}"
    eng = make_engine(url)
    upgrade(eng)
    document = case([school("U", "week")], [teacher("T1", "U", {"YW": [5]})], [klass("U", 5)], {"YW": 2},
                    [clock_bell("week", "08:00", 40, 10, 6)])
    with site(eng, tmp_path, url, document) as s:
        for _ in range(2):
            solve_and_store(eng, "C1", TERM, time_limit=2, workers=1)
        with transaction(eng) as session:
            publish(session, "C1", TERM, 1)
        csrf = sign_in(s.client, s.county_token)
        done = s.client.post(f"/communities/C1/terms/{TERM}/versions/2/publish", data={"csrf": csrf},
                             follow_redirects=False)
        assert done.status_code == 303, re.findall(r'error">([^<]*)', done.text)
        assert published(s, "C1") == 2
        assert "已发布第 2 版" in s.client.get(done.headers["location"]).text
    eng.dispose()


def test_regenerate_needs_csrf_and_scope_then_shows_the_job(web: Site) -> None:
    csrf = sign_in(web.client, web.own_token)
    url = f"/communities/{MINE}/terms/{TERM}/regenerate"
    assert web.client.post(url, data={}).status_code == 403 and jobs(web) == 0
    assert web.client.post(f"/communities/{OTHER}/terms/{TERM}/regenerate", data={"csrf": csrf}).status_code == 403
    assert jobs(web) == 0
    response = web.client.post(url, data={"csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/jobs/")
    assert jobs(web) == 1
    job_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert web.app.state.jobs_api.dispatcher.sent == [job_id]
    page = web.client.get(response.headers["location"])
    assert page.status_code == 200 and "排队中" in page.text and f'data-job-status="/jobs/{job_id}/status"' in page.text
    status = web.client.get(f"/jobs/{job_id}/status").json()
    assert (status["state"], status["state_label"], status["finished"]) == ("queued", "排队中", False)
    again = web.client.post(url, data={"csrf": csrf}, follow_redirects=False)  # one job per community and term
    assert again.headers["location"] == response.headers["location"] and jobs(web) == 1
    with transaction(web.engine) as session:
        job = session.get(Job, job_id)
        assert job is not None and job.triggered_by == f"web:{web.own_token.split('_')[1]}"


def test_jobs_of_another_community_are_out_of_reach(web: Site) -> None:
    csrf = sign_in(web.client, web.county_token)
    response = web.client.post(f"/communities/{OTHER}/terms/{TERM}/regenerate", data={"csrf": csrf},
                               follow_redirects=False)
    theirs = response.headers["location"]
    web.client.post("/logout", data={"csrf": csrf})
    sign_in(web.client, web.own_token)
    assert web.client.get(theirs).status_code == 403
    assert web.client.get(theirs + "/status").status_code == 403
    assert web.client.get(f"/jobs?community={OTHER}").status_code == 403
    listed = web.client.get("/jobs")
    assert listed.status_code == 200 and theirs not in listed.text
    for path in (f"/communities/{OTHER}/terms/{TERM}/versions", f"/communities/{OTHER}/terms/{TERM}/diff?a=1&b=2"):
        assert web.client.get(path).status_code == 403, path


def test_job_list_filters(web: Site) -> None:
    csrf = sign_in(web.client, web.county_token)
    for community in (MINE, OTHER):
        web.client.post(f"/communities/{community}/terms/{TERM}/regenerate", data={"csrf": csrf})
    names = {c["code"]: c["name"] for c in county()["communities"]}
    everything = web.client.get("/jobs").text
    assert names[MINE] in everything and names[OTHER] in everything
    mine = web.client.get(f"/jobs?community={MINE}").text
    assert mine.count('href="/jobs/') == 1 and everything.count('href="/jobs/') == 2
    assert "没有符合条件的任务" in web.client.get("/jobs?state=failed").text
    assert web.client.get("/jobs?state=bogus").status_code == 400
    assert csrf_of(everything)
