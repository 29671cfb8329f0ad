"""Calendar feeds of a community: every subscribe address with its QR code, printable QR sheets per
school, and reissuing (revoking) an address after a confirmation."""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from calendars.config import FeedConfig
from calendars.models import KIND_NAMES
from calendars.tokens import FeedAddress, community_addresses, reissue
from scheduler.db import transaction
from scheduler.timetable import Directory, load_directory
from tongpan.web.dashboard.auth import AdminDep, PostDep
from tongpan.web.dashboard.common import community_or_404, engine, render

router = APIRouter()
KIND_ORDER = ("teacher", "class", "campus", "community")


def _school_of(d: Directory, address: FeedAddress) -> str | None:
    if address.kind == "teacher" and address.code in d.teachers:
        return d.teachers[address.code].school
    if address.kind == "class" and address.code in d.classes:
        return d.campuses[d.classes[address.code].campus].school
    if address.kind == "campus" and address.code in d.campuses:
        return d.campuses[address.code].school
    return None


def _addresses(session: Session, code: str) -> list[FeedAddress]:
    found = community_addresses(session, code, FeedConfig.from_env())
    return sorted(found, key=lambda a: (KIND_ORDER.index(a.kind) if a.kind in KIND_ORDER else 9, a.code))


def _base(request: Request) -> str:
    return request.app.state.settings.public_url  # type: ignore[no-any-return]


def _qr_path(community: str, address: FeedAddress) -> str:
    return f"/communities/{community}/feeds/{address.kind}/{address.code}/qr.svg"


@router.get("/communities/{code}/feeds", response_class=HTMLResponse)
def feeds_page(request: Request, code: str, admin: AdminDep,
               kind: Annotated[str | None, Query()] = None, school: Annotated[str | None, Query()] = None
               ) -> HTMLResponse:
    with transaction(engine(request)) as session:
        community = community_or_404(session, admin, code)
        directory = load_directory(session, code)
        assert directory is not None
        addresses = _addresses(session, code)
    rows = [(a, _school_of(directory, a)) for a in addresses
            if (not kind or a.kind == kind) and (not school or _school_of(directory, a) == school)]
    return render(request, "feeds.html", admin, title=f"{community.name} 日历订阅", community=community,
                  d=directory, rows=rows, base=_base(request), KIND_NAMES=KIND_NAMES, qr_path=_qr_path,
                  filters={"kind": kind or "", "school": school or ""},
                  crumbs=[("总览", "/"), (community.name, f"/communities/{code}"), ("日历订阅", None)])


def _address_or_404(session: Session, community: str, kind: str, owner: str) -> FeedAddress:
    found = next((a for a in _addresses(session, community) if (a.kind, a.code) == (kind, owner)), None)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "本教共体没有这个日历订阅（尚未发布？）")
    return found


@router.get("/communities/{code}/feeds/{kind}/{owner}/qr.svg")
def feed_qr(request: Request, code: str, kind: str, owner: str, admin: AdminDep) -> Response:
    """The subscribe page's QR code; the address is derived here, so it never appears in a URL or log."""
    with transaction(engine(request)) as session:
        community_or_404(session, admin, code)
        address = _address_or_404(session, code, kind, owner)
    svg = segno.make(address.page(_base(request)), error="m").svg_inline(scale=4, border=2)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "private, no-store"})


@router.get("/communities/{code}/feeds/sheet", response_class=HTMLResponse)
def qr_sheet(request: Request, code: str, admin: AdminDep, school: Annotated[str, Query()]) -> HTMLResponse:
    """A printable page of QR cards, one per teacher and class of a school, to cut out and hand out."""
    with transaction(engine(request)) as session:
        community = community_or_404(session, admin, code)
        directory = load_directory(session, code)
        assert directory is not None
        if school not in directory.schools:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"本教共体没有学校 {school}")
        cards = [a for a in _addresses(session, code)
                 if a.kind in ("teacher", "class") and _school_of(directory, a) == school]
    return render(request, "qr_sheet.html", admin, title=f"{directory.schools[school]} 订阅二维码",
                  community=community, school_name=directory.schools[school], cards=cards, qr_path=_qr_path,
                  KIND_NAMES=KIND_NAMES,
                  crumbs=[("总览", "/"), (community.name, f"/communities/{code}"),
                          ("日历订阅", f"/communities/{code}/feeds"), (directory.schools[school], None)])


@router.get("/communities/{code}/feeds/{kind}/{owner}/reissue", response_class=HTMLResponse)
def reissue_confirm(request: Request, code: str, kind: str, owner: str, admin: AdminDep) -> HTMLResponse:
    with transaction(engine(request)) as session:
        community = community_or_404(session, admin, code)
        address = _address_or_404(session, code, kind, owner)
    return render(request, "reissue.html", admin, title="重新生成订阅地址", community=community, address=address,
                  KIND_NAMES=KIND_NAMES, done=False, base=_base(request),
                  crumbs=[("总览", "/"), (community.name, f"/communities/{code}"),
                          ("日历订阅", f"/communities/{code}/feeds"), ("重新生成", None)])


@router.post("/communities/{code}/feeds/{kind}/{owner}/reissue", response_class=HTMLResponse)
def reissue_feed(request: Request, code: str, kind: str, owner: str, admin: PostDep) -> HTMLResponse:
    """Revoke the address (the old one answers 404 from now on) and show the new one."""
    with transaction(engine(request)) as session:
        community = community_or_404(session, admin, code)
        _address_or_404(session, code, kind, owner)
        address = reissue(session, kind, owner, FeedConfig.from_env())
        assert address is not None
    return render(request, "reissue.html", admin, title="已重新生成订阅地址", community=community, address=address,
                  KIND_NAMES=KIND_NAMES, done=True, base=_base(request),
                  crumbs=[("总览", "/"), (community.name, f"/communities/{code}"),
                          ("日历订阅", f"/communities/{code}/feeds"), ("重新生成", None)])
