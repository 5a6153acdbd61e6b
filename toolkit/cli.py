"""The `toolkit` command line: parse arguments, call one library function, render, pick the exit code."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import typer

from toolkit import __version__
from toolkit.errors import ToolkitError

app = typer.Typer(
    help="整改台账工具：合并各责任单位报回的台账，逐行对照问题清单校验，生成汇总台账。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)

WORKSPACE = typer.Option(None, "--workspace", "-w", help="工作目录（默认：当前目录）", show_default=False)
DEBUG = typer.Option(False, "--debug", help="出错时显示完整的技术信息（traceback）")


def _fail(exc: BaseException, debug: bool) -> None:
    if debug:
        raise exc
    if isinstance(exc, ToolkitError):
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(exc.exit_code)
    typer.echo(f"内部错误：{type(exc).__name__}: {exc}。请加 --debug 重新运行，并把输出发给维护人员", err=True)
    raise typer.Exit(2)


def _parse_as_of(value: str | None) -> date | None:
    if value is None:
        return None
    from toolkit.config import parse_as_of

    return parse_as_of(value, "--as-of")


@app.callback(invoke_without_command=True)
def main(version: bool = typer.Option(False, "--version", help="显示版本号")) -> None:
    if version:
        typer.echo(f"toolkit {__version__}")
        raise typer.Exit(0)


@app.command()
def merge(
    workspace: Path | None = WORKSPACE,
    as_of: str | None = typer.Option(None, "--as-of", help="统计截止日期，如 2025-03-31（默认：toolkit.toml 中的 as_of，否则今天）"),
    strict: bool = typer.Option(False, "--strict", help="发现“错误”级校验问题时以退出码 1 结束"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出汇总和全部校验问题（供脚本使用）"),
    debug: bool = DEBUG,
) -> None:
    """合并 inbox/ 中报回的台账，生成 outbox/汇总台账_YYYYMMDD_HHMMSS.xlsx。"""
    from toolkit.pipeline import open_workspace, run_merge

    try:
        settings = open_workspace(workspace or Path.cwd())
        date_ = _parse_as_of(as_of)
        if as_json:
            run = run_merge(settings, date_)
        else:
            run = _with_progress(lambda progress: run_merge(settings, date_, progress))
    except Exception as exc:  # noqa: BLE001 - rendered as one line; --debug shows the traceback
        _fail(exc, debug)
        return
    if as_json:
        typer.echo(json.dumps(run.to_dict(), ensure_ascii=False, indent=2))
    else:
        from toolkit.render import print_merge_summary

        print_merge_summary(run, workspace or Path.cwd())
    if strict and run.result.report.has_errors:
        raise typer.Exit(1)


def _with_progress(work):
    """Run work(progress) with a progress bar on stderr, shown from the first file read."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(TextColumn("读取台账"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                   console=Console(stderr=True), transient=True)
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


@app.command()
def init(
    directory: Path = typer.Argument(..., help="要新建的工作目录"),
    debug: bool = DEBUG,
) -> None:
    """新建一个空的工作目录：inbox/ outbox/ archive/、带注释的 toolkit.toml 和空白台账模板。"""
    from toolkit.pipeline import init_workspace

    try:
        made = init_workspace(directory)
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
        return
    if not made:
        typer.echo(f"{directory} 已是工作目录，没有改动任何文件")
        return
    typer.echo(f"已新建工作目录 {directory}：")
    for path in made:
        typer.echo(f"  {path}")
    typer.echo("下一步：把问题清单放到 issues.xlsx（工作表“问题清单”），各单位报回的台账放进 inbox/，然后运行 toolkit merge")


def run() -> None:  # pragma: no cover - console entry for `python -m toolkit`
    app(prog_name="toolkit")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
