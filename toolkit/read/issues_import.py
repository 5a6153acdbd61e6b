"""`toolkit issues import`: an upper office's rectification table → issues.xlsx.

What offices send: Word (.docx; .doc/.wps through LibreOffice), Excel (.xlsx/.xlsm/.xls, .et through
LibreOffice), .ods/.csv, and the text rendering of the seed's Word table (.txt). A Word table of exactly
the seed's five columns goes through the text reader (read/import_text.py); every other table is read by
column role (read/import_header.py, read/import_table.py). The problems become the issue list's tasks
here; write/issue_list.py writes them, with the source's title and columns kept on a hidden sheet of
issues.xlsx (words.LAYOUT_SHEET) for `toolkit report`.
"""

from __future__ import annotations

import io
from pathlib import Path

from toolkit.core.dates import IMMEDIATE, OPEN, parse_date
from toolkit.core.defaults import DEFAULT_IMPORT_HEADERS
from toolkit.core.errors import IssueListError, ReadError
from toolkit.core.model.imported import ImportedProblem, ImportedTable
from toolkit.core.model.issue_list import DEFAULT_LAYOUT_COLUMNS, SourceLayout, Task
from toolkit.core.normalize import cell_text, compact
from toolkit.core.words import MEASURE, ROLE_NO, ROLE_PROBLEM, ROLE_PROGRESS, TARGET
from toolkit.read.import_header import RoleMap, find_header
from toolkit.read.import_table import Options, read_table
from toolkit.read.import_text import parse_seed_text, render_docx

WORD = (".docx", ".docm")


SHEETS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")


CONVERTED = (".doc", ".wps", ".rtf", ".odt", ".et", ".ett")


TEXT = (".txt",)


# the seed's own five columns
SEED_ROLES = {ROLE_NO, ROLE_PROBLEM, TARGET, MEASURE, ROLE_PROGRESS}


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
        if header is not None and any(r in (ROLE_PROBLEM, MEASURE) for r in header.roles):
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
                    leader=measure.leader,
                )
            )
    return tasks


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
