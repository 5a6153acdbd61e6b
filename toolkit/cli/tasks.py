"""`toolkit extend` (an approved extension) and `toolkit close` (销号): a task's row in issues.xlsx
changed, the old list kept in archive/."""

from __future__ import annotations

from pathlib import Path

import typer

from toolkit.cli.shared import DEBUG, WORKSPACE, fail

TASK_ID = typer.Argument(..., help="任务编号，如 13-2（见 issues.xlsx 的任务编号列）")


def extend(
    task_id: str = TASK_ID,
    to: str = typer.Option(
        ..., "--to", help="批准后的完成时限，如 2025-09-30；须晚于现在的完成时限"
    ),
    basis: str = typer.Option(..., "--basis", help="调整依据：批准文号或理由"),
    workspace: Path | None = WORKSPACE,
    debug: bool = DEBUG,
) -> None:
    """批准延期：在 issues.xlsx 该任务行写入调整后时限和调整依据（原文件先备份到 archive/），此后按新时限计算逾期。"""
    from toolkit.api.tasks import run_extend
    from toolkit.api.workspace import open_workspace
    from toolkit.core.settings_file import parse_as_of

    try:
        settings = open_workspace(workspace or Path.cwd())
        run = run_extend(settings, task_id, parse_as_of(to, "--to"), basis)
    except Exception as exc:  # noqa: BLE001
        fail(exc, debug)
        return
    typer.echo(
        f"已批准任务 {run.task_id} 延期：完成时限 {run.before} → {run.after}（依据：{run.basis}）"
    )
    typer.echo(
        f"已写入 {run.path.name}，原文件备份为 archive/{run.backup.name}；下次 toolkit merge 按新时限计算逾期"
    )


def close(
    task_id: str = TASK_ID,
    on: str = typer.Option(..., "--date", help="销号日期，如 2025-06-30"),
    basis: str = typer.Option(..., "--basis", help="销号依据：验收意见"),
    workspace: Path | None = WORKSPACE,
    debug: bool = DEBUG,
) -> None:
    """验收销号：在 issues.xlsx 该任务行写入销号日期和销号依据（原文件先备份到 archive/）；此后不再下发、不再催报。"""
    from toolkit.api.tasks import run_close
    from toolkit.api.workspace import open_workspace
    from toolkit.core.settings_file import parse_as_of

    try:
        settings = open_workspace(workspace or Path.cwd())
        run = run_close(settings, task_id, parse_as_of(on, "--date"), basis)
    except Exception as exc:  # noqa: BLE001
        fail(exc, debug)
        return
    typer.echo(f"已将任务 {run.task_id} 销号：{run.after}（依据：{run.basis}）")
    typer.echo(
        f"已写入 {run.path.name}，原文件备份为 archive/{run.backup.name}；此后 toolkit template 不再下发，"
        "toolkit remind 不再催报"
    )
