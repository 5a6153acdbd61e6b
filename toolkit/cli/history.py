"""What the archive holds: `toolkit history` (the runs and task edits; --repair), `toolkit history
show N` (run N's workbook again) and `toolkit report` (the report to the upper level from a run)."""

from __future__ import annotations

from pathlib import Path

import typer

from toolkit.cli.shared import DEBUG, WORKSPACE, fail, new_app
from toolkit.core.words import DONE, DONE_LATE, NOT_RETURNED, OVERDUE, TASK_COUNT

history_app = new_app("留档：历次汇总的记录，可以重新生成任何一次的汇总台账。")


@history_app.callback(invoke_without_command=True)
def history(
    ctx: typer.Context,
    workspace: Path | None = WORKSPACE,
    debug: bool = DEBUG,
    repair: bool = typer.Option(
        False, "--repair", help="留档损坏时：把损坏的文件改名保留，新建留档并恢复能读出的记录"
    ),
) -> None:
    """列出历次汇总（archive/history.sqlite）。"""
    if ctx.invoked_subcommand is not None:
        ctx.obj = workspace  # `toolkit history -w DIR show N` means DIR too
        return
    if repair:
        _repair(workspace, debug)
        return
    from toolkit.api.history import list_history
    from toolkit.api.workspace import open_workspace

    try:
        listed = list_history(open_workspace(workspace or Path.cwd()))
    except Exception as exc:  # noqa: BLE001
        fail(exc, debug)
        return
    if listed.edits:
        typer.echo("任务调整（toolkit extend / close）：")
        for edit in listed.edits:
            change = f"{edit.before} → {edit.after}" if edit.before else edit.after
            typer.echo(
                f"  {edit.at.replace('T', ' ')}  {edit.kind}  任务 {edit.task_id}：{change}（依据：{edit.basis}；"
                f"原清单备份 {edit.backup}）"
            )
    if not listed.runs:
        typer.echo("还没有汇总记录：运行 toolkit merge 后会自动留档")
        return
    typer.echo(
        "次数  汇总时间             统计截止    文件  任务  已完成（含逾期完成）  逾期  未报送  汇总台账"
    )
    for run in listed.runs:
        t = run.totals
        typer.echo(
            f"{run.run_id:>4}  {run.started.replace('T', ' '):<19}  {run.as_of}  {run.files:>4}  "
            f"{t[TASK_COUNT]:>4}  {t[DONE] + t[DONE_LATE]:>20}  {t[OVERDUE]:>4}  {t[NOT_RETURNED]:>6}  {run.output}"
        )
    typer.echo("用 toolkit history show 次数 重新生成那一次的汇总台账（只用留档，不读收件目录）")


def _repair(workspace: Path | None, debug: bool) -> None:
    from toolkit.api.history import repair_archive
    from toolkit.api.workspace import open_workspace

    try:
        done = repair_archive(open_workspace(workspace or Path.cwd()))
    except Exception as exc:  # noqa: BLE001
        fail(exc, debug)
        return
    if done.state == "missing":
        typer.echo(f"{done.database} 不存在，无需修复：下次 toolkit merge 会新建留档")
    elif done.state == "sound":
        typer.echo(f"{done.database} 完好，无需修复")
    else:
        typer.echo(
            f"损坏的留档已改名保留为 {done.kept}；新建的留档恢复了 {done.runs} 次汇总的记录"
            f"（{done.rows} 行明细）。可以照常运行 toolkit merge"
        )


@history_app.command("show")
def history_show(
    ctx: typer.Context,
    run_id: int = typer.Argument(..., help="第几次汇总（见 toolkit history 的列表）"),
    workspace: Path | None = WORKSPACE,
    debug: bool = DEBUG,
) -> None:
    """只用留档重新生成第 N 次汇总的汇总台账，写到 outbox/。"""
    from toolkit.api.history import rebuild_run
    from toolkit.api.workspace import open_workspace

    try:
        shown = rebuild_run(open_workspace(workspace or ctx.obj or Path.cwd()), run_id)
    except Exception as exc:  # noqa: BLE001
        fail(exc, debug)
        return
    for name, problem in shown.integrity:
        typer.echo(f"警告：{name}：{problem}", err=True)
    typer.echo(f"已按留档重新生成第 {run_id} 次汇总：{shown.output}")


def report(
    run_id: int | None = typer.Option(
        None, "--run", help="用留档中第 N 次汇总生成（默认：最近一次汇总）"
    ),
    workspace: Path | None = WORKSPACE,
    debug: bool = DEBUG,
) -> None:
    """按上级下发表格的格式生成整改情况报告：outbox/整改情况报告_YYYYMMDD.docx 和同名 .xlsx。"""
    from toolkit.api.report import run_report
    from toolkit.api.workspace import open_workspace

    try:
        made = run_report(open_workspace(workspace or Path.cwd()), run_id)
    except Exception as exc:  # noqa: BLE001
        fail(exc, debug)
        return
    from toolkit.render import print_report

    print_report(made, workspace or Path.cwd())
