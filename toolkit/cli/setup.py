"""Setting up a round: `toolkit init` (a new workspace), `toolkit issues import` (the upper office's
table as issues.xlsx) and `toolkit template` (one ledger per unit, to send out)."""

from __future__ import annotations

from pathlib import Path

import typer

from toolkit.cli.shared import DEBUG, WORKSPACE, as_of_option, fail, new_app


def init(
    directory: Path = typer.Argument(..., help="要新建的工作目录"),
    debug: bool = DEBUG,
) -> None:
    """新建一个空的工作目录：inbox/ outbox/ archive/、带注释的 toolkit.toml、空白台账模板和双击运行的“合并台账”“检查台账”。"""
    from toolkit.api.workspace import init_workspace

    try:
        made = init_workspace(directory)
    except Exception as exc:  # noqa: BLE001
        fail(exc, debug)
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


issues_app = new_app("问题清单：从上级下发的文件导入。", no_args_is_help=True)


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
    from toolkit.api.issues import run_import
    from toolkit.api.workspace import open_workspace

    try:
        run = run_import(open_workspace(workspace or Path.cwd()), source, force, dry_run)
    except Exception as exc:  # noqa: BLE001
        fail(exc, debug)
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


def template(
    workspace: Path | None = WORKSPACE,
    unit: str | None = typer.Option(None, "--unit", help="只生成这一个单位的台账"),
    as_of: str | None = typer.Option(
        None, "--as-of", help="台账标题中的“截至”日期（默认：toolkit.toml 中的 as_of，否则今天）"
    ),
    debug: bool = DEBUG,
) -> None:
    """按问题清单给每个责任单位生成一份台账，放在 outbox/分发_YYYYMMDD/。"""
    from toolkit.api.template import run_template
    from toolkit.api.workspace import open_workspace, resolve_as_of

    try:
        settings = open_workspace(workspace or Path.cwd())
        run = run_template(settings, resolve_as_of(settings, as_of_option(as_of)), unit)
    except Exception as exc:  # noqa: BLE001
        fail(exc, debug)
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
