"""`tongpan demo`: the whole pipeline on one machine, with nothing to install but Python."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from scheduler.dataset.load import import_file
from scheduler.dataset.store import stored_term
from scheduler.dataset.terms import term_calendar
from scheduler.db import make_engine, transaction, upgrade
from scheduler.generate import generate_county
from scheduler.school_calendar import school_days

MODEL_NAMES = {"fusion": "融合型", "co_construction": "共建型", "collaboration": "协作型"}


def run_demo(directory: Path, communities: int, out: Console) -> None:
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
    out.print(f"\n继续体验：export TONGPAN_DATABASE_URL={url}; tongpan term days --term "
              f"{document['terms'][0]['code']}", highlight=False)
