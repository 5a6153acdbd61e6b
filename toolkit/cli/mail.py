"""`toolkit mail` (the consolidated workbook to the leaders) and `toolkit remind` (one reminder per
unit that is late, due soon or silent): drafts by default, sent with --send."""

from __future__ import annotations

from pathlib import Path

import typer

from toolkit.cli.shared import (
    AS_OF,
    DEBUG,
    WORKSPACE,
    as_of_option,
    as_of_source,
    fail,
    interrupted,
)

SEND = typer.Option(
    False, "--send", help="通过 toolkit.toml [mail] 的邮件服务器发出；不加则只生成草稿 .eml"
)


CC = typer.Option([], "--cc", help="抄送邮箱（可重复）")


def mail_command(
    to: list[str] = typer.Option(..., "--to", help="收件人邮箱（可重复）"),
    cc: list[str] = CC,
    send: bool = SEND,
    workspace: Path | None = WORKSPACE,
    as_of: str | None = AS_OF,
    debug: bool = DEBUG,
) -> None:
    """合并后把汇总台账作为附件写成邮件：正文含汇总、各单位情况和逾期任务。草稿存在 outbox/邮件/。"""
    from toolkit.api.mail import run_mail
    from toolkit.api.workspace import open_workspace

    try:
        settings = open_workspace(workspace or Path.cwd())
        run = run_mail(settings, to, cc, send, as_of_option(as_of))
    except KeyboardInterrupt as exc:  # while merging first
        interrupted(exc)
    except Exception as exc:  # noqa: BLE001
        fail(exc, debug)
        return
    if run.merge:
        typer.echo(f"已先汇总：{run.merge.output}（留档为第 {run.run_id} 次汇总）")
    else:
        typer.echo(
            f"附件为最近一次汇总（第 {run.run_id} 次）：{run.attached}；收件目录有新台账时请先运行 toolkit merge"
        )
    _report_mail(run, send)


def remind(
    send: bool = SEND,
    cc: list[str] = CC,
    workspace: Path | None = WORKSPACE,
    as_of: str | None = AS_OF,
    debug: bool = DEBUG,
) -> None:
    """给未报送、有逾期或临期任务的单位各写一封提醒邮件；地址取自 issues.xlsx 的“单位通讯录”工作表。"""
    from toolkit.api.mail import run_remind
    from toolkit.api.workspace import open_workspace

    try:
        settings = open_workspace(workspace or Path.cwd())
        run = run_remind(settings, send, cc, as_of_option(as_of))
    except Exception as exc:  # noqa: BLE001
        fail(exc, debug)
        return
    typer.echo(f"统计截止日期：{run.as_of}（取自 {as_of_source(settings, as_of)}）")
    if run.contacts_missing:
        typer.echo(
            "issues.xlsx 中没有“单位通讯录”工作表（列：责任单位、联系人、邮箱），无法给单位写提醒"
        )
    if run.no_address:
        typer.echo(
            f"以下 {len(run.no_address)} 个单位需要提醒，但通讯录中没有邮箱，请电话联系或补充通讯录："
        )
        typer.echo("  " + "、".join(run.no_address))
    if not run.drafts:
        typer.echo("没有需要发提醒的单位（或都缺邮箱）")
        return
    _report_mail(run, send)


def _report_mail(run, send: bool) -> None:
    if not send:
        typer.echo(f"已生成 {len(run.drafts)} 封邮件草稿（未发送，加 --send 发出）：")
        for path in run.drafts:
            typer.echo(f"  {path}")
        return
    failed = 0
    for result in run.results:
        typer.echo(result.line())
        failed += not result.sent
    if failed:
        raise typer.Exit(1)
