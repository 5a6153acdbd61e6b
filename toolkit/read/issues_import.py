"""`toolkit issues import`: an upper office's rectification table → issues.xlsx.

What offices send: Word (.docx; .doc/.wps through LibreOffice), Excel (.xlsx/.xlsm/.xls, .et through
LibreOffice), .ods/.csv, and the text rendering of the seed's Word table (.txt). A Word table of exactly
the seed's five columns goes through the text reader (read/import_text.py); every other table is read by
column role (read/import_table.py). The source's title and columns are kept on a hidden sheet of
issues.xlsx (words.LAYOUT_SHEET) for `toolkit report`.
"""

from __future__ import annotations

import io
import os
import tempfile
from datetime import date, datetime
from pathlib import Path

from toolkit.core.dates import IMMEDIATE, OPEN, parse_date
from toolkit.core.defaults import DEFAULT_IMPORT_HEADERS
from toolkit.core.errors import IssueListError, OutputError, ReadError
from toolkit.core.model.imported import ImportedMeasure, ImportedProblem, ImportedTable
from toolkit.core.model.issue_list import COLUMNS, DEFAULT_LAYOUT_COLUMNS, SHEET, SourceLayout, Task
from toolkit.core.normalize import cell_text, compact, strip_control
from toolkit.core.words import LAYOUT_SHEET
from toolkit.read.import_table import MEASURE, PROBLEM, Options, RoleMap, find_header, read_table
from toolkit.read.import_text import (
    OPEN_TEXT,
    UnitFinder,
    find_deadline,
    parse_seed_text,
    render_docx,
)
from toolkit.read.issue_list import LAYOUT_COLUMN, LAYOUT_DATE, LAYOUT_FILE, LAYOUT_TITLE

__all__ = [
    "ImportedMeasure",
    "ImportedProblem",
    "UnitFinder",
    "find_deadline",
    "import_file",
    "import_table",
    "parse_seed_text",
    "read_docx",
    "to_tasks",
    "write_issue_list",
]

WORD = (".docx", ".docm")
SHEETS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
CONVERTED = (".doc", ".wps", ".rtf", ".odt", ".et", ".ett")
TEXT = (".txt",)
SEED_ROLES = {"序号", "问题", "整改目标", "整改措施", "整改完成情况"}  # the seed's own five columns


def import_file(
    path: Path,
    unit_names: list[str] | None = None,
    aliases: dict[str, str] | None = None,
    headers: dict[str, list[str]] | None = None,
) -> tuple[list[ImportedProblem], list]:
    """(problems, findings) of a table file; see import_table for the whole reading."""
    table = import_table(path, unit_names, aliases, headers)
    return table.problems, table.findings


def import_table(
    path: Path,
    unit_names: list[str] | None = None,
    aliases: dict[str, str] | None = None,
    headers: dict[str, list[str]] | None = None,
) -> ImportedTable:
    """Read an upper office's table: problems, findings, its layout, and every cell not placed.
    Raises IssueListError with one line for the clerk when the file cannot be read or holds no table."""
    path = Path(path)
    if not path.is_file():
        raise IssueListError(f"找不到要导入的文件 {path}，请检查路径")
    suffix = path.suffix.lower()
    options = Options(path.name, list(unit_names or []), dict(aliases or {}))
    roles = RoleMap(headers or DEFAULT_IMPORT_HEADERS)
    try:
        if suffix in TEXT:
            table = _from_text(path, options)
        elif suffix in WORD or (suffix in CONVERTED and suffix not in (".et", ".ett")):
            table = _from_word(path, roles, options)
        elif suffix in SHEETS or suffix in (".et", ".ett"):
            table = _from_sheets(path, roles, options)
        else:
            raise IssueListError(
                f"不支持导入 {suffix or '无扩展名'} 文件 {path.name}，请提供 .docx、.xlsx、.xls、.et、"
                ".ods、.doc、.wps 或 .txt"
            )
    except ReadError as exc:
        raise IssueListError(f"无法读取 {path.name}：{exc.message}") from exc
    if not table.problems:
        raise IssueListError(
            f"{path.name} 中没有找到问题表格：需要一行表头，写明“问题”（或反馈问题、存在问题）和"
            "“整改措施”等列；或“序号｜问题｜整改目标｜整改措施｜整改完成情况”的文本"
        )
    return table


def _from_text(path: Path, options: Options) -> ImportedTable:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # Chinese Windows saves text as GBK
        text = data.decode("gb18030", errors="replace")
    problems, findings = parse_seed_text(
        text, options.unit_names, options.aliases, source=path.name
    )
    title = next((line.strip() for line in text.splitlines() if line.strip()), "")
    title = "" if title.replace(" ", "").startswith("序号") else title
    return ImportedTable(problems, findings, SourceLayout(title, path.name, DEFAULT_LAYOUT_COLUMNS))


def _open_word(path: Path) -> object:
    import docx  # python-docx

    if path.suffix.lower() in CONVERTED:
        from toolkit.read.convert import convert

        source: object = io.BytesIO(convert(path))
    else:
        source = str(path)
    try:
        return docx.Document(source)
    except Exception as exc:  # corrupt, encrypted, or not a Word file
        raise IssueListError(
            f"无法读取 {path.name}：不是有效的 .docx 文件。"
            f"如果是 .doc 或 .wps，请在 WPS/Word 中另存为 .docx 后重试"
        ) from exc


def read_docx(path: Path) -> str:
    """The seed-shaped Word table of a .docx rendered as the text form (kept for the text reader)."""
    return render_docx(_open_word(Path(path)))


def word_rows(table: object) -> list[list[str]]:
    """A Word table as rows of cell texts: a cell merged across columns keeps its text in the first
    column only; one merged down keeps it in every row (the repeated shape)."""
    from docx.oxml.ns import qn

    paragraph, text = qn("w:p"), qn("w:t")
    rows: list[list[str]] = []
    for row in table.rows:
        cells = row.cells
        rows.append(
            [
                ""
                if j and cells[j]._tc is cells[j - 1]._tc
                else "\n".join(
                    "".join(t.text or "" for t in p.iter(text)) for p in cell._tc.iter(paragraph)
                )
                for j, cell in enumerate(cells)
            ]
        )
    return rows


def _title(lines: list[str]) -> str:
    return next(
        (t.strip() for t in lines if t.strip() and not compact(t).startswith(("附件", "附表"))), ""
    )


def _from_word(path: Path, roles: RoleMap, options: Options) -> ImportedTable:
    document = _open_word(path)
    title = _title([p.text for p in document.paragraphs[:8]])
    rows: list[list[str]] = []
    header = None
    width = 0
    for table in document.tables:
        table_rows = word_rows(table)
        if header is None:
            header = find_header(table_rows, roles)
            if header is not None:
                rows, width = table_rows, len(table_rows[header.row])
                title = title or _title([c for r in table_rows[: header.row] for c in r])
        elif table_rows and len(table_rows[0]) == width:  # the table continued after a page break
            rows += table_rows
    if (
        header is None or {r for r in header.roles if r} <= SEED_ROLES
    ):  # the seed's own table: the text reader aligns it
        problems, findings = parse_seed_text(
            render_docx(document), options.unit_names, options.aliases, source=path.name
        )
        columns = (
            tuple(
                (n, r or "其他") for n, r in zip(header.names, header.roles, strict=True) if n or r
            )
            if header
            else DEFAULT_LAYOUT_COLUMNS
        )  # a table without a header row: the seed's columns
        return ImportedTable(problems, findings, SourceLayout(title, path.name, columns))
    table = read_table(rows, header, title, options)
    return table


def _from_sheets(path: Path, roles: RoleMap, options: Options) -> ImportedTable:
    from toolkit.read.grid import fill_merged
    from toolkit.read.sheets import read_grids

    if path.suffix.lower() in (".et", ".ett"):
        from toolkit.read.convert import convert

        grids = read_grids(path.with_suffix(".xlsx"), convert(path))
    else:
        grids = read_grids(path)
    for grid in grids:
        if grid.hidden:
            continue
        fill_merged(grid)
        rows = [[cell_text(v) for v in row] for row in grid.rows]
        header = find_header(rows, roles)
        if header is not None and any(r in (PROBLEM, MEASURE) for r in header.roles):
            title = _title([c for r in rows[: header.row] for c in r]) or grid.name
            return read_table(rows, header, title, options)
    return ImportedTable([])


def to_tasks(problems: list[ImportedProblem]) -> list[Task]:
    """One Task per measure, task_id "问题序号-措施序号", rows 2.. in order."""
    tasks: list[Task] = []
    for problem in problems:
        for measure in problem.measures:
            tasks.append(
                Task(
                    task_id=f"{problem.issue_no}-{measure.measure_no}",
                    issue_no=problem.issue_no,
                    issue_title=problem.title,
                    measure_no=measure.measure_no,
                    measure=measure.text,
                    units=tuple(measure.units),
                    deadline=measure.deadline,
                    deadline_text=measure.deadline_text,
                    target=problem.target,
                    description=problem.description,
                    row=len(tasks) + 2,
                )
            )
    return tasks


_WIDTHS = {
    "任务编号": 9,
    "问题序号": 9,
    "问题标题": 24,
    "措施序号": 9,
    "整改措施": 60,
    "责任单位": 22,
    "完成时限": 12,
    "整改目标": 36,
    "问题描述": 60,
}


def write_issue_list(
    tasks: list[Task],
    path: Path,
    layout: SourceLayout | None = None,
    support: dict[str, list[str]] | None = None,
    imported: date | None = None,
) -> None:
    """Write issues.xlsx (sheet 问题清单) with XlsxWriter; text always as text, never formulas. With a
    layout, the source's title, file and columns go on the hidden sheet words.LAYOUT_SHEET, with the
    import date (which dates 立行立改). `support` names each task's 配合 units: its 责任单位 is then
    written "A（牵头）、B（配合）"."""
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    path = Path(path)
    try:
        handle, temp = tempfile.mkstemp(suffix=".xlsx", prefix=".~issues-", dir=path.parent)
    except OSError as exc:
        raise OutputError(
            f"无法在 {path.parent} 中写入文件，请检查该文件夹是否存在、是否有写权限"
        ) from exc
    os.close(handle)
    try:
        book = xlsxwriter.Workbook(
            temp,
            {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
        )
        sheet = book.add_worksheet(SHEET)
        head = book.add_format(
            {
                "bold": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "text_wrap": True,
                "align": "center",
                "valign": "vcenter",
            }
        )
        wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
        centre = book.add_format({"valign": "top", "align": "center", "border": 1})
        day = book.add_format(
            {"num_format": "yyyy-mm-dd", "valign": "top", "align": "center", "border": 1}
        )
        for col, name in enumerate(COLUMNS):
            sheet.write_string(0, col, name, head)
            sheet.set_column(col, col, _WIDTHS[name])
        for row, task in enumerate(tasks, start=1):
            _write_task(
                sheet,
                row,
                task,
                (support or {}).get(task.task_id, []),
                layout is not None,
                {"wrap": wrap, "centre": centre, "day": day},
            )
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(tasks), 1), len(COLUMNS) - 1)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
        if layout is not None:
            _write_layout(book, layout, imported or date.today())
        book.close()
        os.replace(temp, path)
    except (OSError, FileCreateError) as exc:
        raise OutputError(
            f"{path} 无法写入（可能被其他程序占用或没有写权限），请关闭后重试"
        ) from exc
    finally:
        Path(temp).unlink(missing_ok=True)  # gone already after a successful replace


def _write_task(
    sheet: object,
    row: int,
    task: Task,
    support: list[str],
    keep_words: bool,
    formats: dict[str, object],
) -> None:
    """One task's row of 问题清单; with keep_words (an import), deadline words other than dates and
    长期坚持 are written as they were (立行立改, or an unreadable cell load_issue_list reports)."""
    texts = [
        task.task_id,
        None,
        task.issue_title,
        None,
        task.measure,
        unit_cell(task.units, support),
        None,
        task.target,
        task.description,
    ]
    for col, text in enumerate(texts):
        if text is not None:
            fmt = formats["centre"] if col == 0 else formats["wrap"]
            sheet.write_string(row, col, strip_control(text)[0], fmt)
    sheet.write_number(row, 1, task.issue_no, formats["centre"])
    sheet.write_number(row, 3, task.measure_no, formats["centre"])
    if task.deadline:
        when = datetime(task.deadline.year, task.deadline.month, task.deadline.day)
        sheet.write_datetime(row, 6, when, formats["day"])
    elif parse_date(task.deadline_text).kind == OPEN:  # 长期坚持, 每月, 立行立改，长期坚持 …
        sheet.write_string(
            row, 6, task.deadline_text if keep_words else OPEN_TEXT, formats["centre"]
        )
    elif task.deadline_text and keep_words:  # 立行立改, or words kept for the clerk to fix
        kind = parse_date(task.deadline_text).kind
        sheet.write_string(
            row, 6, "立行立改" if kind == IMMEDIATE else task.deadline_text, formats["centre"]
        )
    else:
        sheet.write_blank(row, 6, None, formats["centre"])


def unit_cell(units: tuple[str, ...] | list[str], support: list[str]) -> str:
    """The 责任单位 cell: names joined by 、, marked （牵头）/（配合） when some units assist."""
    if not support:
        return "、".join(units)
    return "、".join(f"{u}（配合）" if u in support else f"{u}（牵头）" for u in units)


def _write_layout(book: object, layout: SourceLayout, imported: date) -> None:
    sheet = book.add_worksheet(LAYOUT_SHEET)
    rows = [
        ["项目", "内容", "角色"],
        [LAYOUT_TITLE, layout.title, ""],
        [LAYOUT_FILE, layout.file, ""],
        [LAYOUT_DATE, imported.isoformat(), ""],
    ]
    rows += [[LAYOUT_COLUMN, name, role] for name, role in layout.columns]
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            sheet.write_string(r, c, strip_control(value)[0])
    sheet.set_column(1, 1, 40)
    sheet.hide()


def supports(problems: list[ImportedProblem]) -> dict[str, list[str]]:
    """Task id → its 配合 units, for the tasks that have some."""
    return {
        f"{p.issue_no}-{m.measure_no}": list(m.support)
        for p in problems
        for m in p.measures
        if m.support
    }


def summary_lines(table: ImportedTable, tasks: list[Task]) -> list[str]:
    """What the import understood, for the clerk: columns, problems, measures, units, deadlines, and
    every cell it could not place."""
    lines: list[str] = []
    if table.layout is not None:
        if table.layout.title:
            lines.append(f"标题：{table.layout.title}")
        mapped = [f"{name}→{role}" for name, role in table.layout.columns]
        lines.append(f"列（{len(mapped)}）：{'；'.join(mapped)}")
    lines.append(f"问题 {len(table.problems)} 个，整改措施 {len(tasks)} 项")
    units: dict[str, int] = {}
    for task in tasks:
        for unit in task.units:
            units[unit] = units.get(unit, 0) + 1
    shown = "、".join(f"{u}（{n}）" for u, n in list(units.items())[:40])
    more = f" ……共 {len(units)} 个" if len(units) > 40 else ""
    lines.append(f"责任单位 {len(units)} 个：{shown or '无'}{more}")
    no_unit = [t.task_id for t in tasks if not t.units]
    if no_unit:
        lines.append(
            f"没有责任单位的措施 {len(no_unit)} 项：{'、'.join(no_unit[:30])}（请在 issues.xlsx 中补填）"
        )
    dated = sum(1 for t in tasks if t.deadline)
    kinds = [parse_date(t.deadline_text).kind for t in tasks if not t.deadline]
    lines.append(
        f"完成时限：有日期 {dated} 项，立行立改 {kinds.count(IMMEDIATE)} 项，长期 {kinds.count(OPEN)} 项，"
        f"未写或无法识别 {len(kinds) - kinds.count(IMMEDIATE) - kinds.count(OPEN)} 项"
    )
    if table.unplaced:
        lines.append(f"未能放入问题清单的单元格 {len(table.unplaced)} 处：")
        lines += [f"  {line}" for line in table.unplaced]
    return lines
