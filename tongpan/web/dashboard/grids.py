"""A community's page and its 课表 grids: per class, per teacher (across campuses), per campus (总课表)."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from scheduler import models as m
from scheduler.db import transaction
from scheduler.timetable import Directory, campus_table, class_grid, load_directory, stored_plan, teacher_grid
from tasks.states import STATE_LABELS
from tasks.jobs import recent_jobs
from tongpan.web.dashboard.auth import AdminDep
from tongpan.web.dashboard.common import (community_or_404, engine, render, shown_label, shown_version, term_or_404,
                                          terms)

router = APIRouter()
Version = Annotated[int | None, Query(description="Plan version; default the published one, else the latest.")]


def _crumbs(directory: Directory, term: m.Term | None = None) -> list[tuple[str, str | None]]:
    crumbs: list[tuple[str, str | None]] = [("总览", "/"), (directory.community_name, f"/communities/{directory.community}")]
    if term is not None:
        crumbs.append((term.name, f"/communities/{directory.community}/terms/{term.code}/versions"))
    return crumbs


@router.get("/communities/{code}", response_class=HTMLResponse)
def community_page(request: Request, code: str, admin: AdminDep) -> HTMLResponse:
    with transaction(engine(request)) as session:
        community_or_404(session, admin, code)
        directory = load_directory(session, code)
        assert directory is not None
        term_list = terms(session)
        versions = {t.code: shown_label(session, code, t.code) for t in term_list}
        jobs = recent_jobs(session, communities=[code], limit=5)
        classes_by_campus: dict[str, list[Any]] = defaultdict(list)
        for c in directory.classes.values():
            classes_by_campus[c.campus].append(c)
        teachers_by_school: dict[str, list[Any]] = defaultdict(list)
        for t in directory.teachers.values():
            teachers_by_school[t.school].append(t)
        return render(request, "community.html", admin, title=directory.community_name, d=directory,
                      terms=term_list, versions=versions, jobs=jobs, STATE_LABELS=STATE_LABELS,
                      classes_by_campus=classes_by_campus, teachers_by_school=teachers_by_school,
                      crumbs=[("总览", "/"), (directory.community_name, None)])


def _context(request: Request, admin: Any, code: str, term_code: str, version: int | None) -> dict[str, Any]:
    with transaction(engine(request)) as session:
        community_or_404(session, admin, code)
        term = term_or_404(session, term_code)
        directory = load_directory(session, code)
        assert directory is not None
        plan = shown_version(session, code, term_code, version)
        if plan is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"教共体 {code} 学期 {term_code} 还没有排课方案，请先生成")
        document = stored_plan(plan)
    return {"d": directory, "term": term, "plan": document, "version": document["version"]}


def _owner_or_404(found: bool, what: str) -> None:
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"本教共体没有{what}")


def _grid_page(request: Request, admin: Any, code: str, term: str, owner: str, version: int | None,
               kind: str) -> HTMLResponse:
    ctx = _context(request, admin, code, term, version)
    d = ctx["d"]
    if kind == "class":
        _owner_or_404(owner in d.classes, f"班级 {owner}")
        grid = class_grid(d, ctx["plan"], owner)
    else:
        _owner_or_404(owner in d.teachers, f"教师 {owner}")
        grid = teacher_grid(d, ctx["plan"], owner)
    return render(request, "grid.html", admin, title=grid.title, grid=grid, pdf=f"{owner}.pdf",
                  crumbs=_crumbs(d, ctx["term"]), **ctx)


@router.get("/communities/{code}/terms/{term}/classes/{owner}", response_class=HTMLResponse)
def class_page(request: Request, code: str, term: str, owner: str, admin: AdminDep,
               version: Version = None) -> HTMLResponse:
    return _grid_page(request, admin, code, term, owner, version, "class")


@router.get("/communities/{code}/terms/{term}/teachers/{owner}", response_class=HTMLResponse)
def teacher_page(request: Request, code: str, term: str, owner: str, admin: AdminDep,
                 version: Version = None) -> HTMLResponse:
    return _grid_page(request, admin, code, term, owner, version, "teacher")


@router.get("/communities/{code}/terms/{term}/campuses/{owner}", response_class=HTMLResponse)
def campus_page(request: Request, code: str, term: str, owner: str, admin: AdminDep,
                version: Version = None) -> HTMLResponse:
    ctx = _context(request, admin, code, term, version)
    _owner_or_404(owner in ctx["d"].campuses, f"校区 {owner}")
    table = campus_table(ctx["d"], ctx["plan"], owner)
    return render(request, "campus.html", admin, title=table.title, table=table, pdf=f"{owner}.pdf",
                  crumbs=_crumbs(ctx["d"], ctx["term"]), **ctx)
