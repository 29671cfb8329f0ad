"""Data upload: a workbook or JSON is validated, its errors shown in a table, its changes previewed, and
imported only on confirmation (with removals confirmed explicitly). A school admin uploads only their
school's workbook, which replaces only that school's entities."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.background import BackgroundTask

from scheduler import models as m
from scheduler.dataset.issues import DatasetInvalid, json_path
from scheduler.dataset.load import EXCEL_SUFFIXES, ImportResult, import_file
from scheduler.dataset.school_import import NAMES, RemovalsNeedConfirmation, import_school_file
from scheduler.dataset.store import LISTS
from scheduler.db import transaction
from scheduler.plans import now
from scheduler.timetable import community_schools
from tongpan.web.dashboard.auth import Admin, AdminDep, PostDep
from tongpan.web.dashboard.common import engine, render

router = APIRouter()
UPLOAD_LIMIT = 20 * 1024 * 1024  # a county's workbook is a few MB
SUFFIXES = (*EXCEL_SUFFIXES, ".json")


def _schools(request: Request, admin: Admin) -> dict[str, str]:
    """The schools the admin may upload for: a community token its community's, a county token all."""
    with transaction(engine(request)) as session:
        if admin.community is None:
            codes = list(session.scalars(select(m.School.code).order_by(m.School.code)))
        else:
            codes = community_schools(session, admin.community)
        names = dict(session.execute(select(m.School.code, m.School.name).where(m.School.code.in_(codes))).all())
    return {c: names.get(c, c) for c in codes}


def _uploads(request: Request, admin: Admin) -> list[m.DatasetUpload]:
    with transaction(engine(request)) as session:
        query = select(m.DatasetUpload).order_by(m.DatasetUpload.id.desc()).limit(20)
        if admin.community is not None:
            query = query.where(m.DatasetUpload.community_code == admin.community)
        return list(session.scalars(query.options()))


def _page(request: Request, admin: Admin, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("errors", None)
    context.setdefault("message", None)
    context.setdefault("notes", [])
    return render(request, "data.html", admin, status_code, title="数据", schools=_schools(request, admin),
                  uploads=_uploads(request, admin), crumbs=[("总览", "/"), ("数据", None)], **context)


@router.get("/data", response_class=HTMLResponse)
def data_page(request: Request, admin: AdminDep) -> HTMLResponse:
    return _page(request, admin)


@router.get("/data/template.xlsx")
def template(admin: AdminDep) -> Response:
    from scheduler.dataset.xlsx import write_template

    folder = tempfile.mkdtemp(prefix="tongpan-template-")
    path = Path(folder) / "tongpan-template.xlsx"
    write_template(path)
    return FileResponse(path, filename="同盘数据模板.xlsx", background=BackgroundTask(_remove, path),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.parent.rmdir()


def error_rows(exc: DatasetInvalid) -> list[dict[str, str]]:
    """Each error as (sheet, row, column, message) for a workbook, or (path, message) for JSON."""
    rows = []
    for issue in exc.errors:
        place = exc.locate.place(issue.path) if hasattr(exc.locate, "place") else None
        if place is not None:
            rows.append({"sheet": place.sheet, "row": str(place.row or ""),
                         "column": f"{place.column or ''}{f'（{place.letter}）' if place.letter else ''}",
                         "message": issue.message})
        else:
            rows.append({"sheet": json_path(issue.path) if issue.path else "（文件）", "row": "", "column": "",
                         "message": issue.message})
    return rows


def _run(content: bytes, filename: str, school: str | None, request: Request, *, dry_run: bool,
         replace: bool = False) -> ImportResult:
    suffix = Path(filename).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="tongpan-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        if school is None:
            return import_file(engine(request), path, dry_run=dry_run)
        return import_school_file(engine(request), path, school, dry_run=dry_run, replace=replace)


def _summary(result: ImportResult) -> dict[str, Any]:
    return {"changes": {name: {"added": c.added, "changed": c.changed, "removed": c.removed}
                        for name, c in result.changes.items()}, "warnings": result.warnings}


@router.post("/data", response_class=HTMLResponse, max_body_size=UPLOAD_LIMIT)
async def upload(request: Request, admin: PostDep, file: Annotated[UploadFile, File()],
                 school: Annotated[str, Form()] = "") -> Response:
    """Validate and dry-run the file; stage it for confirmation when it is clean. Nothing is imported."""
    chosen = school or None
    if chosen is None and admin.community is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "教共体令牌只能按校导入：请选择本教共体的学校")
    if chosen is not None and chosen not in _schools(request, admin):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"当前令牌不能导入学校 {chosen} 的数据")
    filename = Path(file.filename or "upload").name[:200]
    if Path(filename).suffix.lower() not in SUFFIXES:
        return _page(request, admin, 400, message=f"不支持的文件类型：{filename}（请上传 .xlsx 或 .json）")
    content = await file.read()
    try:
        result = _run(content, filename, chosen, request, dry_run=True)
    except DatasetInvalid as exc:
        return _page(request, admin, 422, errors=error_rows(exc), filename=filename,
                     notes=list(getattr(exc.locate, "notes", ())),
                     message=f"{filename}：{len(exc.errors)} 处错误，未导入任何内容。请修改后重新上传。")
    with transaction(engine(request)) as session:
        staged = m.DatasetUpload(created_at=now(), key_id=admin.key_id, community_code=admin.community,
                                 school_code=chosen, filename=filename, content=content, status="staged",
                                 summary=_summary(result))
        session.add(staged)
        session.flush()
        upload_id = staged.id
    return RedirectResponse(f"/data/uploads/{upload_id}", status.HTTP_303_SEE_OTHER)


def _upload_or_404(request: Request, admin: Admin, upload_id: int) -> m.DatasetUpload:
    with transaction(engine(request)) as session:
        staged = session.get(m.DatasetUpload, upload_id)
    if staged is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有上传记录 {upload_id}")
    if admin.community is not None and staged.community_code != admin.community:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "这不是本教共体上传的文件")
    return staged


def _removed(summary: dict[str, Any]) -> dict[str, list[str]]:
    return {name: c["removed"] for name, c in summary["changes"].items() if c["removed"]}


def _review(request: Request, admin: Admin, staged: m.DatasetUpload, status_code: int = 200,
            message: str | None = None) -> HTMLResponse:
    changes = staged.summary["changes"]
    return render(request, "upload.html", admin, status_code, title=f"导入预览 · {staged.filename}", upload=staged,
                  changes=[(name, NAMES[name], changes[name]) for name in LISTS if name in changes],
                  removed=_removed(staged.summary), warnings=staged.summary.get("warnings", []),
                  message=message, schools=_schools(request, admin),
                  crumbs=[("总览", "/"), ("数据", "/data"), (staged.filename, None)])


@router.get("/data/uploads/{upload_id}", response_class=HTMLResponse)
def review(request: Request, upload_id: int, admin: AdminDep) -> HTMLResponse:
    return _review(request, admin, _upload_or_404(request, admin, upload_id))


def _finish(request: Request, upload_id: int, state: str, summary: dict[str, Any] | None = None) -> m.DatasetUpload:
    with transaction(engine(request)) as session:
        staged = session.get_one(m.DatasetUpload, upload_id)
        staged.status, staged.finished_at = state, now()
        if summary is not None:
            staged.summary = summary
        return staged


@router.post("/data/uploads/{upload_id}/import", response_class=HTMLResponse)
def confirm(request: Request, upload_id: int, admin: PostDep,
            confirm_removals: Annotated[str, Form()] = "") -> Response:
    """Import the staged file, validated again against the dataset as it is now."""
    staged = _upload_or_404(request, admin, upload_id)
    if staged.status != "staged":
        raise HTTPException(status.HTTP_409_CONFLICT, "该文件已经处理过，请重新上传")
    removed = _removed(staged.summary)
    if removed and confirm_removals != "yes":
        return _review(request, admin, staged, 409, "导入会删除文件中没有的数据：请勾选确认后再导入")
    try:
        again = _run(staged.content, staged.filename, staged.school_code, request, dry_run=True)
        if _removed(_summary(again)) != removed:
            return _review(request, admin, staged, 409,
                           "数据库中的数据在预览后已有变化，删除的内容与预览不同：请重新上传，再次确认")
        result = _run(staged.content, staged.filename, staged.school_code, request, dry_run=False,
                      replace=bool(removed))
    except DatasetInvalid as exc:
        return _page(request, admin, 422, errors=error_rows(exc), filename=staged.filename,
                     message=f"{staged.filename}：在当前数据上有 {len(exc.errors)} 处错误，未导入任何内容。")
    except RemovalsNeedConfirmation:
        return _review(request, admin, staged, 409, "导入会删除文件中没有的数据：请勾选确认后再导入")
    done = _finish(request, upload_id, "imported", _summary(result))
    return _review(request, admin, done, message="已导入。")


@router.post("/data/uploads/{upload_id}/discard")
def discard(request: Request, upload_id: int, admin: PostDep) -> Response:
    staged = _upload_or_404(request, admin, upload_id)
    if staged.status == "staged":
        _finish(request, upload_id, "discarded")
    return RedirectResponse("/data", status.HTTP_303_SEE_OTHER)
