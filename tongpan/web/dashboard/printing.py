"""Printable timetables as downloads: a class's, a teacher's, or a campus's (every class, a page each)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import Response

from scheduler.db import transaction
from tongpan.timetable_files import Printable, campus_pdf, class_pdf, load_printable, pdf_name, teacher_pdf
from tongpan.web.dashboard.auth import AdminDep
from tongpan.web.dashboard.common import community_or_404, engine

router = APIRouter()
Version = Annotated[int | None, Query()]
KINDS: dict[str, tuple[str, Callable[[Printable, str], bytes]]] = {
    "classes": ("class", class_pdf), "teachers": ("teacher", teacher_pdf), "campuses": ("campus", campus_pdf),
}
OWNERS = {"class": "classes", "teacher": "teachers", "campus": "campuses"}


@router.get("/communities/{code}/terms/{term}/{kind}/{owner}.pdf")
def timetable_download(request: Request, code: str, term: str, kind: str, owner: str, admin: AdminDep,
                       version: Version = None) -> Response:
    if kind not in KINDS:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    name, make = KINDS[kind]
    with transaction(engine(request)) as session:
        community_or_404(session, admin, code)
        try:
            printable = load_printable(session, code, term, version, request.app.state.settings.public_url)
        except LookupError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    if owner not in getattr(printable.directory, OWNERS[name]):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"本教共体没有 {owner}")
    body = make(printable, owner)
    filename = pdf_name(name, owner)
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": f"inline; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "private, no-store"})
