"""`toolkit merge` (the consolidated workbook, with a progress bar) and `toolkit check` (returned
files checked without merging, with feedback copies)."""

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
from toolkit.core.words import ERROR, INFO, WARNING


def merge(
    workspace: Path | None = WORKSPACE,
    as_of: str | None = AS_OF,
    strict: bool = typer.Option(False, "--strict", help="发现“错误”级校验问题时以退出码 1 结束"),
    as_json: bool = typer.Option(
        False, "--json", help="以 JSON 输出汇总和全部校验问题（供脚本使用）"
    ),
    debug: bool = DEBUG,
) -> None:
    """合并 inbox/ 中报回的台账，生成 outbox/汇总台账_YYYYMMDD_HHMMSS.xlsx。"""
    from toolkit.read.processes import stop_signals_interrupt

    run = None
    try:
        with stop_signals_interrupt():  # SIGTERM stops a merge as Ctrl-C does, cleaning up
            from toolkit.api.merge import run_merge
            from toolkit.api.workspace import open_workspace

            settings = open_workspace(workspace or Path.cwd())
            date_ = as_of_option(as_of)
            if as_json:
                run = run_merge(settings, date_)
            else:
                run = _with_progress(lambda progress: run_merge(settings, date_, progress))
            if as_json:
                from toolkit.render import json_text

                typer.echo(json_text(run.to_dict()))
            else:
                from toolkit.render import print_merge_summary

                print_merge_summary(run, workspace or Path.cwd(), as_of_source(settings, as_of))
    except KeyboardInterrupt as exc:
        interrupted(exc, run)
    except Exception as exc:  # noqa: BLE001 - rendered as one line; --debug shows the traceback
        fail(exc, debug)
        return
    if strict and run.result.report.has_errors:
        raise typer.Exit(1)


def _with_progress(work):
    """Run work(progress) with a progress bar on stderr, shown from the first file read."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn("读取台账"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    )
    task = None

    def progress(done: int, total: int, name: str) -> None:
        nonlocal task
        if task is None:
            bar.start()
            task = bar.add_task("", total=total)
        bar.update(task, completed=done, total=total, description=name[-40:])

    try:
        return work(progress)
    finally:
        if task is not None:
            bar.stop()


def check(
    files: list[Path] = typer.Argument(..., help="要检查的台账文件（可以多个）"),
    workspace: Path | None = WORKSPACE,
    as_of: str | None = AS_OF,
    strict: bool = typer.Option(False, "--strict", help="发现“错误”级校验问题时以退出码 1 结束"),
    debug: bool = DEBUG,
) -> None:
    """检查报回的台账（不合并），并为有问题的文件在 outbox/反馈/ 生成标注了问题的反馈件。"""
    from toolkit.api.check import run_check
    from toolkit.api.workspace import open_workspace, resolve_as_of

    try:
        settings = open_workspace(workspace or Path.cwd())
        checked = run_check(settings, files, resolve_as_of(settings, as_of_option(as_of)))
    except Exception as exc:  # noqa: BLE001
        fail(exc, debug)
        return
    errors = 0
    for item in checked:
        who = f"（{item.unit}）" if item.unit else ""
        errors += item.count(ERROR)
        if not item.findings:
            typer.echo(f"✔ {item.name}{who}：没有发现问题")
            continue
        typer.echo(
            f"✘ {item.name}{who}：错误 {item.count(ERROR)} 条，警告 {item.count(WARNING)} 条，提示 {item.count(INFO)} 条"
        )
        for finding in item.findings[:30]:
            where = " ".join(
                part
                for part in (
                    finding.sheet,
                    f"第{finding.row}行" if finding.row else "",
                    finding.column,
                )
                if part
            )
            typer.echo(f"    [{finding.level}] {where + '：' if where else ''}{finding.message}")
        if len(item.findings) > 30:
            typer.echo(f"    ……另有 {len(item.findings) - 30} 条，见反馈件")
        if item.feedback:
            typer.echo(f"    反馈件：{item.feedback}")
        elif item.note:
            typer.echo(f"    {item.note}")
    if strict and errors:
        raise typer.Exit(1)
