"""Rebuild the bundled sample workspace from the seed report, reproducibly.

    python scripts/build_sample.py [--seed-file PATH] [--out DIR]

The seed (default samples/二道区督察整改完成情况.txt in the repository, or $TOOLKIT_SEED)
is the text rendering of 长春市二道区's table of 18 feedback problems and 55 measures. From it the
script writes, into DIR (default: the repository root):

    toolkit.toml            as_of = 2025-03-31 (the report's date), unit aliases
    issues.xlsx             问题清单: every measure of the seed, one task each
    templates/ledger.xlsx   the blank ledger template
    inbox/                  the ledgers units "sent back", in the shapes real units send

Nothing depends on the clock or on chance: dates are fixed, the random generator is seeded, and
document times and zip timestamps are pinned, so two runs write the same bytes.

Responsible units (责任单位) of a measure: the units its own text names; else a per-task choice
(TASK_UNITS) where the text or the completion says better than the problem's lead; else the
problem's lead unit from the FALLBACK table below (the unit the problem points to); else the first
unit another measure of the same problem names (problems 2, 13 and 20 name a unit in every measure).

    问题序号  lead unit (FALLBACK)        why; per-task exceptions (TASK_UNITS)
    1         区政府办公室                1-5's completion names 区政府办公室 (1-3 names 区委党校 too)
    4         区生态环境分局              water monitoring, 涉水企业 enforcement; 4-2 (各级河长巡查) → 区河长办
    5         区农业农村局                5-2 names it as the lead of 秸秆综合利用
    6         区城市管理局                6-1 and 6-2 name it
    7         区农业农村局                畜禽粪污; 7-4 (生态环境执法人员 did it) → 区生态环境分局
    8         区生态环境分局              8-1's completion names 区生态环境局
    11        区住建局                    the works follow 市建委: the 住建 line
    14        区河长办                    14-2 and 14-3 name it
    15        区农业农村局                秸秆离田; 15-3 (禁烧方案, as 15-1) → 区生态环境分局
    16        区生态环境分局              16-3's completion names 生态环境分局
    18        区生态环境分局              18-3's completion names 生态环境分局
    19        区住建局                    在建工地扬尘
    22        区住建局                    the completion: 散煤治理牵头单位为区住建局
    23        区自然资源局                国土资源违法行为
    27        区农业农村局                27-1's completion names it; 27-2 (表土剥离验收) → 区自然资源局

Inbox (as-of 2025-03-31; every deadline is in 2024, so anything not done is 逾期):

    区农业农村局-整改台账.xlsx      区农业农村局     template + _meta; 5-3 整改进展 "=SUM(A1)…" (text)
    生态环境分局台账（已填）.xlsx  区生态环境分局   template + _meta; 8-5 已完成 without 实际完成日期
    区工信局-整改台账.xlsx          区工信局         template + _meta
    其他单位台账.zip                区委党校, 英俊镇, 二道经济开发区, 市市场监管局二道分局: template files
    住建局台账（3月）.xlsx          区住建局         title block, two-row merged renamed header, reordered,
                                                     section and note rows, 十一/19.0/二十二, merged 序号;
                                                     19-2 完成时间 "2024年13月"
    区政府办公室整改台账.xls        区政府办公室     .xls, 填报说明 sheet first; 1-4 完成状态 "差不多"
    河长办台账.csv                  区河长办         GBK, status synonyms, 2024/6/30 and 2024年5月20日,
                                                     问题序号 "１４"; a row for 问题序号 99
    卫健局整改台账.xlsx             区卫健局         late: 推进中/未启动 with 存在问题
    区发改局-整改台账.xlsx          区发改局         older return, 填报日期 2025年3月20日
    发改局台账（报送）.xlsx          区发改局         newer return, 填报日期 2025年3月30日
    区城管局.xlsx                   区城市管理局     no unit inside: found from the alias in the name
    (nothing)                       区自然资源局     未报送
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import re
import sys
import tempfile
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook

from toolkit.core.dates import parse_date
from toolkit.core.model.imported import ImportedProblem
from toolkit.core.model.issue_list import Task, unit_key
from toolkit.core.settings_file import load_settings
from toolkit.read.import_text import parse_seed_text
from toolkit.read.issue_list import load_issue_list
from toolkit.read.issues_import import to_tasks
from toolkit.write.editing import save_workbook, set_text
from toolkit.write.issue_list import write_issue_list
from toolkit.write.launchers import write_launchers
from toolkit.write.ledger import write_unit_ledger
from toolkit.write.template import LEDGER_COLUMNS, title_for, write_blank_template

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SEED = REPO / "samples" / "二道区督察整改完成情况.txt"  # a copy of the public seed report

AS_OF = date(2025, 3, 31)  # the date of the seed report
GENERATED = datetime(2025, 3, 10, 9, 0, 0)  # when the office sent the ledgers out
PINNED = datetime(2025, 3, 31, 12, 0, 0)  # document and zip times of every file written
RANDOM_SEED = 20250331
ALIASES = {"区城管局": "区城市管理局", "区环保局": "区生态环境分局"}

# The seed names its units only inside the measure texts, and few of them: the sample is built with
# 二道区's own unit list and other spellings, kept as sample data in the form a clerk writes in
# toolkit.toml (the tool itself knows no office's units).
SAMPLE_UNITS_FILE = REPO / "samples" / "二道区单位.toml"


def sample_units() -> tuple[list[str], dict[str, str]]:
    """The sample district's units and their other spellings (samples/二道区单位.toml)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    units = tomllib.loads(SAMPLE_UNITS_FILE.read_text(encoding="utf-8"))["units"]
    return list(units["names"]), dict(units["aliases"])


FALLBACK = {
    1: "区政府办公室",
    4: "区生态环境分局",
    5: "区农业农村局",
    6: "区城市管理局",
    7: "区农业农村局",
    8: "区生态环境分局",
    11: "区住建局",
    14: "区河长办",
    15: "区农业农村局",
    16: "区生态环境分局",
    18: "区生态环境分局",
    19: "区住建局",
    22: "区住建局",
    23: "区自然资源局",
    27: "区农业农村局",
}
TASK_UNITS = {
    "4-2": ["区河长办"],
    "7-4": ["区生态环境分局"],
    "15-3": ["区生态环境分局"],
    "27-2": ["区自然资源局"],
}

DONE_LATE = {"8-4", "16-2", "19-5"}  # finished, but after the deadline → 逾期完成
NOT_DONE = {"8-3": "推进中", "15-2": "推进中", "16-4": "未启动", "19-4": "推进中"}
_DONE_WORDS = re.compile(r"已|完成|建立了|了")
_NOT_DONE_WORDS = re.compile(r"不涉及|尚未|正在|下一步")

FILLERS = {  # 填报人, 联系电话 (text: the leading zero must survive)
    "区农业农村局": ("王立新", "0431-84651234"),
    "区生态环境分局": ("刘洋", "13904311234"),
    "区工信局": ("赵敏", "0431-84620517"),
    "区住建局": ("孙国庆", "0431-84678802"),
    "区政府办公室": ("陈静", "0431-84619006"),
    "区河长办": ("李海涛", "15804300876"),
    "区卫健局": ("周丽华", "0431-84633410"),
    "区发改局": ("吴晓东", "13630501287"),
    "区城市管理局": ("郑凯", "0431-84697753"),
    "区委党校": ("钱文", "0431-84640021"),
    "英俊镇": ("冯春雨", "13843107765"),
    "二道经济开发区": ("何建平", "0431-81950066"),
    "市市场监管局二道分局": ("许晨", "0431-84675590"),
}
EVIDENCE = ["工作方案", "会议纪要", "检查台账", "现场照片", "通知文件", "培训签到表", "整改销号表"]
SECTIONS = {11: "一、水污染防治", 19: "二、大气污染防治"}


@dataclass
class Report:
    """What one unit writes in the unit-filled columns of one task's row."""

    status: str
    progress: str = ""
    done: date | None = None
    evidence: str = ""
    problems: str = ""
    filler: str = ""
    phone: str = ""


# ---------------------------------------------------------------- the issue list


def assign_units(problems: list[ImportedProblem]) -> None:
    """Give every measure its units: its text, else TASK_UNITS, else FALLBACK, else the first
    unit another measure of the problem names."""
    for problem in problems:
        named = [u for m in problem.measures for u in m.units]
        for measure in problem.measures:
            task_id = f"{problem.issue_no}-{measure.measure_no}"
            if measure.units:
                continue
            if task_id in TASK_UNITS:
                measure.units = list(TASK_UNITS[task_id])
            elif problem.issue_no in FALLBACK:
                measure.units = [FALLBACK[problem.issue_no]]
            elif named:
                measure.units = [named[0]]
            else:
                raise SystemExit(
                    f"任务 {task_id} 没有责任单位：请在 FALLBACK 中补上问题 {problem.issue_no}"
                )


def unit_paragraph(completion: str, unit: str, units: tuple[str, ...]) -> str:
    """A shared task's completion often has one line per unit ("区住建局：…"): take the unit's own."""
    if len(units) > 1:
        for line in completion.splitlines():
            head = re.match(r"^\s*([^：:，。]{2,14})[：:]", line)
            if head and unit_key(head.group(1)) == unit_key(unit):
                rest = line[head.end() :].strip()
                if rest:
                    return rest
    return completion


def report_for(task: Task, unit: str, completion: str, rng: random.Random) -> Report:
    filler, phone = FILLERS.get(unit, ("", ""))
    text = unit_paragraph(completion, unit, task.units)
    evidence = "、".join(rng.sample(EVIDENCE, 2))
    if task.task_id in NOT_DONE:
        status = NOT_DONE[task.task_id]
        return Report(
            status,
            text if status == "推进中" else "",
            problems=_problem_text(task),
            filler=filler,
            phone=phone,
        )
    if task.deadline is None:
        return Report("长期坚持", text, evidence=evidence, filler=filler, phone=phone)
    if _DONE_WORDS.search(text) and not _NOT_DONE_WORDS.search(text):
        said = _date_in(text)
        if task.task_id in DONE_LATE:
            done = task.deadline + timedelta(days=rng.randint(12, 75))
        elif said and said <= task.deadline:  # "2024年4月底，我区制定实施…": the day it says
            done = said
        else:
            done = task.deadline - timedelta(days=rng.randint(3, 60))
        return Report("已完成", text, min(done, AS_OF), evidence, filler=filler, phone=phone)
    return Report("推进中", text, problems=_problem_text(task), filler=filler, phone=phone)


def _date_in(text: str) -> date | None:
    match = re.search(r"20\d{2}年\d{1,2}月(\d{1,2}日|底)?", text)
    return parse_date(match.group(0)).value if match else None


def _problem_text(task: Task) -> str:
    return f"{task.issue_title}相关工作涉及多个部门，推进较慢，计划于2025年第二季度完成。"


# ---------------------------------------------------------------- writing helpers


# Addresses for `toolkit remind` on the sample: example.gov.cn is reserved and never delivers.
# 区城市管理局 has no address on purpose, so remind shows how a missing address is listed.
CONTACT_NAMES = [
    "王立新",
    "刘洋",
    "郑凯",
    "吴晓东",
    "陈静",
    "赵敏",
    "孙伟",
    "周强",
    "李娜",
    "张磊",
    "马超",
    "何平",
    "高峰",
    "林涛",
]


def add_contacts(path: Path, tasks) -> None:
    """A 单位通讯录 sheet (责任单位, 联系人, 邮箱) in issues.xlsx, edited in with openpyxl."""
    from openpyxl import load_workbook

    units: list[str] = []
    for task in tasks:
        for unit in task.units:
            if unit not in units:
                units.append(unit)
    book = load_workbook(path)
    sheet = book.create_sheet("单位通讯录")
    sheet.append(["责任单位", "联系人", "邮箱"])
    for n, unit in enumerate(units):
        address = "" if unit == "区城市管理局" else f"unit{n + 1:02d}@example.gov.cn"
        sheet.append([unit, CONTACT_NAMES[n % len(CONTACT_NAMES)], address])
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["C"].width = 28
    book.save(path)


def pin_zip_times(path: Path) -> None:
    """Rewrite an OOXML package with fixed member times and fixed document times."""
    stamp = PINNED.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            if name == "docProps/core.xml":
                text = data.decode("utf-8")
                for tag in ("dcterms:created", "dcterms:modified"):
                    text = re.sub(rf"(<{tag}[^>]*>)[^<]*(</{tag}>)", rf"\g<1>{stamp}\g<2>", text)
                data = text.encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=PINNED.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    path.write_bytes(buffer.getvalue())


def new_xlsxwriter(path: Path):
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    workbook.set_properties({"created": PINNED})
    return workbook


def excel_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def cn_numeral(n: int) -> str:
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else digits[tens] + "十")
    return head + (digits[ones] if ones else "")


def deadline_value(task: Task) -> object:
    return excel_day(task.deadline) if task.deadline else "长期坚持"


# ---------------------------------------------------------------- the shapes units send


def shape_template(
    template: Path,
    out: Path,
    unit: str,
    tasks: list[Task],
    fingerprint: str,
    reports: dict[str, Report],
    filled: datetime,
) -> None:
    """a. The template as sent, filled in by the unit (openpyxl, as Excel would save it)."""
    write_unit_ledger(template, out, unit, tasks, fingerprint, AS_OF, GENERATED)
    workbook = load_workbook(out)
    sheet = workbook["台账"]
    first = LEDGER_COLUMNS.index("完成状态") + 1
    for row, task in enumerate(tasks, start=3):
        rep = reports[task.task_id]
        values = [
            rep.status,
            rep.progress,
            rep.done,
            None,
            rep.evidence,
            rep.problems,
            rep.filler,
            rep.phone,
        ]
        for offset, value in enumerate(values):
            cell = sheet.cell(row=row, column=first + offset)
            if isinstance(value, str):
                if value:
                    set_text(cell, value)
            elif value is not None:
                cell.value = excel_day(value)
                cell.number_format = "yyyy-mm-dd"
    workbook.properties.modified = filled
    workbook.properties.lastModifiedBy = FILLERS[unit][0]
    save_workbook(workbook, out)
    pin_zip_times(out)


def shape_messy(
    out: Path,
    unit: str,
    tasks: list[Task],
    reports: dict[str, Report],
    words: dict[str, str],
    bad_date_task: str,
) -> None:
    """b. Title block, two-row merged header with renamed and reordered columns, section and
    note rows, Chinese-numeral and "19.0" issue numbers, merged 序号/问题标题, no 任务编号."""
    workbook = new_xlsxwriter(out)
    sheet = workbook.add_worksheet("Sheet1")
    title = workbook.add_format({"bold": True, "font_size": 16, "align": "center"})
    plain = workbook.add_format({"font_size": 11})
    head = workbook.add_format(
        {
            "bold": True,
            "border": 1,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
            "bg_color": "#F2F2F2",
        }
    )
    cell = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    merged = workbook.add_format(
        {"border": 1, "text_wrap": True, "valign": "vcenter", "align": "center"}
    )
    day = workbook.add_format({"border": 1, "valign": "top", "num_format": "yyyy年m月d日"})
    section = workbook.add_format({"bold": True, "border": 1})
    # 序号 问题 整改措施 措施序号 责任单位 完成时限 | 状态 进展情况 完成时间 | 存在问题 佐证材料 填报人 联系电话
    columns = [
        "序号",
        "问题标题",
        "整改措施",
        "措施序号",
        "责任单位",
        "完成时限",
        "状态",
        "进展情况",
        "完成时间",
        "存在问题",
        "佐证材料",
        "填报人",
        "联系电话",
    ]
    widths = [6, 18, 48, 6, 14, 14, 9, 40, 14, 20, 14, 8, 14]
    for index, width in enumerate(widths):
        sheet.set_column(index, index, width)
    last = len(columns) - 1
    sheet.merge_range(0, 0, 0, last, "二道区第二轮省级生态环境保护督察反馈问题整改台账", title)
    sheet.write_string(1, 0, f"填报单位：{unit}", plain)
    sheet.write_string(2, 0, "填报日期：2025年3月28日", plain)
    sheet.merge_range(3, 0, 3, 5, "基本信息", head)
    sheet.merge_range(3, 6, 3, 8, "整改情况", head)
    for index in range(9, len(columns)):
        sheet.merge_range(3, index, 4, index, columns[index], head)
    for index in range(9):
        sheet.write_string(4, index, columns[index], head)
    row = 5
    by_issue: dict[int, list[Task]] = {}
    for task in tasks:
        by_issue.setdefault(task.issue_no, []).append(task)
    for issue_no, group in by_issue.items():
        if issue_no in SECTIONS:
            sheet.merge_range(row, 0, row, last, SECTIONS[issue_no], section)
            row += 1
        number = f"{issue_no}.0" if issue_no == 19 else cn_numeral(issue_no)
        if len(group) > 1:
            sheet.merge_range(row, 0, row + len(group) - 1, 0, number, merged)
            sheet.merge_range(row, 1, row + len(group) - 1, 1, group[0].issue_title, merged)
        else:
            sheet.write_string(row, 0, number, merged)
            sheet.write_string(row, 1, group[0].issue_title, merged)
        for task in group:
            rep = reports[task.task_id]
            sheet.write_string(row, 2, task.measure, cell)
            sheet.write_number(row, 3, task.measure_no, cell)
            sheet.write_string(row, 4, "、".join(task.units), cell)
            sheet.write_string(row, 5, words[task.task_id] or "长期坚持", cell)
            sheet.write_string(row, 6, rep.status, cell)
            sheet.write_string(row, 7, rep.progress, cell)
            if task.task_id == bad_date_task:
                sheet.write_string(row, 8, "2024年13月", cell)
            elif rep.done:
                sheet.write_datetime(row, 8, excel_day(rep.done), day)
            else:
                sheet.write_blank(row, 8, None, cell)
            for col, text in zip(
                range(9, 13), (rep.problems, rep.evidence, rep.filler, rep.phone), strict=True
            ):
                sheet.write_string(row, col, text, cell)
            row += 1
    row += 1
    sheet.merge_range(
        row,
        0,
        row,
        last,
        "填表说明：1.状态填写已完成、推进中、未启动或长期坚持；2.已完成的请填写完成时间；"
        "3.本表请于每月28日前报区督察整改办。",
        plain,
    )
    sheet.write_string(row + 1, 0, "审核人：孙国庆    联系电话：0431-84678802", plain)
    sheet.freeze_panes(5, 2)
    sheet.set_landscape()
    workbook.close()
    pin_zip_times(out)


def shape_xls(
    out: Path, unit: str, tasks: list[Task], reports: dict[str, Report], bad_status_task: str
) -> None:
    """c. An old .xls (xlwt): an instruction sheet first, the ledger second."""
    import xlwt

    out.parent.mkdir(parents=True, exist_ok=True)
    book = xlwt.Workbook(encoding="utf-8")
    notes = book.add_sheet("填报说明")
    lines = [
        "填报说明",
        "一、请在“台账”工作表中逐项填写完成状态、整改进展、实际完成日期等内容。",
        "二、完成状态只能填写：已完成、推进中、未启动、长期坚持。",
        "三、已完成的事项请填写实际完成日期，格式如 2024-06-30。",
        "四、请勿修改任务编号、问题序号、整改措施等预填内容。",
    ]
    for index, line in enumerate(lines):
        notes.write(index, 0, line)
    notes.col(0).width = 256 * 70
    sheet = book.add_sheet("台账")
    bold = xlwt.easyxf(
        "font: bold on; align: horiz center, wrap on; borders: left thin, right thin, top thin, bottom thin"
    )
    wrap = xlwt.easyxf(
        "align: wrap on, vert top; borders: left thin, right thin, top thin, bottom thin"
    )
    day = xlwt.easyxf(
        "align: vert top; borders: left thin, right thin, top thin, bottom thin",
        num_format_str="yyyy-mm-dd",
    )
    sheet.write_merge(
        0,
        0,
        0,
        len(LEDGER_COLUMNS) - 1,
        title_for(unit, AS_OF) + "    填报日期：2025年3月27日",
        xlwt.easyxf("font: bold on, height 320; align: horiz center"),
    )
    for col, name in enumerate(LEDGER_COLUMNS):
        sheet.write(1, col, name, bold)
        sheet.col(col).width = 256 * {"整改措施": 46, "整改进展": 40, "问题标题": 18}.get(name, 12)
    for row, task in enumerate(tasks, start=2):
        rep = reports[task.task_id]
        status = "差不多" if task.task_id == bad_status_task else rep.status
        values = [
            task.task_id,
            task.issue_no,
            task.issue_title,
            task.measure_no,
            task.measure,
            "、".join(task.units),
            deadline_value(task),
            status,
            rep.progress,
            rep.done,
            None,
            rep.evidence,
            rep.problems,
            rep.filler,
            rep.phone,
        ]
        for col, value in enumerate(values):
            if isinstance(value, (date, datetime)):
                sheet.write(
                    row, col, excel_day(value) if not isinstance(value, datetime) else value, day
                )
            elif value is None:
                sheet.write(row, col, "", wrap)
            else:
                sheet.write(row, col, value, wrap)
    book.save(str(out))


def _gbk(text: str) -> str:
    """Text GBK can hold: the odd character it can't (an en space) becomes a space."""
    out = []
    for ch in text:
        try:
            ch.encode("gbk")
        except UnicodeEncodeError:
            ch = " "
        out.append(ch)
    return "".join(out)


def shape_csv(
    out: Path, unit: str, tasks: list[Task], reports: dict[str, Report], words: dict[str, str]
) -> None:
    """d. A GBK CSV: status synonyms, dates as 2024/6/30 and 2024年5月20日, a full-width 问题序号,
    and a row for a task that does not exist (问题序号 99)."""
    # what this unit wrote, by task: status word, 实际完成日期 as typed
    typed = {
        "4-2": ("正在推进", ""),
        "14-1": ("完成", "2024年5月20日"),
        "14-2": ("已办结", "2024/6/30"),
        "14-3": ("常态化", ""),
    }
    header = [
        "问题序号",
        "措施序号",
        "整改措施",
        "责任单位",
        "完成时限",
        "完成状态",
        "整改进展",
        "实际完成日期",
        "佐证材料",
        "存在问题",
        "填报人",
        "联系电话",
    ]
    rows = [header]
    for task in tasks:
        rep = reports[task.task_id]
        status, done_text = typed.get(task.task_id, (rep.status, ""))
        number = "１４" if task.task_id == "14-3" else str(task.issue_no)
        rows.append(
            [
                number,
                str(task.measure_no),
                task.measure,
                "、".join(task.units),
                words[task.task_id] or "长期坚持",
                status,
                rep.progress,
                done_text,
                rep.evidence,
                "" if task.task_id in typed else rep.problems,
                rep.filler,
                rep.phone,
            ]
        )
    filler, phone = FILLERS[unit]
    rows.append(
        [
            "99",
            "1",
            "开展全区河湖“清四乱”专项行动，对河道垃圾进行集中清理。",
            unit,
            "2024年9月底前",
            "完成",
            "已组织各街道开展“清四乱”专项行动，清理河道垃圾8.5吨。",
            "2024/9/20",
            "现场照片",
            "",
            filler,
            phone,
        ]
    )
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([[_gbk(v) for v in row] for row in rows])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buffer.getvalue().encode("gbk"))


def shape_plain(
    out: Path,
    tasks: list[Task],
    reports: dict[str, Report],
    *,
    title: str = "",
    reported: date | None = None,
    columns: list[str] | None = None,
    reported_column: date | None = None,
) -> None:
    """A ledger retyped into a new workbook: optional title and 填报日期 lines, header, rows."""
    columns = columns or LEDGER_COLUMNS
    if reported_column:
        columns = [*columns, "填报日期"]
    workbook = new_xlsxwriter(out)
    sheet = workbook.add_worksheet("台账")
    head = workbook.add_format(
        {"bold": True, "border": 1, "align": "center", "text_wrap": True, "bg_color": "#DDEBF7"}
    )
    cell = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    day = workbook.add_format({"border": 1, "valign": "top", "num_format": "yyyy-mm-dd"})
    row = 0
    if title:
        sheet.merge_range(
            row,
            0,
            row,
            len(columns) - 1,
            title,
            workbook.add_format({"bold": True, "font_size": 14, "align": "center"}),
        )
        row += 1
    if reported:
        sheet.write_string(row, 0, f"填报日期：{cn_date(reported)}")
        row += 1
    sheet.write_row(row, 0, columns, head)
    for index, name in enumerate(columns):
        sheet.set_column(
            index,
            index,
            {"整改措施": 46, "整改进展": 40, "问题标题": 18, "存在问题": 24}.get(name, 12),
        )
    for task in tasks:
        row += 1
        rep = reports[task.task_id]
        values = {
            "任务编号": task.task_id,
            "问题序号": task.issue_no,
            "问题标题": task.issue_title,
            "措施序号": task.measure_no,
            "整改措施": task.measure,
            "责任单位": "、".join(task.units),
            "完成时限": deadline_value(task),
            "完成状态": rep.status,
            "整改进展": rep.progress,
            "实际完成日期": rep.done,
            "申请延期至": None,
            "佐证材料": rep.evidence,
            "存在问题": rep.problems,
            "填报人": rep.filler,
            "联系电话": rep.phone,
            "填报日期": reported_column,
        }
        for col, name in enumerate(columns):
            value = values[name]
            if isinstance(value, (date, datetime)):
                sheet.write_datetime(row, col, excel_day(value), day)
            elif isinstance(value, int):
                sheet.write_number(row, col, value, cell)
            elif value:
                sheet.write_string(row, col, value, cell)
            else:
                sheet.write_blank(row, col, None, cell)
    sheet.freeze_panes(row - len(tasks) + 1, 0)
    workbook.close()
    pin_zip_times(out)


def write_zip(out: Path, members: list[Path]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            info = zipfile.ZipInfo(member.name, date_time=PINNED.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.flag_bits |= 0x800  # names are UTF-8
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.read_bytes())
    out.write_bytes(buffer.getvalue())


# ---------------------------------------------------------------- the whole sample

TOML = """\
# toolkit.toml —— 随附示例工作区的设置（由 scripts/build_sample.py 生成）。
# 没写的设置项按默认值处理；全部设置项及默认值见 toolkit init 生成的 toolkit.toml。

# 统计截止日期：逾期按这一天计算。示例取督察整改完成情况报告的日期。
as_of = "2025-03-31"

# 完成时限在多少天之内算“临期”。
due_soon_days = 7

[units.aliases]
# 简称 = 全称：报送文件的文件名或内容里用了简称时，按全称汇总。
"区城管局" = "区城市管理局"
"区环保局" = "区生态环境分局"
"""

INBOX = {
    "template": [
        ("区农业农村局", "区农业农村局-整改台账.xlsx", datetime(2025, 3, 26, 16, 20)),
        ("区生态环境分局", "生态环境分局台账（已填）.xlsx", datetime(2025, 3, 27, 10, 5)),
        ("区工信局", "区工信局-整改台账.xlsx", datetime(2025, 3, 25, 14, 40)),
    ],
    "zip": (
        "其他单位台账.zip",
        [
            ("区委党校", datetime(2025, 3, 24, 9, 30)),
            ("英俊镇", datetime(2025, 3, 26, 11, 0)),
            ("二道经济开发区", datetime(2025, 3, 27, 15, 45)),
            ("市市场监管局二道分局", datetime(2025, 3, 28, 8, 50)),
        ],
    ),
    "messy": ("区住建局", "住建局台账（3月）.xlsx"),
    "xls": ("区政府办公室", "区政府办公室整改台账.xls"),
    "csv": ("区河长办", "河长办台账.csv"),
    "late": ("区卫健局", "卫健局整改台账.xlsx"),
    "resubmitted": ("区发改局", "区发改局-整改台账.xlsx", "发改局台账（报送）.xlsx"),
    "alias": ("区城市管理局", "区城管局.xlsx"),
    "silent": "区自然资源局",
}
FAULTS = {"bad_status": "1-4", "bad_date": "19-2", "done_no_date": "8-5", "formula": "5-3"}


def build(seed: Path, out: Path) -> list[str]:
    text = seed.read_text(encoding="utf-8-sig")
    names, others = sample_units()
    spellings = dict(ALIASES)  # the clerk's aliases first, then the sample's other spellings
    for short, full in others.items():
        spellings.setdefault(short, full)
    problems, _ = parse_seed_text(text, names, spellings)
    assign_units(problems)
    tasks = to_tasks(problems)
    completion = {
        f"{p.issue_no}-{m.measure_no}": m.completion for p in problems for m in p.measures
    }
    words = {f"{p.issue_no}-{m.measure_no}": m.deadline_text for p in problems for m in p.measures}

    out.mkdir(parents=True, exist_ok=True)
    (out / "toolkit.toml").write_text(TOML, encoding="utf-8")
    write_issue_list(tasks, out / "issues.xlsx")
    add_contacts(out / "issues.xlsx", tasks)
    pin_zip_times(out / "issues.xlsx")
    template = out / "templates" / "ledger.xlsx"
    write_blank_template(template, created=PINNED)
    pin_zip_times(template)
    write_launchers(
        out, None, overwrite=True
    )  # no interpreter is known: they look for .venv and the install

    issues = load_issue_list(load_settings(out))  # as merge will see it: same fingerprint
    rng = random.Random(RANDOM_SEED)
    reports: dict[str, dict[str, Report]] = {}
    for unit in issues.unit_names:
        reports[unit] = {
            t.task_id: report_for(t, unit, completion[t.task_id], rng)
            for t in issues.tasks_of(unit)
        }
    inbox = out / "inbox"
    inbox.mkdir(exist_ok=True)
    written: list[str] = []

    def done(name: str, unit: str, shape: str) -> None:
        written.append(name)
        print(f"  inbox/{name:<28} {unit:<12} {shape}")

    # a. template-shaped, with _meta
    reports["区农业农村局"][FAULTS["formula"]].progress = (
        "=SUM(A1) " + reports["区农业农村局"][FAULTS["formula"]].progress
    )
    eco = reports["区生态环境分局"][FAULTS["done_no_date"]]
    eco.status, eco.done = "已完成", None
    for unit, name, filled in INBOX["template"]:
        shape_template(
            template,
            inbox / name,
            unit,
            issues.tasks_of(unit),
            issues.fingerprint,
            reports[unit],
            filled,
        )
        done(name, unit, "模板（含 _meta）")
    # a'. small units' template ledgers forwarded together in one zip
    zip_name, members = INBOX["zip"]
    with tempfile.TemporaryDirectory() as temp:
        paths = []
        for unit, filled in members:
            path = Path(temp) / f"{unit}整改台账.xlsx"
            shape_template(
                template,
                path,
                unit,
                issues.tasks_of(unit),
                issues.fingerprint,
                reports[unit],
                filled,
            )
            paths.append(path)
        write_zip(inbox / zip_name, paths)
    done(zip_name, "、".join(u for u, _ in members), "zip：模板（含 _meta）")
    # b. the messy one
    unit, name = INBOX["messy"]
    shape_messy(inbox / name, unit, issues.tasks_of(unit), reports[unit], words, FAULTS["bad_date"])
    done(name, unit, "标题区、两行合并表头、改名列、分节行、说明行")
    # c. .xls
    unit, name = INBOX["xls"]
    shape_xls(inbox / name, unit, issues.tasks_of(unit), reports[unit], FAULTS["bad_status"])
    done(name, unit, ".xls，首个工作表为填报说明")
    # d. GBK csv
    unit, name = INBOX["csv"]
    shape_csv(inbox / name, unit, issues.tasks_of(unit), reports[unit], words)
    done(name, unit, "GBK 编码 CSV，状态用同义词")
    # e. late
    unit, name = INBOX["late"]
    late = {}
    for task in issues.tasks_of(unit):
        filler, phone = FILLERS[unit]
        started = task.measure_no == 1
        late[task.task_id] = Report(
            "推进中" if started else "未启动",
            "已召开会商协调会议，正在梳理医疗废物管理问题清单。" if started else "",
            problems="医疗机构数量多、分布散，摸底调查尚未完成，需延期至2025年5月底前。",
            filler=filler,
            phone=phone,
        )
    shape_plain(
        inbox / name,
        issues.tasks_of(unit),
        late,
        title=f"{unit}生态环境保护督察反馈问题整改台账",
        reported_column=date(2025, 3, 29),
    )
    done(name, unit, "逾期未完成：推进中/未启动，填写存在问题")
    # f. resubmission: the older return has 推进中 where the newer one has 已完成
    unit, older, newer = INBOX["resubmitted"]
    first = {k: replace(v) for k, v in reports[unit].items()}
    second = {k: replace(v) for k, v in reports[unit].items()}
    for task in issues.tasks_of(unit):
        if task.deadline or len(task.units) > 1:
            first[task.task_id].status, first[task.task_id].done = "推进中", None
            first[task.task_id].problems = "相关方案正在征求意见。"
            second[task.task_id].status = "已完成"
            second[task.task_id].done = (
                task.deadline - timedelta(days=5) if task.deadline else date(2025, 3, 25)
            )
            second[task.task_id].problems = ""
    columns = [c for c in LEDGER_COLUMNS if c not in ("问题标题", "佐证材料", "申请延期至")]
    shape_plain(
        inbox / older,
        issues.tasks_of(unit),
        first,
        title=f"{unit}整改台账",
        reported=date(2025, 3, 20),
        columns=columns,
    )
    done(older, unit, "重复报送：旧（填报日期 2025年3月20日）")
    shape_plain(
        inbox / newer,
        issues.tasks_of(unit),
        second,
        title=f"{unit}整改台账",
        reported=date(2025, 3, 30),
        columns=columns,
    )
    done(newer, unit, "重复报送：新（填报日期 2025年3月30日）")
    # h. only the file name tells the unit (an alias)
    unit, name = INBOX["alias"]
    shape_plain(
        inbox / name,
        issues.tasks_of(unit),
        reports[unit],
        columns=[
            "任务编号",
            "整改措施",
            "完成时限",
            "完成状态",
            "整改进展",
            "实际完成日期",
            "填报人",
            "联系电话",
        ],
    )
    done(name, unit, "单位只见于文件名（简称）")
    print(f"  （未报送：{INBOX['silent']}）")

    stale = sorted(p.name for p in inbox.iterdir() if p.name not in written)
    if stale:
        print(f"注意：inbox/ 中还有本脚本没有写的文件，未删除：{'、'.join(stale)}", file=sys.stderr)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="从种子报告重新生成随附的示例工作区（可重复）")
    parser.add_argument(
        "--seed-file",
        type=Path,
        default=Path(os.environ.get("TOOLKIT_SEED") or DEFAULT_SEED),
        help="种子报告（文本），默认 samples/二道区督察整改完成情况.txt 或环境变量 TOOLKIT_SEED",
    )
    parser.add_argument("--out", type=Path, default=REPO, help="输出目录，默认仓库根目录")
    args = parser.parse_args(argv)
    if not args.seed_file.is_file():
        print(f"找不到种子报告 {args.seed_file}，请用 --seed-file 指定", file=sys.stderr)
        return 2
    print(f"种子：{args.seed_file}")
    print(f"写入：{args.out.resolve()}")
    print("  toolkit.toml, issues.xlsx, templates/ledger.xlsx")
    written = build(args.seed_file, args.out)
    issues = load_issue_list(load_settings(args.out))
    print(
        f"完成：{len({t.issue_no for t in issues.tasks})} 个问题，{len(issues.tasks)} 项任务，"
        f"{len(issues.unit_names)} 个责任单位，inbox/ 中 {len(written)} 个文件"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
