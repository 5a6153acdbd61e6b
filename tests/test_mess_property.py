"""Property: however a unit messes up a valid ledger, every row it sent ends up somewhere.

A valid ledger (rows for tasks of a small issue list, with known statuses, progress texts and
completion dates) gets random mess — the header moved down under title rows, columns renamed by
synonyms and reordered, full-width digits, merged cells, blank rows, shuffled rows, section, note
and footer rows — and is written as .xlsx (openpyxl) or CSV (UTF-8, UTF-8 with BOM, GB18030; mixed
line endings). After `read_ledger` and `merge`, each data row is either an entry of the merge with
the same 完成状态 (normalised), 整改进展 and 实际完成日期, or a finding that carries its row
number and its values. Nothing a unit sent is lost.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from conftest import write_ledger
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from toolkit.core.merge import merge
from toolkit.core.model.issue_list import Task, build_issue_list
from toolkit.core.normalize import status_from_text
from toolkit.core.settings import Settings
from toolkit.read.ledger import read_ledger

AS_OF = date(2025, 3, 31)
SETTINGS = Settings(as_of=AS_OF)

TASKS = [
    Task(
        "5-1",
        5,
        "秸秆综合利用难题需深入破解",
        1,
        "成立区农作物秸秆综合利用工作领导小组",
        ("区农业农村局",),
        None,
    ),
    Task(
        "5-2",
        5,
        "秸秆综合利用难题需深入破解",
        2,
        "2024年7月底前，区农业农村局联合相关部门制定下发秸秆综合利用工作方案",
        ("区农业农村局",),
        date(2024, 7, 31),
    ),
    Task(
        "5-3",
        5,
        "秸秆综合利用难题需深入破解",
        3,
        "2024年10月底前完成秸秆离田利用1万吨",
        ("区农业农村局",),
        date(2024, 10, 31),
    ),
    Task(
        "6-1",
        6,
        "建筑垃圾资源化利用仍要加强",
        1,
        "区城市管理局积极落实市局要求",
        ("区城市管理局",),
        date(2025, 4, 3),
    ),
    Task(
        "13-1",
        13,
        "医疗废物贮运管理存在薄弱环节",
        1,
        "2024年6月底前，组织辖区生态环境分局、区卫健局等部门集中开展1次会商协调会议",
        ("区生态环境分局", "区卫健局"),
        date(2024, 6, 30),
    ),
    Task(
        "13-2",
        13,
        "医疗废物贮运管理存在薄弱环节",
        2,
        "统一制定全区医疗机构医疗废物贮运登记表",
        ("区卫健局",),
        date(2024, 12, 31),
    ),
    Task(
        "14-1",
        14,
        "饮用水水源地保护不到位",
        1,
        "2024年9月底前完成水源地规范化建设",
        ("区卫健局",),
        date(2024, 9, 30),
    ),
    Task("14-2", 14, "饮用水水源地保护不到位", 2, "每季度开展1次水质监测", ("区卫健局",), None),
]
BY_ID = {t.task_id: t for t in TASKS}
UNITS = {"区卫健局": ["13-1", "13-2", "14-1", "14-2"], "区农业农村局": ["5-1", "5-2", "5-3"]}
FOREIGN = ["6-1"]  # a task of another unit: wrong-unit
UNKNOWN = ["99-1", "13-9"]  # not in the issue list: unknown-task

# what a unit may type as 完成状态 → what the merge must make of it (DESIGN §5); unknown words stay as typed
STATUSES = {
    "已完成": "已完成",
    "完成": "已完成",
    "已办结": "已完成",
    "整改完成": "已完成",
    "已落实": "已完成",
    "已完成。": "已完成",
    "已\u3000完成": "已完成",
    " 已完成 ": "已完成",
    "推进中": "推进中",
    "正在推进": "推进中",
    "进行中": "推进中",
    "基本完成": "推进中",
    "部分完成": "推进中",
    "未启动": "未启动",
    "未开始": "未启动",
    "尚未启动": "未启动",
    "长期坚持": "长期坚持",
    "长期": "长期坚持",
    "常态化": "长期坚持",
    "": "未填报",
    "差不多": "差不多",
    "已上报领导": "已上报领导",
}
SERIAL = 45473  # an Excel date serial number
# what a unit may type as 实际完成日期 → (date, text kept when it is not a date)
DATES: dict[Any, tuple[date | None, str]] = {
    None: (None, ""),
    "2024-06-30": (date(2024, 6, 30), ""),
    "2024/6/30": (date(2024, 6, 30), ""),
    "2024.6.30": (date(2024, 6, 30), ""),
    "2024年6月30日": (date(2024, 6, 30), ""),
    "2024年6月底": (date(2024, 6, 30), ""),
    "不详": (None, "不详"),
}
DATE_CELL = date(2024, 8, 15)  # written as an Excel date (in a CSV: as text)

# header names a unit may use for each field (DESIGN §6), with the decorations people add
NAMES = {
    "任务编号": ["任务编号", "编号", "任务序号"],
    "问题序号": ["问题序号", "序号", "问题编号"],
    "问题标题": ["问题标题", "问题", "反馈问题"],
    "措施序号": ["措施序号", "措施编号"],
    "整改措施": ["整改措施", "措施", "整改任务"],
    "责任单位": ["责任单位", "牵头单位", "责任部门"],
    "完成时限": ["完成时限", "整改时限", "时限"],
    "完成状态": ["完成状态", "状态", "整改状态"],
    "整改进展": ["整改进展", "进展情况", "完成情况", "工作进展"],
    "实际完成日期": ["实际完成日期", "完成时间", "完成日期"],
    "存在问题": ["存在问题", "存在困难"],
    "填报人": ["填报人", "联系人"],
}
REQUIRED = ["任务编号", "问题序号", "措施序号", "整改措施", "完成状态", "整改进展", "实际完成日期"]
OPTIONAL = ["问题标题", "责任单位", "完成时限", "存在问题", "填报人"]
DECORATIONS = ["{}", "{}*", "*{}", "{}（必填）", "{} ", " {}"]

FULLWIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
CHINESE_NUMBERS = {5: "五", 6: "六", 13: "十三", 14: "十四", 99: "九十九"}
MEASURE_NUMBERS = {1: "（一）", 2: "（二）", 3: "（三）", 9: "（九）"}

PROGRESS_CHARS = (
    "召开会议研究部署制定方案印发落实整改推进检查督导完成清单台账已于月日年 \n，。；、（）"
    "abcXYZ0123456789"
)
CSV_PUNCTUATION = ',;|"'
CONTROL = "\x07\x1b"
FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

ROW_CODES = {"unknown-task", "wrong-unit", "unknown-unit", "duplicate-row", "superseded"}


@dataclass
class Row:
    task_id: str
    status: str
    progress: str
    done: Any
    problem: str = ""


@dataclass
class Plan:
    unit: str
    rows: list[Row]
    fmt: str  # xlsx, or csv:<encoding>
    columns: list[str]  # fields, in sheet order
    headers: dict[str, str]  # field → header text
    fullwidth: bool
    issue_style: (
        str  # how 问题序号 is written: int, text, chinese (措施序号 as （一）), prefixed (序号十三)
    )
    above: list[
        str
    ]  # rows above the header: title, blank, note, reported; group or split (two-row headers)
    order: list[int]  # shuffled rows
    between: list[tuple[int, str]]  # (before data row i, junk kind): blank, section, note, footer
    merge_columns: bool  # merge equal 问题序号/问题标题/责任单位 cells down the column, and section rows across
    line_endings: list[str] = field(default_factory=list)
    id_padding: str = "{}"


def progress_text(csv_mode: bool) -> st.SearchStrategy[str]:
    chars = PROGRESS_CHARS + (CSV_PUNCTUATION + CONTROL if csv_mode else CSV_PUNCTUATION)
    prefix = st.sampled_from(["", "", "", "=", "+", "-", "@", " "])
    return st.builds(lambda p, t: p + t, prefix, st.text(alphabet=chars, max_size=24))


@st.composite
def plans(draw) -> Plan:
    unit = draw(st.sampled_from(sorted(UNITS)))
    fmt = draw(st.sampled_from(["xlsx", "xlsx", "csv:utf-8", "csv:utf-8-sig", "csv:gb18030"]))
    csv_mode = fmt.startswith("csv")
    ids = st.one_of(
        st.sampled_from(UNITS[unit]),
        st.sampled_from(UNITS[unit]),
        st.sampled_from(FOREIGN + UNKNOWN),
    )
    done = st.sampled_from([*DATES, DATE_CELL] + ([] if csv_mode else [SERIAL]))
    rows = draw(
        st.lists(
            st.builds(
                Row,
                ids,
                st.sampled_from(list(STATUSES)),
                progress_text(csv_mode),
                done,
                st.sampled_from(["", "", "资金不足", "=无"]),
            ),
            min_size=1,
            max_size=8,
        )
    )
    optional = draw(st.lists(st.sampled_from(OPTIONAL), unique=True))
    required = (
        REQUIRED if draw(st.integers(0, 3)) else REQUIRED[1:]
    )  # no 任务编号: matched by 问题序号+措施序号
    columns = draw(st.permutations(required + optional))
    headers = {
        name: draw(st.sampled_from(DECORATIONS)).format(draw(st.sampled_from(NAMES[name])))
        for name in columns
    }
    above = draw(st.lists(st.sampled_from(["title", "blank", "note", "reported"]), max_size=5))
    if not csv_mode:
        above += draw(st.sampled_from([[], ["group"], ["split"]]))
    between = draw(
        st.lists(
            st.tuples(st.integers(0, len(rows)), st.sampled_from(["blank", "section", "note"])),
            max_size=4,
        )
    )
    if draw(st.booleans()):
        between.append((len(rows), "footer"))
    endings = (
        draw(st.lists(st.sampled_from(["\r\n", "\n", "\r"]), min_size=40, max_size=40))
        if csv_mode
        else []
    )
    return Plan(
        unit,
        rows,
        fmt,
        list(columns),
        headers,
        draw(st.booleans()),
        draw(st.sampled_from(["int", "text", "chinese", "prefixed"])),
        above,
        list(draw(st.permutations(range(len(rows))))),
        between,
        not csv_mode and draw(st.booleans()),
        endings,
        draw(st.sampled_from(["{}", " {} ", "{}\u3000"])),
    )


# ---------------------------------------------------------------- rendering a plan as a file


def _digits(text: str, plan: Plan) -> str:
    return text.translate(FULLWIDTH) if plan.fullwidth else text


def _cell(row: Row, name: str, plan: Plan) -> Any:
    task = BY_ID.get(row.task_id)
    issue_no, measure_no = (int(x) for x in row.task_id.split("-"))
    if name == "任务编号":
        return plan.id_padding.format(_digits(row.task_id, plan))
    if name == "问题序号":
        return {
            "int": issue_no,
            "text": _digits(str(issue_no), plan),
            "chinese": CHINESE_NUMBERS[issue_no],
            "prefixed": f"序号{CHINESE_NUMBERS[issue_no]}",
        }[plan.issue_style]
    if name == "措施序号":
        return MEASURE_NUMBERS[measure_no] if plan.issue_style == "chinese" else measure_no
    if name == "整改措施":
        return _digits(task.measure, plan) if task else "新增的整改措施"
    if name == "问题标题":
        return task.issue_title if task else "问题清单中没有的问题"
    if name == "责任单位":
        return "、".join(task.units) if task else plan.unit
    if name == "完成时限":
        return task.deadline if task and task.deadline else "长期坚持"
    if name == "完成状态":
        return row.status
    if name == "整改进展":
        return row.progress
    if name == "实际完成日期":
        if isinstance(row.done, str):
            return _digits(row.done, plan)
        return row.done
    if name == "存在问题":
        return row.problem
    if name == "填报人":
        return "张三"
    raise AssertionError(name)


def _junk(kind: str, plan: Plan, width: int) -> list[Any]:
    if kind == "title":
        return [f"{plan.unit} 整改台账（截至2025年3月31日）"]
    if kind == "note":
        return ["填表说明：完成状态请从下拉列表中选择，日期写成2025-03-31"]
    if kind == "reported":
        return [f"填报单位：{plan.unit}", None, None, "填报日期：2025年3月28日"][: max(width, 1)]
    if kind == "section":
        return ["一、医疗废物贮运管理" if plan.unit == "区卫健局" else "二、秸秆综合利用"]
    if kind == "footer":
        return ["填报人：张三", None, "联系电话：0431-84651234"][: max(width, 1)]
    return []


def layout(plan: Plan) -> tuple[list[list[Any]], dict[int, Row], list[tuple[int, int, int, int]]]:
    """The sheet as rows of cells, which Excel row holds which data row, and the merged ranges
    (1-based r0, c0, r1, c1)."""
    width = len(plan.columns)
    sheet: list[list[Any]] = []
    merges: list[tuple[int, int, int, int]] = []
    for kind in plan.above:
        if (
            kind == "split"
        ):  # a two-row header: the first columns merged down, the rest under a group
            k = max(1, width // 2)
            sheet.append(
                [plan.headers[name] for name in plan.columns[:k]]
                + ["整改情况"]
                + [None] * (width - k - 1)
            )
            sheet.append([None] * k + [plan.headers[name] for name in plan.columns[k:]])
            r = len(sheet)
            merges.extend((r - 1, c, r, c) for c in range(1, k + 1))
            if width - k > 1:
                merges.append((r - 1, k + 1, r - 1, width))
            continue
        if kind == "group":
            half = max(1, width // 2)
            sheet.append(
                ["基本信息"] + [None] * (half - 1) + ["整改情况"] + [None] * (width - half - 1)
            )
            r = len(sheet)
            if half > 1:
                merges.append((r, 1, r, half))
            if width - half > 1:
                merges.append((r, half + 1, r, width))
            continue
        sheet.append(_junk(kind, plan, width))
        if kind == "title" and width > 1:
            merges.append((len(sheet), 1, len(sheet), width))
    if "split" not in plan.above:
        sheet.append([plan.headers[name] for name in plan.columns])
    where: dict[int, Row] = {}
    junk_before = sorted(plan.between)
    ordered = [plan.rows[i] for i in plan.order]
    for i in range(len(ordered) + 1):
        for at, kind in junk_before:
            if at == i:
                sheet.append(_junk(kind, plan, width))
                if kind == "section" and plan.merge_columns and width > 1:
                    merges.append((len(sheet), 1, len(sheet), width))
        if i < len(ordered):
            sheet.append([_cell(ordered[i], name, plan) for name in plan.columns])
            where[len(sheet)] = ordered[i]
    if (
        plan.merge_columns
    ):  # runs of equal values down a column, as units merge 问题序号 and 责任单位
        for c, name in enumerate(plan.columns, start=1):
            if name not in ("问题序号", "问题标题", "责任单位"):
                continue
            r = 1
            while r <= len(sheet):
                end = r
                while (
                    r in where
                    and end + 1 in where
                    and sheet[end][c - 1] == sheet[r - 1][c - 1] not in (None, "")
                ):
                    end += 1
                if end > r:
                    merges.append((r, c, end, c))
                r = end + 1
    return sheet, where, merges


def write(plan: Plan, folder: Path) -> tuple[Path, dict[int, Row]]:
    sheet, where, merges = layout(plan)
    if plan.fmt == "xlsx":
        path = folder / f"{plan.unit}_台账.xlsx"
        write_ledger(path, sheet, header=None, merges=merges)
        return path, where
    encoding = plan.fmt.split(":")[1]
    path = folder / f"{plan.unit}_台账.csv"
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")  # so that a field holding CR or LF is quoted
    for n, line in enumerate(sheet):
        writer.writerow(
            ["" if v is None else v.isoformat() if isinstance(v, date) else v for v in line]
        )
        # a blank line keeps its CRLF: after a lone CR, a bare LF would read as one CRLF, not a blank line
        if line:
            text.seek(text.tell() - 2)
            text.truncate()
            text.write(plan.line_endings[n % len(plan.line_endings)])
    path.write_bytes(text.getvalue().encode(encoding))
    return path, where


# ---------------------------------------------------------------- what the merge must make of it


def expected(row: Row) -> tuple[str, str, date | None, str]:
    """(完成状态, 整改进展, 实际完成日期, date text kept) as the merge must report them."""
    progress = FORBIDDEN.sub("", row.progress).strip()
    status = STATUSES[row.status]
    stated = status_from_text(progress, SETTINGS.status_hints, SETTINGS.status_blockers)
    if not row.status and stated:  # DESIGN §5: a blank status the progress text states
        status = stated[0]
    if row.done == DATE_CELL:
        day, text = DATE_CELL, ""
    elif row.done == SERIAL:
        day, text = date(1899, 12, 30) + timedelta(days=SERIAL), ""
    else:
        day, text = DATES[row.done]
    return status, progress, day, text


def run(plan: Plan):
    issues = build_issue_list(list(TASKS), SETTINGS)
    with tempfile.TemporaryDirectory(prefix="mess-") as folder:
        path, where = write(plan, Path(folder))
        ledger = read_ledger(path, path.name, SETTINGS, issues.units)
    return path.name, where, ledger, merge(issues, [ledger], SETTINGS, AS_OF)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_every_row_ends_merged_or_reported_with_its_values(plan):
    check(plan)


def check(plan: Plan) -> None:
    name, where, ledger, result = run(plan)
    entries = {(d.entry.row.file, d.entry.row.row): d.entry for d in result.rows if d.entry}
    held = {}
    for f in result.report.findings:
        if f.code in ROW_CODES and f.row:
            held.setdefault((f.file, f.row), f)
    context = (
        ledger.ok,
        ledger.unit,
        [(f.code, f.row, f.column, f.value[:60]) for f in ledger.findings],
    )
    for excel_row, row in where.items():
        status, progress, day, text = expected(row)
        key = (name, excel_row)
        entry = entries.get(key)
        if entry is not None:
            assert row.task_id not in UNKNOWN, (excel_row, row, context)
            assert entry.task.task_id == row.task_id, (excel_row, row, entry.task.task_id, context)
            assert entry.status == status, (excel_row, row, entry.status, context)
            assert entry.texts["整改进展"] == progress, (
                excel_row,
                row,
                entry.texts["整改进展"],
                context,
            )
            assert entry.done_date == day, (excel_row, row, entry.done_date, context)
            if "存在问题" in plan.columns:
                assert entry.texts["存在问题"] == row.problem, (
                    excel_row,
                    row,
                    entry.texts["存在问题"],
                    context,
                )
            if day is None:  # a date that is not one is kept as written
                assert entry.done_text == text, (excel_row, row, entry.done_text, context)
            continue
        finding = held.get(key)
        assert finding is not None, (
            f"row {excel_row} was neither merged nor reported",
            row,
            context,
        )
        assert finding.sheet == ("台账" if plan.fmt == "xlsx" else Path(name).stem)
        if "任务编号" in plan.columns:
            assert f"任务编号={_digits(row.task_id, plan)}" in finding.value, (finding.value, row)
        else:
            assert "措施序号=" in finding.value, (finding.value, row)
        if progress:
            assert f"整改进展={progress}" in finding.value, (finding.value, row)
        if row.status.strip():
            assert f"完成状态={row.status.strip()}" in finding.value, (finding.value, row)


def test_a_plan_renders_as_planned():
    """The strategy's own check: one hand-made plan through the writer and back."""
    rows = [
        Row("13-2", "完成", "=已印发", "2024年6月底"),
        Row("99-1", "推进中", "问题清单外", None),
        Row("13-1", "正在推进", "召开会议", DATE_CELL),
    ]
    plan = Plan(
        "区卫健局",
        rows,
        "xlsx",
        REQUIRED + ["责任单位"],
        {n: n for n in REQUIRED + ["责任单位"]},
        True,
        "chinese",
        ["title", "group", "blank"],
        [2, 0, 1],
        [(1, "section"), (3, "footer")],
        True,
    )
    name, where, ledger, result = run(plan)
    assert sorted(where) == [5, 7, 8]
    merged = {d.entry.row.row: d.entry for d in result.rows if d.entry}
    assert merged[5].status == "推进中" and merged[5].done_date == DATE_CELL
    assert merged[7].status == "已完成" and merged[7].texts["整改进展"] == "=已印发"
    assert merged[7].done_date == date(2024, 6, 30)
    assert [(f.code, f.row) for f in result.report.findings if f.code == "unknown-task"] == [
        ("unknown-task", 8)
    ]
