"""Terminal rendering of results (rich). Only the CLI imports this."""

from __future__ import annotations

import codecs
import json
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.core.errors import Interrupted
from toolkit.core.words import (
    CLOSED,
    DONE_RATE,
    DUE_SOON,
    ERROR,
    FILE_COUNT,
    FILES_READ,
    INFO,
    NOT_RETURNED,
    OVERDUE,
    RETURN_STATE,
    SHEET_EXTENSIONS,
    STATUS_DONE,
    TASK_COUNT,
    UNIT,
    WARNING,
)

if TYPE_CHECKING:  # rich loads when something is printed: --json and errors never need it
    from rich.console import Console
    from rich.table import Table

    from toolkit.api.merge import MergeRun
    from toolkit.api.report import ReportRun

# What a character the console cannot show becomes (a GBK console has no ›, ✘ or en space).
FALLBACK = {
    "›": ">",
    "‹": "<",
    "»": ">>",
    "«": "<<",
    "✘": "x",
    "✗": "x",
    "✔": "v",
    "✓": "v",
    "→": "->",
    "←": "<-",
    "…": "...",
    "—": "-",
    "–": "-",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "·": ".",
    "•": "*",
    "\u00a0": " ",
    "\ufffd": "?",
}


ERRORS = "toolkit-degrade"


def degrade(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: each character the stream's encoding lacks becomes its plain look-alike
    (› → >, ✘ → x, any space → space, full-width forms → their ASCII), else ?."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = []
    for char in error.object[error.start : error.end]:
        if char in FALLBACK:
            out.append(FALLBACK[char])
            continue
        if unicodedata.category(char) == "Zs":
            out.append(" ")
            continue
        plain = unicodedata.normalize("NFKC", char)
        try:
            plain.encode(error.encoding)
        except (UnicodeError, LookupError):
            plain = "?"
        out.append(plain if plain != char else "?")
    return "".join(out), error.end


codecs.register_error(ERRORS, degrade)


def safe_streams() -> None:
    """stdout and stderr never fail on a character their encoding lacks (PYTHONIOENCODING=gbk, a
    Chinese Windows console, a log file): such characters degrade instead."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            reconfigure(errors=ERRORS)
        except (ValueError, OSError):  # a stream that cannot change (closed, detached)
            continue


def takes_utf8(stream: Any = None) -> bool:
    encoding = getattr(stream or sys.stdout, "encoding", None) or ""
    return codecs.lookup(encoding).name == "utf-8" if encoding else False


def json_text(data: Any) -> str:
    """JSON for --json: UTF-8 when stdout takes it, else every non-ASCII character escaped (still
    valid JSON, and the same data)."""
    return json.dumps(data, ensure_ascii=not takes_utf8(), indent=2)


def _shown(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def print_merge_summary(run: MergeRun, workspace: Path, as_of_source: str = "") -> None:
    console = _console()
    result = run.result
    totals = result.totals()
    source = f"（取自 {as_of_source}）" if as_of_source and as_of_source != "--as-of" else ""
    console.print(
        f"统计截止日期 {result.as_of.isoformat()}{source}，读取台账 {totals[FILES_READ]}/{totals[FILE_COUNT]} 个文件"
        f"（压缩包内的文件单独计），任务 {totals[TASK_COUNT]} 项（按单位计）",
        soft_wrap=True,
    )
    console.print(_units_table(result))
    report = result.report
    console.print(
        result.headline() + (f"；已销号任务 {totals[CLOSED]} 项" if totals[CLOSED] else ""),
        soft_wrap=True,
    )
    if result.extension_requests:
        console.print(
            f"申请延期 {len(result.extension_requests)} 项（详见“{SHEET_EXTENSIONS}”工作表，批准用 toolkit extend）",
            soft_wrap=True,
        )
    console.print(
        f"逾期 {totals[OVERDUE]} 项，临期 {totals[DUE_SOON]} 项，未报送 {totals[NOT_RETURNED]} 项；"
        f"校验问题：错误 {report.count(ERROR)} 条，警告 {report.count(WARNING)} 条，提示 {report.count(INFO)} 条"
        "（详见“校验问题”工作表）",
        soft_wrap=True,
    )
    _print_errors(console, [f for f in report.sorted() if f.level == ERROR])
    for problem in run.archive_problems:
        console.print(f"留档警告：{problem}", markup=False, soft_wrap=True)
    if result.changes:
        kinds: dict[str, int] = {}
        for change in result.changes:
            kinds[change.kind] = kinds.get(change.kind, 0) + 1
        console.print(
            "与上次相比："
            + "，".join(f"{k} {n} 项" for k, n in kinds.items())
            + "（详见“变化”工作表）",
            soft_wrap=True,
        )
    archived = f"，留档为第 {run.run_id} 次汇总" if run.run_id else ""
    console.print(f"已生成：{_shown(run.output, workspace)}（用时 {run.seconds:.1f} 秒{archived}）")


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _units_table(result: Any) -> Table:
    """Each unit's line: tasks, done, overdue (red), due soon, rate, and whether it returned. Only
    the unit's name may wrap (a narrow window folds it, never 已报送)."""
    from rich.table import Table

    table = Table(show_edge=False, header_style="bold")
    for name in (UNIT, TASK_COUNT, STATUS_DONE, OVERDUE, DUE_SOON, DONE_RATE, RETURN_STATE):
        table.add_column(
            name,
            justify="left" if name in (UNIT, RETURN_STATE) else "right",
            overflow="fold",
            no_wrap=name != UNIT,
        )
    for unit in result.units:
        overdue = f"[red]{unit.overdue}[/red]" if unit.overdue else "0"
        state = unit.return_state if unit.files else f"[bold red]{unit.return_state}[/bold red]"
        table.add_row(
            unit.unit,
            str(unit.tasks),
            str(unit.done),
            overdue,
            str(unit.due_soon),
            f"{unit.rate:.0%}",
            state,
        )
    return table


def _print_errors(console: Console, errors: list[Any]) -> None:
    """The first twelve error-level findings, each with where it is."""
    if not errors:
        return
    console.print(f"需要处理的错误（{len(errors)} 条）：")
    for finding in errors[:12]:
        where = " › ".join(
            part
            for part in (
                finding.file,
                finding.sheet,
                f"第{finding.row}行" if finding.row else "",
                finding.column,
            )
            if part
        )
        console.print(f"  {where}：{finding.message}", markup=False, soft_wrap=True)
    if len(errors) > 12:
        console.print(f"  ……另有 {len(errors) - 12} 条")


def print_report(run: ReportRun, workspace: Path) -> None:
    console = _console()
    if run.fallback:
        console.print(
            "问题清单没有保存上级表格的列格式，按默认五列（序号、问题、整改目标、整改措施、整改完成情况）生成；"
            "用 toolkit issues import --force 重新导入上级文件可按原格式生成",
            markup=False,
            soft_wrap=True,
        )
    console.print(
        f"按第 {run.run_id} 次汇总（截至 {run.as_of.isoformat()}）生成整改情况报告：{run.problems} 个问题、"
        f"{run.measures} 项整改措施",
        soft_wrap=True,
    )
    for note in run.notes:
        console.print(f"  备注：{note}", markup=False, soft_wrap=True)
    console.print(f"已生成：{_shown(run.docx, workspace)}", markup=False, soft_wrap=True)
    console.print(
        f"        {_shown(run.xlsx, workspace)}（用时 {run.seconds:.1f} 秒）",
        markup=False,
        soft_wrap=True,
    )


def interrupted_line(exc: Interrupted) -> str:
    """What an interrupted merge left behind, in one line."""
    if exc.output is None:
        return "已中断，未生成汇总台账"
    if exc.run_id is None:
        return (
            f"已生成汇总台账 {exc.output}，但未留档（合并被中断；需要留档请重新运行 toolkit merge）"
        )
    return f"已中断：汇总台账 {exc.output} 已生成，并已留档为第 {exc.run_id} 次汇总"
