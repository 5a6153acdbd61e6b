"""The `toolkit` command line: parse arguments, call one library function, render, pick the exit code."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import typer

from toolkit import __version__
from toolkit.core.errors import ToolkitError
from toolkit.core.words import (
    DONE,
    DONE_LATE,
    ERROR,
    INFO,
    NOT_RETURNED,
    OVERDUE,
    TASK_COUNT,
    WARNING,
)

app = typer.Typer(
    help="整改台账工具：合并各责任单位报回的台账，逐行对照问题清单校验，生成汇总台账。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


WORKSPACE = typer.Option(
    None, "--workspace", "-w", help="工作目录（默认：当前目录）", show_default=False
)


DEBUG = typer.Option(False, "--debug", help="出错时显示完整的技术信息（traceback）")


AS_OF = typer.Option(
    None, "--as-of", help="统计截止日期，如 2025-03-31（默认：toolkit.toml 中的 as_of，否则今天）"
)


SEND = typer.Option(
    False, "--send", help="通过 toolkit.toml [mail] 的邮件服务器发出；不加则只生成草稿 .eml"
)


CC = typer.Option([], "--cc", help="抄送邮箱（可重复）")


def _fail(exc: BaseException, debug: bool) -> None:
    if debug:
        raise exc
    if isinstance(exc, ToolkitError):
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(exc.exit_code)
    from toolkit.write.files import fault_line

    line = fault_line(exc)  # a full disk, read-only or refused folder, however a library wrapped it
    if line is not None:
        typer.echo(f"错误：{line}", err=True)
        raise typer.Exit(2)
    typer.echo(
        f"内部错误：{type(exc).__name__}: {exc}。请加 --debug 重新运行，并把输出发给维护人员",
        err=True,
    )
    raise typer.Exit(2)


_told = False  # an interrupt was already explained in its line


def _interrupted(exc: KeyboardInterrupt, run=None) -> None:
    """Ctrl-C or SIGTERM: one line saying what was left (workbook, archive entry), exit 130 / 143."""
    from toolkit.core.errors import Interrupted
    from toolkit.render import interrupted_line

    global _told
    _told = True
    if not isinstance(exc, Interrupted):
        exc = Interrupted(2, run.output if run else None, run.run_id if run else None)
    elif run is not None and exc.output is None:
        exc.output, exc.run_id = run.output, run.run_id
    typer.echo(interrupted_line(exc), err=True)
    raise typer.Exit(exc.exit_code)


def _parse_as_of(value: str | None) -> date | None:
    if value is None:
        return None
    from toolkit.core.settings_file import parse_as_of

    return parse_as_of(value, "--as-of")


def _as_of_source(settings, as_of: str | None) -> str:
    """Where the as-of date came from, so a date left in toolkit.toml is never used unnoticed."""
    if as_of is not None:
        return "--as-of"
    return "toolkit.toml 的 as_of" if settings.as_of else "今天"


@app.callback(invoke_without_command=True)
def main(version: bool = typer.Option(False, "--version", help="显示版本号")) -> None:
    from toolkit.render import safe_streams

    safe_streams()  # a GBK console or log file never stops a command over one character
    if version:
        typer.echo(f"toolkit {__version__}")
        raise typer.Exit(0)


@app.command()
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
            from toolkit.api import run_merge
            from toolkit.workspace import open_workspace

            settings = open_workspace(workspace or Path.cwd())
            date_ = _parse_as_of(as_of)
            if as_json:
                run = run_merge(settings, date_)
            else:
                run = _with_progress(lambda progress: run_merge(settings, date_, progress))
            if as_json:
                from toolkit.render import json_text

                typer.echo(json_text(run.to_dict()))
            else:
                from toolkit.render import print_merge_summary

                print_merge_summary(run, workspace or Path.cwd(), _as_of_source(settings, as_of))
    except KeyboardInterrupt as exc:
        _interrupted(exc, run)
    except Exception as exc:  # noqa: BLE001 - rendered as one line; --debug shows the traceback
        _fail(exc, debug)
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


@app.command()
def init(
    directory: Path = typer.Argument(..., help="要新建的工作目录"),
    debug: bool = DEBUG,
) -> None:
    """新建一个空的工作目录：inbox/ outbox/ archive/、带注释的 toolkit.toml、空白台账模板和双击运行的“合并台账”“检查台账”。"""
    from toolkit.workspace import init_workspace

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
    typer.echo(
        "下一步：用 toolkit issues import 上级文件.docx 导入问题清单（或自己整理 issues.xlsx，工作表“问题清单”），"
        "toolkit template 给各单位生成台账；各单位报回的台账放进 inbox/ 后运行 toolkit merge，"
        "或双击工作目录里的“合并台账”（Windows 用 .bat，Linux 用 .sh）"
    )


issues_app = typer.Typer(
    help="问题清单：从上级下发的文件导入。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


app.add_typer(issues_app, name="issues")


@issues_app.command("import")
def issues_import(
    source: Path = typer.Argument(
        ..., help="上级下发的问题表格：.docx/.doc/.wps、.xlsx/.xls/.et/.ods，或其文本 .txt"
    ),
    workspace: Path | None = WORKSPACE,
    force: bool = typer.Option(
        False, "--force", help="issues.xlsx 已存在时覆盖它（原文件备份到 archive/）"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="只显示识别结果，不写 issues.xlsx"),
    debug: bool = DEBUG,
) -> None:
    """把上级下发的问题表格导入为 issues.xlsx（工作表“问题清单”，每项整改措施一行），并显示识别了哪些列、问题、措施、单位和时限。"""
    from toolkit.api import run_import
    from toolkit.workspace import open_workspace

    try:
        run = run_import(open_workspace(workspace or Path.cwd()), source, force, dry_run)
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
        return
    for line in run.summary:
        typer.echo(line)
    if run.written:
        typer.echo(f"已导入 {run.problems} 个问题、{run.tasks} 项整改措施 → {run.path}")
    else:
        typer.echo(
            f"（试运行：识别出 {run.problems} 个问题、{run.tasks} 项整改措施，没有写入 {run.path.name}）"
        )
    if run.backup:
        typer.echo(f"原来的问题清单（含补填的责任单位和单位通讯录）已备份为 {run.backup}")
    for finding in run.findings:
        typer.echo(f"  {finding.level}：{finding.message}")


@app.command()
def template(
    workspace: Path | None = WORKSPACE,
    unit: str | None = typer.Option(None, "--unit", help="只生成这一个单位的台账"),
    as_of: str | None = typer.Option(
        None, "--as-of", help="台账标题中的“截至”日期（默认：toolkit.toml 中的 as_of，否则今天）"
    ),
    debug: bool = DEBUG,
) -> None:
    """按问题清单给每个责任单位生成一份台账，放在 outbox/分发_YYYYMMDD/。"""
    from toolkit.api import run_template
    from toolkit.workspace import open_workspace, resolve_as_of

    try:
        settings = open_workspace(workspace or Path.cwd())
        run = run_template(settings, resolve_as_of(settings, _parse_as_of(as_of)), unit)
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
        return
    if run.template_created:
        typer.echo(f"已生成空白台账模板 {run.template}")
    typer.echo(f"已生成 {len(run.ledgers)} 份台账 → {run.folder}")
    if run.unassigned:
        typer.echo(
            f"注意：{len(run.unassigned)} 项任务没有责任单位，没有发给任何单位：{'、'.join(run.unassigned)}。"
            "请在 issues.xlsx 中补填责任单位后重新运行 toolkit template"
        )
    for name, path, count in run.ledgers:
        typer.echo(f"  {name}：{count} 项任务（{path.name}）")
    if run.closed:
        typer.echo(f"已销号的 {len(run.closed)} 项任务不再下发：{'、'.join(run.closed)}")


@app.command()
def check(
    files: list[Path] = typer.Argument(..., help="要检查的台账文件（可以多个）"),
    workspace: Path | None = WORKSPACE,
    as_of: str | None = AS_OF,
    strict: bool = typer.Option(False, "--strict", help="发现“错误”级校验问题时以退出码 1 结束"),
    debug: bool = DEBUG,
) -> None:
    """检查报回的台账（不合并），并为有问题的文件在 outbox/反馈/ 生成标注了问题的反馈件。"""
    from toolkit.api import run_check
    from toolkit.workspace import open_workspace, resolve_as_of

    try:
        settings = open_workspace(workspace or Path.cwd())
        checked = run_check(settings, files, resolve_as_of(settings, _parse_as_of(as_of)))
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
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


@app.command("mail")
def mail_command(
    to: list[str] = typer.Option(..., "--to", help="收件人邮箱（可重复）"),
    cc: list[str] = CC,
    send: bool = SEND,
    workspace: Path | None = WORKSPACE,
    as_of: str | None = AS_OF,
    debug: bool = DEBUG,
) -> None:
    """合并后把汇总台账作为附件写成邮件：正文含汇总、各单位情况和逾期任务。草稿存在 outbox/邮件/。"""
    from toolkit.api import run_mail
    from toolkit.workspace import open_workspace

    try:
        settings = open_workspace(workspace or Path.cwd())
        run = run_mail(settings, to, cc, send, _parse_as_of(as_of))
    except KeyboardInterrupt as exc:  # while merging first
        _interrupted(exc)
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
        return
    if run.merge:
        typer.echo(f"已先汇总：{run.merge.output}（留档为第 {run.run_id} 次汇总）")
    else:
        typer.echo(
            f"附件为最近一次汇总（第 {run.run_id} 次）：{run.attached}；收件目录有新台账时请先运行 toolkit merge"
        )
    _report_mail(run, send)


@app.command()
def remind(
    send: bool = SEND,
    cc: list[str] = CC,
    workspace: Path | None = WORKSPACE,
    as_of: str | None = AS_OF,
    debug: bool = DEBUG,
) -> None:
    """给未报送、有逾期或临期任务的单位各写一封提醒邮件；地址取自 issues.xlsx 的“单位通讯录”工作表。"""
    from toolkit.api import run_remind
    from toolkit.workspace import open_workspace, resolve_as_of

    try:
        settings = open_workspace(workspace or Path.cwd())
        run = run_remind(settings, send, cc, _parse_as_of(as_of))
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
        return
    typer.echo(
        f"统计截止日期：{resolve_as_of(settings, _parse_as_of(as_of))}（取自 {_as_of_source(settings, as_of)}）"
    )
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


TASK_ID = typer.Argument(..., help="任务编号，如 13-2（见 issues.xlsx 的任务编号列）")


@app.command()
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
    from toolkit.core.settings_file import parse_as_of
    from toolkit.lifecycle import run_extend
    from toolkit.workspace import open_workspace

    try:
        settings = open_workspace(workspace or Path.cwd())
        run = run_extend(settings, task_id, parse_as_of(to, "--to"), basis)
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
        return
    typer.echo(
        f"已批准任务 {run.task_id} 延期：完成时限 {run.before} → {run.after}（依据：{run.basis}）"
    )
    typer.echo(
        f"已写入 {run.path.name}，原文件备份为 archive/{run.backup.name}；下次 toolkit merge 按新时限计算逾期"
    )


@app.command()
def close(
    task_id: str = TASK_ID,
    on: str = typer.Option(..., "--date", help="销号日期，如 2025-06-30"),
    basis: str = typer.Option(..., "--basis", help="销号依据：验收意见"),
    workspace: Path | None = WORKSPACE,
    debug: bool = DEBUG,
) -> None:
    """验收销号：在 issues.xlsx 该任务行写入销号日期和销号依据（原文件先备份到 archive/）；此后不再下发、不再催报。"""
    from toolkit.core.settings_file import parse_as_of
    from toolkit.lifecycle import run_close
    from toolkit.workspace import open_workspace

    try:
        settings = open_workspace(workspace or Path.cwd())
        run = run_close(settings, task_id, parse_as_of(on, "--date"), basis)
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
        return
    typer.echo(f"已将任务 {run.task_id} 销号：{run.after}（依据：{run.basis}）")
    typer.echo(
        f"已写入 {run.path.name}，原文件备份为 archive/{run.backup.name}；此后 toolkit template 不再下发，"
        "toolkit remind 不再催报"
    )


history_app = typer.Typer(
    help="留档：历次汇总的记录，可以重新生成任何一次的汇总台账。",
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


app.add_typer(history_app, name="history")


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
    from toolkit.api import list_runs
    from toolkit.lifecycle import list_edits
    from toolkit.workspace import open_workspace

    try:
        settings = open_workspace(workspace or Path.cwd())
        runs, edits = list_runs(settings), list_edits(settings)
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
        return
    if edits:
        typer.echo("任务调整（toolkit extend / close）：")
        for edit in edits:
            change = f"{edit.before} → {edit.after}" if edit.before else edit.after
            typer.echo(
                f"  {edit.at.replace('T', ' ')}  {edit.kind}  任务 {edit.task_id}：{change}（依据：{edit.basis}；"
                f"原清单备份 {edit.backup}）"
            )
    if not runs:
        typer.echo("还没有汇总记录：运行 toolkit merge 后会自动留档")
        return
    typer.echo(
        "次数  汇总时间             统计截止    文件  任务  已完成（含逾期完成）  逾期  未报送  汇总台账"
    )
    for run in runs:
        t = run.totals
        typer.echo(
            f"{run.run_id:>4}  {run.started.replace('T', ' '):<19}  {run.as_of}  {run.files:>4}  "
            f"{t[TASK_COUNT]:>4}  {t[DONE] + t[DONE_LATE]:>20}  {t[OVERDUE]:>4}  {t[NOT_RETURNED]:>6}  {run.output}"
        )
    typer.echo("用 toolkit history show 次数 重新生成那一次的汇总台账（只用留档，不读收件目录）")


def _repair(workspace: Path | None, debug: bool) -> None:
    from toolkit.api import repair_archive
    from toolkit.workspace import open_workspace

    try:
        done = repair_archive(open_workspace(workspace or Path.cwd()))
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
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
    from toolkit.api import rebuild_run
    from toolkit.workspace import open_workspace

    try:
        shown = rebuild_run(open_workspace(workspace or ctx.obj or Path.cwd()), run_id)
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
        return
    for name, problem in shown.integrity:
        typer.echo(f"警告：{name}：{problem}", err=True)
    typer.echo(f"已按留档重新生成第 {run_id} 次汇总：{shown.output}")


@app.command()
def report(
    run_id: int | None = typer.Option(
        None, "--run", help="用留档中第 N 次汇总生成（默认：最近一次汇总）"
    ),
    workspace: Path | None = WORKSPACE,
    debug: bool = DEBUG,
) -> None:
    """按上级下发表格的格式生成整改情况报告：outbox/整改情况报告_YYYYMMDD.docx 和同名 .xlsx。"""
    from toolkit.reporting import run_report
    from toolkit.workspace import open_workspace

    try:
        made = run_report(open_workspace(workspace or Path.cwd()), run_id)
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
        return
    from toolkit.render import print_report

    print_report(made, workspace or Path.cwd())


def run() -> None:
    """The console entry (`toolkit`, `python -m toolkit`). Typer turns a Ctrl-C that comes while it
    is still parsing the command line into a silent exit 130: say it here, in one line."""
    try:
        app(prog_name="toolkit")
    except SystemExit as exc:
        if exc.code == 130 and not _told:
            typer.echo(early_interrupt_line(sys.argv[1:]), err=True)
        if exc.code in (130, 143):
            forget_interrupt()
        raise
    except KeyboardInterrupt:  # while Typer builds the command, before its own handling
        if not _told:
            typer.echo(early_interrupt_line(sys.argv[1:]), err=True)
        forget_interrupt()
        sys.exit(130)


def forget_interrupt() -> None:
    """A Ctrl-C that landed in code run by exec() of a string (dataclasses, pydantic) leaves CPython
    marked "KeyboardInterrupt unhandled" even once caught, and it would then end by SIGINT instead
    of exit 130. Running exec() again clears the mark."""
    exec("None")


def early_interrupt_line(args: list[str]) -> str:
    """Ctrl-C that Typer met itself: for merge, before its work began (its own handler covers the
    rest); for other commands, anywhere."""
    command = next((a for a in args if not a.startswith("-")), "")
    return "已中断，未生成汇总台账" if command == "merge" else "已中断"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
