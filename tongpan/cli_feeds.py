"""Commands of the feed layer: publish, serve, feeds list/reissue, export ics.

Addresses are printed here on purpose (an admin hands them to teachers); they
are never written to a log.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tongpan.settings import Settings

if TYPE_CHECKING:
    from calendars.tokens import FeedAddress

feeds_app = typer.Typer(help="Calendar feed addresses.", no_args_is_help=True)


def _cli():  # type: ignore[no-untyped-def]
    """The main CLI module (imported late: it imports this module while it is being built)."""
    from tongpan import cli

    return cli


def publish_command(
    community: Annotated[str, typer.Option("--community", help="Community code.")],
    term: Annotated[str, typer.Option("--term", help="Term code, e.g. 2026-1.")],
    version: Annotated[int | None, typer.Option("--version", help="Plan version (default: the latest).")] = None,
    effective: Annotated[datetime | None, typer.Option(
        "--from", formats=["%Y-%m-%d"],
        help="Date from which it applies (default: the next school day; the term's start if it has not begun).")] = None,
) -> None:
    """Publish a ready plan version from a date and re-render the calendar feeds it affects, in one transaction.

    Dated lessons before that date stay as they were published.
    """
    from calendars.models import KIND_NAMES
    from calendars.publish import PublishError, PublishRefused, publish
    from scheduler.plans import PlanNotFound
    from scheduler.school_calendar import CalendarError

    cli = _cli()
    try:
        with cli.transaction() as session:
            result = publish(session, community, term, version,
                             effective_from=effective.date() if effective else None)
    except PublishRefused as exc:
        for violation in exc.verdict.violations:
            cli.out.print(str(violation), highlight=False, markup=False)
        raise cli.fail(str(exc)) from None
    except (PlanNotFound, PublishError) as exc:
        raise cli.fail(str(exc)) from None
    except CalendarError as exc:
        raise cli.fail(f"学期 {term}：{exc}") from None
    if result.verdict is not None and not result.verdict.same_data:
        cli.out.print(f"{result.verdict.describe()}：没有违反任何硬性规则", highlight=False)
    replaced = f"（替代第 {result.previous_version} 版）" if result.previous_version else ""
    cli.out.print(f"已发布教共体 {community} 学期 {term} 第 {result.version} 版{replaced}，"
                  f"自 {result.effective_from.isoformat()} 起生效：日历订阅 "
                  f"{result.feeds_changed} 个已更新，{result.feeds_unchanged} 个无变化", highlight=False)
    for kind, code in result.over_limit:
        cli.err.print(f"警告：{KIND_NAMES[kind]} {code} 的日历只含四周也超过大小上限"
                      f"（TONGPAN_FEED_MAX_BYTES），谷歌日历可能不显示其中的部分课程", highlight=False)


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
    server: Annotated[str, typer.Option("--server", envvar="TONGPAN_HTTP_SERVER",
                                        help="HTTP server: uvicorn (default) or granian (Rust; faster feeds).")
                      ] = "uvicorn",
) -> None:
    """Serve calendar feeds (/feeds/{token}.ics), subscribe pages (/s/{token}), the workplace and /healthz."""
    cli = _cli()
    cli.engine()  # refuse to start on a missing or outdated schema
    if server == "granian":
        from granian import Granian
        from granian.constants import Interfaces

        # Granian writes no access log unless asked, so feed tokens never reach one.
        Granian("tongpan.web.app:create_app", factory=True, address=host, port=port, workers=workers,
                interface=Interfaces.ASGI, log_access=False).serve()
    elif server == "uvicorn":
        import uvicorn

        uvicorn.run("tongpan.web.app:create_app", factory=True, host=host, port=port, workers=workers,
                    log_level="info")
    else:
        raise cli.fail(f"未知的 --server {server}：可选 granian 或 uvicorn")


def _address_row(address: FeedAddress, base: str) -> dict[str, str]:
    return {"kind": address.kind, "code": address.code, "owner": address.owner,
            "https": address.https(base), "webcal": address.webcal(base), "page": address.page(base)}


@feeds_app.command("list")
def feeds_list(
    community: Annotated[str, typer.Option("--community", help="Community code.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (kind, code, owner, page, https, webcal).")
                      ] = False,
) -> None:
    """Print every feed of a community: one line each, the owner and the subscribe-page address.

    Lines are printed as they are, never wrapped, so an address can be copied
    whole from any terminal; --csv and --json carry the https and webcal
    addresses too.
    """
    from calendars.config import FeedConfig
    from calendars.models import KIND_NAMES
    from calendars.tokens import community_addresses

    cli = _cli()
    with cli.transaction() as session:
        addresses = community_addresses(session, community, FeedConfig.from_env())
    if not addresses:
        raise cli.fail(f"教共体 {community} 还没有发布过日历，请先 tongpan publish")
    base = Settings.from_env().public_url
    rows = [_address_row(a, base) for a in addresses]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif as_csv:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=["kind", "code", "owner", "page", "https", "webcal"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        typer.echo(out.getvalue(), nl=False)
    else:
        for row in rows:
            typer.echo(f"{KIND_NAMES[row['kind']]}\t{row['owner']}（{row['code']}）\t{row['page']}")


@feeds_app.command("reissue")
def feeds_reissue(
    teacher: Annotated[str | None, typer.Option("--teacher", help="Teacher code.")] = None,
    class_: Annotated[str | None, typer.Option("--class", help="Class code.")] = None,
    campus: Annotated[str | None, typer.Option("--campus", help="Campus code.")] = None,
    community: Annotated[str | None, typer.Option("--community", help="Community code.")] = None,
) -> None:
    """Revoke a feed's address (it answers 404 from now on) and print the new one."""
    from calendars.config import FeedConfig
    from calendars.models import KIND_NAMES
    from calendars.tokens import reissue

    cli = _cli()
    chosen = [(kind, code) for kind, code in (("teacher", teacher), ("class", class_), ("campus", campus),
                                              ("community", community)) if code]
    if len(chosen) != 1:
        raise cli.fail("请指定且只指定一个：--teacher、--class、--campus 或 --community")
    kind, code = chosen[0]
    with cli.transaction() as session:
        address = reissue(session, kind, code, FeedConfig.from_env())
    if address is None:
        raise cli.fail(f"{KIND_NAMES[kind]} {code} 还没有日历订阅（所在教共体尚未发布）")
    base = Settings.from_env().public_url
    cli.out.print(f"已重新生成{KIND_NAMES[kind]} {address.owner}（{code}）的订阅地址，旧地址已失效。"
                  "请把新的订阅页发给本人：", highlight=False)
    typer.echo(address.page(base))
    typer.echo(f"日历地址：{address.https(base)}")
    typer.echo(f"webcal：{address.webcal(base)}")


def export_ics(
    community: Annotated[str, typer.Option("--community", help="Community code.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write {kind}-{code}.ics into.")],
) -> None:
    """Write every feed of a community as published, one file per feed."""
    from calendars.export import export_feeds

    cli = _cli()
    with cli.transaction() as session:
        written = export_feeds(session, community, out_dir)
    if not written:
        raise cli.fail(f"教共体 {community} 还没有发布过日历，请先 tongpan publish")
    cli.out.print(f"已写入 {len(written)} 个日历文件到 {out_dir}", highlight=False)


def register(app: typer.Typer, export_app: typer.Typer) -> None:
    app.command("publish")(publish_command)
    app.command("serve")(serve)
    app.add_typer(feeds_app, name="feeds")
    export_app.command("ics")(export_ics)
