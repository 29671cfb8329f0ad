"""`tongpan demo`: the whole pipeline on one machine, with nothing to install but Python."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from calendars.config import FeedConfig
from calendars.export import export_feeds
from calendars.tokens import community_addresses
from scheduler.dataset.load import import_file
from scheduler.dataset.store import stored_term
from scheduler.dataset.terms import term_calendar
from scheduler.db import make_engine, transaction, upgrade
from scheduler.generate import generate_county
from scheduler.school_calendar import school_days
from tasks.config import Limits
from tasks.jobs import trigger_county
from tasks.models import Job
from tasks.states import STATE_LABELS
from tasks.runner import InProcessRunner
from tongpan.settings import Settings

MODEL_NAMES = {"fusion": "融合型", "co_construction": "共建型", "collaboration": "协作型"}


SHOWN_ADDRESSES = ("teacher", "class", "campus", "community")


def run_demo(directory: Path, communities: int, out: Console, *, time_limit: float) -> bool:
    """The whole pipeline; False when a community's job did not succeed (its message says why)."""
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "tongpan.db"
    for stale in directory.glob("tongpan.db*"):
        stale.unlink()
    dataset_file = directory / "county.json"
    document = generate_county(communities, seed=1)
    dataset_file.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    upgrade(engine)
    out.print(f"1. 生成示例县 {document['county']['name']} → {dataset_file}", highlight=False)
    result = import_file(engine, dataset_file)
    added = sum(len(c.added) for c in result.changes.values())
    out.print(f"2. 导入 {database}：新增 {added} 项，{len(result.warnings)} 条警告", highlight=False)

    table = Table(title="示例县概况")
    for column in ("教共体", "名称", "类型", "学校", "校区", "教师", "班级"):
        table.add_column(column)
    campus_school = {c["code"]: s["code"] for s in document["schools"] for c in s["campuses"]}
    teachers = Counter(t["school"] for t in document["teachers"])
    classes = Counter(campus_school[k["campus"]] for k in document["classes"])
    campuses = {s["code"]: len(s["campuses"]) for s in document["schools"]}
    for c in document["communities"]:
        schools = [c["core_school"], *c["members"]]
        table.add_row(c["code"], c["name"], MODEL_NAMES[c["model"]], str(len(schools)),
                      str(sum(campuses[s] for s in schools)), str(sum(teachers[s] for s in schools)),
                      str(sum(classes[s] for s in schools)))
    out.print(table)
    with transaction(engine) as session:
        for term in document["terms"]:
            stored = stored_term(session, term["code"])
            assert stored is not None
            days = school_days(term_calendar(stored))
            makeup = [d for d in days if d.kind != "regular"]
            out.print(f"学期 {stored.name}：{len(days)} 个上课日，其中调休/补课日 "
                      + "、".join(f"{d.date:%m-%d}按{d.follows}" for d in makeup), highlight=False)
    term = document["terms"][0]["code"]
    succeeded = _regenerate(engine, term, out, time_limit)
    _publish_summary(engine, directory, [c["code"] for c in document["communities"]], out)
    out.print(f"\n继续体验：export TONGPAN_DATABASE_URL={url}; tongpan jobs; tongpan serve "
              f"（再打开上面的订阅地址）", highlight=False)
    return succeeded


def _regenerate(engine: Engine, term: str, out: Console, time_limit: float) -> bool:
    """Every community through the same job the workers run: solve, check, publish (in this process)."""
    out.print(f"3. 排课并发布（学期 {term}，每个教共体求解 {time_limit:g} 秒，进程内运行，无需服务器）",
              highlight=False)
    runner = InProcessRunner(engine, replace(Limits.from_env(), solver_seconds=time_limit))
    states = []
    for triggered in trigger_county(engine, term, "demo"):
        runner.run(triggered.job.id)
        with transaction(engine) as session:
            job = session.get_one(Job, triggered.job.id)
            out.print(f"   {job.community_code}：{STATE_LABELS[job.state]} · {job.message}", highlight=False)
            states.append(job.state)
    return all(state == "succeeded" for state in states)


def _publish_summary(engine: Engine, directory: Path, communities: list[str], out: Console) -> None:
    """A few subscription addresses to try, and every feed written out as files."""
    base = Settings.from_env().public_url
    with transaction(engine) as session:
        addresses = community_addresses(session, communities[0], FeedConfig.from_env())
        written = {c: export_feeds(session, c, directory / "feeds" / c) for c in communities}
    out.print(f"4. 订阅地址示例（教共体 {communities[0]}，tongpan serve 启动后可用）：", highlight=False)
    for kind in SHOWN_ADDRESSES:
        address = next((a for a in addresses if a.kind == kind), None)
        if address is not None:
            out.print(f"   {address.owner}：{address.https(base)}", highlight=False, soft_wrap=True)
    total = sum(len(files) for files in written.values())
    out.print(f"5. 已导出 {total} 个日历文件（.ics）到 {directory / 'feeds'}", highlight=False)
