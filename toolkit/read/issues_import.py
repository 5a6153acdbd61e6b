"""Importing the feedback-problem table (序号 | 问题 | 整改目标 | 整改措施 | 整改完成情况) from .txt or .docx.

The text shape is what a Word table looks like once rendered as plain text: a line "序号十三"
opens a problem; its non-empty lines are the problem, the target, the measures （一）（二）… and the
completion paragraphs, which restart at （一） and align one-to-one with the measures.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from toolkit.core.dates import OPEN, YEARLESS, find_year, parse_date
from toolkit.core.errors import IssueListError, OutputError
from toolkit.core.findings import Finding, finding
from toolkit.core.model import COLUMNS, SHEET, Task, title_of, unit_key
from toolkit.core.normalize import chinese_int, compact, halfwidth, parse_int, strip_control
from toolkit.core.words import DEADLINE, UNIT

DISTRICT_UNITS: list[str] = [
    "区发改局", "区工信局", "区生态环境分局", "区农业农村局", "区城市管理局", "区住建局",
    "区卫健局", "区河长办", "区禁烧办", "区委党校", "区政府办公室", "区自然资源局",
    "市市场监管局二道分局", "英俊镇", "二道经济开发区",
]


# Other spellings clerks and reports use; an entry is used only when its unit is known.
BUILTIN_ALIASES: dict[str, str] = {
    "党校": "区委党校", "区党校": "区委党校",
    "区政府": "区政府办公室", "区政府办": "区政府办公室",
    "区生态环境局": "区生态环境分局", "区环保局": "区生态环境分局",
    "市生态环境局二道分局": "区生态环境分局",
    "区城管局": "区城市管理局", "区城市管理行政执法局": "区城市管理局",
    "区住房和城乡建设局": "区住建局", "区发展和改革局": "区发改局",
    "区工业和信息化局": "区工信局", "区卫生健康局": "区卫健局", "区卫健委": "区卫健局",
    "区河长制办公室": "区河长办", "区秸秆禁烧办": "区禁烧办",
    "区市场监管局": "市市场监管局二道分局", "二道开发区": "二道经济开发区",
}


OPEN_TEXT = "长期坚持"


_OPEN_WORDS = ("长期坚持", "常态化", "长期执行")


_ISSUE_LINE = re.compile(r"^序号([零〇一二三四五六七八九十百两]+|\d{1,3})$")


_ITEM = re.compile(r"^[（(]\s*([一二三四五六七八九十]+)\s*[）)]\s*")


_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")


_PAGE_NO = re.compile(r"^[-—–\s]*(第\s*)?\d{1,3}\s*(页)?[-—–\s]*$|^\d{1,3}\s*/\s*\d{1,3}$")


_FULL_DATE = re.compile(
    r"(?<!\d)20\d{2}\s*年\s*(?:\d{1,2}\s*月\s*(?:\d{1,2}\s*[日号]|底|末|份)?|年?底|年?末|[上下]半年)"
    r"\s*(?:之?前)?"
)


_YEARLESS_DATE = re.compile(r"(?<![\d年.])\d{1,2}\s*月\s*(?:\d{1,2}\s*[日号]|底|末)\s*(?:之?前)?")


@dataclass
class ImportedMeasure:
    measure_no: int
    text: str  # the measure's full text, sub-items included, the leading （一） removed
    deadline: date | None
    deadline_text: str  # e.g. "2024年6月底前", "长期坚持" or ""
    units: list[str]  # units named in the text, lead first; [] when none found
    completion: str  # the aligned 整改完成情况 paragraph ("" if none)


@dataclass
class ImportedProblem:
    issue_no: int  # 序号十三 -> 13
    title: str
    description: str
    target: str
    measures: list[ImportedMeasure] = field(default_factory=list)


class UnitFinder:
    """Finds known unit names (full, without leading 区/市, or an alias) in a text, in order."""

    def __init__(self, unit_names: list[str], aliases: dict[str, str] | None = None) -> None:
        by_key = {unit_key(name): name for name in reversed(unit_names)}
        table: dict[str, str] = {}

        def add(spelling: str, unit: str) -> None:
            needle = compact(spelling)
            if len(needle) >= 2:
                table.setdefault(needle, unit)
            if len(needle) >= 4 and needle[0] in "区市":  # 区农业农村局 -> 农业农村局, not 区政府 -> 政府
                table.setdefault(needle[1:], unit)

        for name in unit_names:
            add(name, name)
        for short, full in (aliases or {}).items():  # the clerk's own aliases win over built-ins
            add(short, by_key.get(unit_key(full), full))
        for short, full in BUILTIN_ALIASES.items():
            if unit_key(full) in by_key:
                add(short, by_key[unit_key(full)])
        self._needles = sorted(table.items(), key=lambda item: -len(item[0]))

    def find(self, text: str) -> list[str]:
        haystack = compact(text)
        found: list[str] = []
        i = 0
        while i < len(haystack):
            for needle, unit in self._needles:
                if haystack.startswith(needle, i):
                    if unit not in found:
                        found.append(unit)
                    i += len(needle)
                    break
            else:
                i += 1
        return found


def find_deadline(text: str, *context: str) -> tuple[date | None, str, bool]:
    """The first date in a measure: (deadline, its words, whether the year came from context)."""
    plain = halfwidth(text)
    matches = [m for m in (_FULL_DATE.search(plain), _YEARLESS_DATE.search(plain)) if m]
    if matches:
        match = min(matches, key=lambda m: m.start())
        words = compact(match.group(0))
        hint = next((y for y in map(find_year, (text, *context)) if y), None)
        parsed = parse_date(words, hint)
        if parsed.value is not None or match.re is _YEARLESS_DATE:
            return parsed.value, words, parsed.kind == YEARLESS or parsed.value is None
    if any(word in text for word in _OPEN_WORDS):
        return None, OPEN_TEXT, False
    return None, "", False


def _clean(line: str) -> str:
    line = _BOOKMARK.sub("", line).strip()
    return "" if _PAGE_NO.match(line) else line


Line = tuple[str, bool]  # a cleaned line, and whether it opens a table cell (a leading tab)


def _blocks(text: str) -> list[tuple[int, list[Line]]]:
    """Split the rendering at the 序号 lines; lines before the first one (the title) are dropped."""
    blocks: list[tuple[int, list[Line]]] = []
    for raw in text.splitlines():
        line = _clean(raw)
        if not line:
            continue
        head = _ISSUE_LINE.match(compact(line))
        if head:
            blocks.append((parse_int(head.group(1)) or 0, []))
        elif blocks:
            blocks[-1][1].append((line, _BOOKMARK.sub("", raw).lstrip(" ").startswith("\t")))
    return blocks


def _split_items(lines: list[Line]) -> tuple[list[Line], list[list[str]], list[list[str]]]:
    """A block's lines -> (unnumbered lines before （一）, measures, completions); items are
    [label, line, ...], label "" for an unnumbered completion cell."""
    before: list[Line] = []
    measures: list[list[str]] = []
    completions: list[list[str]] = []
    numbers: list[int] = []
    current: list[list[str]] | None = None
    for line, opens_cell in lines:
        match = _ITEM.match(line)
        number = chinese_int(match.group(1)) if match else None
        if match and number is not None:
            if current is None:
                current = measures
            elif current is measures and number <= numbers[-1]:
                current = completions  # numbering restarts at （一）: the completion column
            elif current is completions and number <= numbers[-1]:
                completions[-1].append(line)  # a third restart: keep it in the last paragraph
                continue
            numbers.append(number)
            current.append([f"（{match.group(1)}）", line[match.end():]])
        elif current is None:
            before.append((line, opens_cell))
        elif current is measures and opens_cell:  # an unnumbered completion cell
            current = completions
            numbers.append(0)
            completions.append(["", line])
        else:
            current[-1].append(line)
    if len(completions) > 1 and not completions[0][0]:  # a lead-in before （一）
        lead_in = completions.pop(0)
        completions[0][1:1] = lead_in[1:]
    return before, measures, completions


def _head(lines: list[Line]) -> tuple[str, str, list[Line]]:
    """The problem and target cells, and the lines after them. Without cell-opening tabs the
    problem and the target are one line each."""
    starts = [i for i, (_, opens_cell) in enumerate(lines) if opens_cell]
    if len(starts) < 2 or starts[0] != 0:
        starts = [0, 1, 2]
    texts = [line for line, _ in lines]
    begin, end = starts[1], min(starts[2] if len(starts) > 2 else len(texts), len(texts))
    if begin < len(texts) and not _ITEM.match(texts[begin]):  # （一） ends the target, tab or not
        end = next((i for i in range(begin, end) if _ITEM.match(texts[i])), end)
    return "\n".join(texts[:begin]), "\n".join(texts[begin:end]), lines[end:]


def _cells(lines: list[Line]) -> list[str]:
    """Unnumbered lines grouped into cells by their leading tabs; one line a cell without tabs."""
    groups: list[list[str]] = []
    for line, opens_cell in lines:
        if opens_cell or not groups:
            groups.append([line])
        else:
            groups[-1].append(line)
    if not any(opens_cell for _, opens_cell in lines):
        groups = [[line] for line, _ in lines]
    return ["\n".join(group) for group in groups]


def _item_text(item: list[str]) -> str:
    return "\n".join(part for part in item[1:] if part).strip()


def parse_seed_text(text: str, unit_names: list[str] | None = None,
                    aliases: dict[str, str] | None = None, *,
                    source: str = "") -> tuple[list[ImportedProblem], list[Finding]]:
    """Parse the text rendering of the problem table; findings say what the clerk must check."""
    finder = UnitFinder(list(unit_names) if unit_names else DISTRICT_UNITS, aliases)
    problems: list[ImportedProblem] = []
    findings: list[Finding] = []
    for issue_no, lines in _blocks(text):
        if not lines:
            continue
        description, target, rest = _head(lines)
        before, measure_items, completion_items = _split_items(rest)
        cells = _cells(before) + ["", ""]
        if measure_items:
            target = "\n".join([target, *cells]).strip()
            bodies = [(chinese_int(item[0].strip("（）")) or n, _item_text(item))
                      for n, item in enumerate(measure_items, start=1)]
            completions = [_item_text(item) for item in completion_items]
            if len(completions) == 1 and not completion_items[0][0]:
                completions *= len(bodies)  # one unnumbered paragraph reports on every measure
        elif cells[0]:  # one unnumbered measure paragraph, then its completion
            bodies = [(1, cells[0])]
            completions = ["\n".join(cells[1:]).strip()]
        else:
            bodies, completions = [], []
        if len(completions) > len(bodies) > 0:  # extra paragraphs: keep them with the last one
            completions[len(bodies) - 1:] = ["\n".join(completions[len(bodies) - 1:])]
        problem = ImportedProblem(issue_no, title_of(description), description, target)
        for index, (measure_no, body) in enumerate(bodies):
            completion = completions[index] if index < len(completions) else ""
            task_id = f"{issue_no}-{measure_no}"
            deadline, words, yearless = find_deadline(body, target, description)
            if yearless:
                findings.append(finding("yearless-date", "import-guessed" if deadline else "import-unknown",
                                        task=task_id, date=deadline, file=source, column=DEADLINE, value=words))
            units = finder.find(body)
            if not units:
                mentioned = "、".join(finder.find(completion))
                findings.append(finding("unknown-unit", "import-unit-in-completion" if mentioned else "import-without-unit",
                                        task=task_id, mentioned=mentioned, file=source, column=UNIT, value=body[:30]))
            problem.measures.append(ImportedMeasure(
                measure_no, body, deadline, words if deadline or words == OPEN_TEXT else "",
                units, completion))
        problems.append(problem)
    return problems, findings


_HEADER_WORDS = {"序号", "问题", "整改目标", "整改措施", "整改完成情况", "完成情况", "反馈问题"}


_CN_DIGITS = "零一二三四五六七八九"


def _chinese_numeral(n: int) -> str:
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = ("" if tens < 2 else _CN_DIGITS[tens]) + ("十" if tens else "")
    return head + (_CN_DIGITS[ones] if ones else "")


def read_docx(path: Path) -> str:
    """Render the docx's problem table(s) in the text shape parse_seed_text reads."""
    try:
        import docx  # python-docx
    except ImportError as exc:  # pragma: no cover
        raise IssueListError("读取 .docx 需要 python-docx，请先安装：pip install python-docx") from exc
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # corrupt, encrypted, or not a Word file
        raise IssueListError(f"无法读取 {Path(path).name}：不是有效的 .docx 文件。"
                             f"如果是 .doc，请在 Word 中另存为 .docx 后重试") from exc
    rows: list[tuple[int, list[list[str]]]] = []  # issue number, 4 columns of paragraphs
    for table in document.tables:
        taken: list[object] = []  # merged cells repeat in python-docx: read each once
        for row in table.rows:
            cells: list = []
            for cell in row.cells:
                if not any(cell._tc is c._tc for c in cells):
                    cells.append(cell)
            if len(cells) < 5:
                continue
            texts = [compact(c.text) for c in cells[:5]]
            if sum(t in _HEADER_WORDS for t in texts) >= 3:
                continue
            number = parse_int(texts[0])
            columns = [[] if any(c._tc is t for t in taken) else [p.text for p in c.paragraphs]
                       for c in cells[1:5]]
            taken.extend(c._tc for c in cells)
            if number is None or (rows and number == rows[-1][0]):
                if rows:  # a row continued over a page, or a vertically merged 序号
                    for kept, more in zip(rows[-1][1], columns, strict=False):
                        kept.extend(more)
                continue
            rows.append((number, columns))
    out: list[str] = []
    for number, columns in rows:
        out.append(f"\t序号{_chinese_numeral(number)}")
        for column in columns:  # a leading tab marks where a cell begins, as in the seed
            lines = [line for p in column for line in map(_clean, p.splitlines()) if line]
            out += [("\t" if i == 0 else "") + line for i, line in enumerate(lines)] + [""]
    return "\n".join(out) + "\n"


def import_file(
    path: Path, unit_names: list[str] | None = None, aliases: dict[str, str] | None = None
) -> tuple[list[ImportedProblem], list[Finding]]:
    """Import a .txt rendering or a .docx holding the problem table."""
    path = Path(path)
    if not path.is_file():
        raise IssueListError(f"找不到要导入的文件 {path}，请检查路径")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        text = read_docx(path)
    elif suffix == ".txt":
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:  # Chinese Windows saves text as GBK
            text = data.decode("gb18030", errors="replace")
    elif suffix == ".doc":
        raise IssueListError(f"{path.name} 是旧版 Word 文件，请在 Word 中另存为 .docx 后重试")
    else:
        raise IssueListError(f"不支持导入 {suffix or '无扩展名'} 文件 {path.name}，请提供 .docx 或 .txt")
    problems, findings = parse_seed_text(text, unit_names, aliases, source=path.name)
    if not problems:
        raise IssueListError(f"{path.name} 中没有找到“序号”开头的问题，请确认是“序号｜问题｜整改目标｜整改措施｜整改完成情况”表格")
    return problems, findings


def to_tasks(problems: list[ImportedProblem]) -> list[Task]:
    """One Task per measure, task_id "问题序号-措施序号", rows 2.. in order."""
    tasks: list[Task] = []
    for problem in problems:
        for measure in problem.measures:
            tasks.append(Task(
                task_id=f"{problem.issue_no}-{measure.measure_no}", issue_no=problem.issue_no,
                issue_title=problem.title, measure_no=measure.measure_no, measure=measure.text,
                units=tuple(measure.units), deadline=measure.deadline,
                deadline_text=measure.deadline_text, target=problem.target,
                description=problem.description, row=len(tasks) + 2,
            ))
    return tasks


_WIDTHS = {"任务编号": 9, "问题序号": 9, "问题标题": 24, "措施序号": 9, "整改措施": 60,
           "责任单位": 22, "完成时限": 12, "整改目标": 36, "问题描述": 60}


def write_issue_list(tasks: list[Task], path: Path) -> None:
    """Write issues.xlsx (sheet 问题清单) with XlsxWriter; text always as text, never formulas."""
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    path = Path(path)
    try:
        handle, temp = tempfile.mkstemp(suffix=".xlsx", prefix=".~issues-", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"无法在 {path.parent} 中写入文件，请检查该文件夹是否存在、是否有写权限") from exc
    os.close(handle)
    try:
        book = xlsxwriter.Workbook(temp, {"strings_to_formulas": False, "strings_to_urls": False,
                                          "strings_to_numbers": False})
        sheet = book.add_worksheet(SHEET)
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                "align": "center", "valign": "vcenter"})
        wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
        centre = book.add_format({"valign": "top", "align": "center", "border": 1})
        day = book.add_format({"num_format": "yyyy-mm-dd", "valign": "top", "align": "center",
                               "border": 1})
        for col, name in enumerate(COLUMNS):
            sheet.write_string(0, col, name, head)
            sheet.set_column(col, col, _WIDTHS[name])
        for row, task in enumerate(tasks, start=1):
            texts = [task.task_id, None, task.issue_title, None, task.measure, "、".join(task.units),
                     None, task.target, task.description]
            for col, text in enumerate(texts):
                if text is not None:
                    fmt = centre if col == 0 else wrap
                    sheet.write_string(row, col, strip_control(text)[0], fmt)
            sheet.write_number(row, 1, task.issue_no, centre)
            sheet.write_number(row, 3, task.measure_no, centre)
            if task.deadline:
                when = datetime(task.deadline.year, task.deadline.month, task.deadline.day)
                sheet.write_datetime(row, 6, when, day)
            elif parse_date(task.deadline_text).kind == OPEN:
                sheet.write_string(row, 6, OPEN_TEXT, centre)
            else:
                sheet.write_blank(row, 6, None, centre)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(tasks), 1), len(COLUMNS) - 1)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
        book.close()
        os.replace(temp, path)
    except (OSError, FileCreateError) as exc:
        raise OutputError(f"{path} 无法写入（可能被其他程序占用或没有写权限），请关闭后重试") from exc
    finally:
        Path(temp).unlink(missing_ok=True)  # gone already after a successful replace
