"""An upper office's rectification table, its rows grouped into problems and measures once its header
has given each column a role (read.import_header): 序号 | 问题 | 整改目标 | 整改措施 | 责任单位 | 责任领导 |
完成时限 | 整改完成情况. Each cell's numbered items and unit names are read by read.import_cells.

Both shapes offices send: one row per problem whose 整改措施 cell holds every measure (numbered （一）, (1),
1., 1、, ①, 一是, 第一, or plain paragraphs), and one row per measure with the problem's cells merged down,
repeated, or left blank under the first. Units come from the table's own 责任单位 columns only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from toolkit.core.dates import BLANK, IMMEDIATE, INVALID, OPEN, YEARLESS, find_year, parse_date
from toolkit.core.findings import finding
from toolkit.core.model.imported import ImportedMeasure, ImportedProblem, ImportedTable
from toolkit.core.model.issue_list import SourceLayout, title_of
from toolkit.core.normalize import clean_header, column_letter, parse_int
from toolkit.core.words import (
    DEADLINE,
    MEASURE,
    ROLE_LEADER,
    ROLE_NO,
    ROLE_PROBLEM,
    ROLE_PROGRESS,
    TARGET,
    UNIT,
)
from toolkit.read.import_cells import leading_number, parse_units, split_items
from toolkit.read.import_header import Header
from toolkit.read.import_text import OPEN_TEXT, UnitFinder, find_deadline


@dataclass
class Options:
    source: str = ""
    unit_names: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    year: int | None = (
        None  # the first year the table's deadlines name: the year of 年底前, 6月中旬
    )


def read_table(
    rows: list[list[str]], header: Header, title: str, options: Options
) -> ImportedTable:
    """The problems of one table whose header was found; every cell it could not place is listed."""
    result = ImportedTable(
        [],
        layout=SourceLayout(
            title,
            options.source,
            tuple(
                (name or f"第{column_letter(i)}列", role or "其他")
                for i, (name, role) in enumerate(zip(header.names, header.roles, strict=True))
                if name or role
            ),
        ),
    )
    groups = _group(rows, header, result)
    table_units = [
        u
        for group in groups
        for r in group
        for c in header.columns(UNIT)
        for u in sum(parse_units(_cell(r, c)), [])
    ]
    finder = UnitFinder(list(dict.fromkeys([*table_units, *options.unit_names])), options.aliases)
    options.year = next(
        (
            y
            for g in groups
            for r in g
            for c in header.columns(DEADLINE)
            if (y := find_year(_cell(r, c)))
        ),
        None,
    )
    used: set[int] = set()
    for number, group in enumerate(groups, start=1):
        problem = _problem(group, header, number, used)
        _measures(problem, group, header, finder, options, result)
        result.problems.append(problem)
    return result


def _cell(row: list[str], col: int) -> str:
    return row[col].strip() if col < len(row) and row[col] is not None else ""


def _joined(row: list[str], cols: list[int]) -> str:
    return "\n".join(dict.fromkeys(t for t in (_cell(row, c) for c in cols) if t))


def _group(rows: list[list[str]], header: Header, result: ImportedTable) -> list[list[list[str]]]:
    """The data rows grouped by problem: a new problem where the 序号 or 问题 cell changes."""
    number_cols, problem_cols = header.columns(ROLE_NO)[:1], header.columns(ROLE_PROBLEM)
    header_keys = [clean_header(n) for n in header.names]
    groups: list[list[list[str]]] = []
    current: tuple[str, str] | None = None  # the (序号, 问题) of the problem being read
    for index in range(header.row + 1, len(rows)):
        row = [("" if v is None else str(v)) for v in rows[index]]
        number, problem = _joined(row, number_cols), _joined(row, problem_cols)
        if not _is_data_row(row, index, header, header_keys, number, problem, result):
            continue
        if current is None or _opens_problem(number, problem, current, bool(problem_cols)):
            groups.append([])
            current = (number, problem)
        elif number and not current[0]:
            current = (number, current[1])
        groups[-1].append(row)
    return groups


def _is_data_row(
    row: list[str],
    index: int,
    header: Header,
    header_keys: list[str],
    number: str,
    problem: str,
    result: ImportedTable,
) -> bool:
    """False for a row that belongs to no problem: blank, the header repeated on a new page, a category
    title, or text under no recognised column (the last two are listed as not placed); the cells of a
    data row beside the table, under no header, are listed too."""
    texts = [t.strip() for t in row]
    filled = [t for t in texts if t]
    if not filled or [clean_header(t) for t in texts[: len(header_keys)]] == header_keys:
        return False  # blank, or the header repeated on a new page
    if len(set(filled)) == 1 and (
        len(filled) > 1 or (number and parse_int(number) is None and not problem)
    ):
        result.unplaced.append(f"第 {index + 1} 行（分类标题，已跳过）：{filled[0][:40]}")
        return False
    if not any(t and i < len(header.roles) and header.roles[i] for i, t in enumerate(texts)):
        result.unplaced.append(f"第 {index + 1} 行（不在任何已识别的列中）：{filled[0][:40]}")
        return False
    result.unplaced += [
        f"第 {index + 1} 行 {column_letter(i)} 列（表头之外）：{text[:40]}"
        for i, text in enumerate(texts)
        if text and _beside(i, header)
    ]
    return True


def _beside(col: int, header: Header) -> bool:
    """A column beside the table: past its last header, or with neither a header nor a role."""
    return col >= len(header.roles) or (not header.roles[col] and not header.names[col].strip())


def _opens_problem(
    number: str, problem: str, current: tuple[str, str], has_problem_column: bool
) -> bool:
    """Whether a data row starts a new problem after the one whose (序号, 问题) is `current`: its 问题
    changes, or its 序号 changes where there is no 问题 to tell (no such column, or both left blank)."""
    last_number, last_problem = current
    if problem and problem != last_problem:
        return True
    new_number = bool(number) and number != last_number
    return new_number and (not has_problem_column or (not problem and not last_problem))


def _problem(
    group: list[list[str]], header: Header, fallback: int, used: set[int]
) -> ImportedProblem:
    numbers = {
        n
        for n in (parse_int(_joined(r, header.columns(ROLE_NO)[:1])) for r in group)
        if n is not None
    }
    issue_no = numbers.pop() if len(numbers) == 1 else fallback
    if issue_no in used or issue_no <= 0:
        issue_no = max(used | {0}) + 1
    used.add(issue_no)
    description = next(
        (t for t in (_joined(r, header.columns(ROLE_PROBLEM)) for r in group) if t), ""
    )
    target = "\n".join(
        dict.fromkeys(t for t in (_joined(r, header.columns(TARGET)) for r in group) if t)
    )
    first_line = description.split("\n", 1)[0]
    return ImportedProblem(issue_no, title_of(first_line), description, target)


def _aligned(texts: list[str], count: int) -> list[str] | None:
    """A shared cell split to match `count` measures, or None when its items do not line up."""
    if len(texts) != 1 or count < 2:
        return None
    items = split_items(texts[0])
    return [body for _, body in items] if len(items) == count and all(n for n, _ in items) else None


def _measure_texts(
    problem: ImportedProblem, group: list[list[str]], header: Header
) -> tuple[bool, list[list[str]], list[tuple[int | None, str]]]:
    """(one measure per row?, the row of each measure, each measure's (number, text)): a measure per
    row where the problem's rows hold different 整改措施 cells, else the items of its one cell (or of
    its description, in a table without a 整改措施 column)."""
    measure_cols = header.columns(MEASURE)
    cells = [_joined(r, measure_cols) for r in group] if measure_cols else [problem.description]
    distinct = list(dict.fromkeys(c for c in cells if c))
    if len(distinct) > 1:
        firsts = {c: r for r, c in reversed(list(zip(group, cells, strict=True))) if c}
        return True, [firsts[c] for c in distinct], [leading_number(c) for c in distinct]
    return False, [group[0]], split_items(distinct[0]) if distinct else []


def _measures(
    problem: ImportedProblem,
    group: list[list[str]],
    header: Header,
    finder: UnitFinder,
    options: Options,
    result: ImportedTable,
) -> None:
    per_row, rows, bodies = _measure_texts(problem, group, header)
    numbers = [n for n, _ in bodies]
    consecutive = numbers == list(range(1, len(bodies) + 1))
    column = {
        role: [_joined(r, header.columns(role)) for r in (rows if per_row else group[:1])]
        for role in (DEADLINE, ROLE_LEADER, ROLE_PROGRESS)
    }
    shared = {role: _aligned(values, len(bodies)) for role, values in column.items()}
    context = (problem.target, problem.description)
    for index, (label, body) in enumerate(bodies):
        row = rows[index] if per_row else group[0]
        measure_no = label if consecutive and label else index + 1
        task_id = f"{problem.issue_no}-{measure_no}"

        def value(role: str, idx: int = index) -> tuple[str, bool]:
            if shared[role] is not None:
                return shared[role][idx], True
            values = column[role]
            text = (values[idx] if per_row else values[0]) if values else ""
            return (leading_number(text)[1] if per_row and role == ROLE_PROGRESS else text), per_row

        deadline_text, aligned = value(DEADLINE)
        deadline, words = _deadline(deadline_text, body, aligned, context, task_id, options, result)
        lead, support = _units(row, group, header, body, per_row, len(bodies), index, finder)
        if not lead and not support:
            result.findings.append(
                finding(
                    "unknown-unit",
                    "import-table-without-unit",
                    task=task_id,
                    file=options.source,
                    column=UNIT,
                    value=body[:30],
                )
            )
        problem.measures.append(
            ImportedMeasure(
                measure_no,
                body,
                deadline,
                words,
                [*lead, *support],
                value(ROLE_PROGRESS)[0],
                support,
                value(ROLE_LEADER)[0],
            )
        )


def _units(
    row: list[str],
    group: list[list[str]],
    header: Header,
    body: str,
    per_row: bool,
    count: int,
    index: int,
    finder: UnitFinder,
) -> tuple[list[str], list[str]]:
    """A measure's (lead, support): its row's 责任单位 cells, else the problem's; in a shared cell, the
    units its text names when it names some, or the aligned item when the cell is numbered alike."""

    def read(source: list[str], item: int | None = None) -> tuple[list[str], list[str]]:
        lead: list[str] = []
        support: list[str] = []
        for col in header.columns(UNIT):
            text = _cell(source, col)
            if item is not None:
                split = _aligned([text], count)
                text = split[item] if split else text
            one, two = parse_units(text, col in header.support)
            lead += [u for u in one if u not in lead]
            support += [u for u in two if u not in support and u not in lead]
        return lead, support

    lead, support = read(row, None if per_row else index)
    if not lead and not support:
        lead, support = next(
            (found for found in (read(r) for r in group) if found[0] or found[1]), ([], [])
        )
    if not per_row and len(lead) + len(support) > 1:
        named = [u for u in finder.find(body) if u in lead or u in support]
        if named:
            lead, support = [u for u in named if u in lead], [u for u in named if u in support]
            if not lead:
                lead, support = support[:1], support[1:]
    if not lead and not support:
        lead = finder.find(body)
    return lead, support


def _deadline(
    cell: str,
    body: str,
    aligned: bool,
    context: tuple[str, str],
    task_id: str,
    options: Options,
    result: ImportedTable,
) -> tuple[date | None, str]:
    """(deadline, the words kept in 完成时限): the aligned cell first, then a date in the measure text,
    then the shared cell; 立行立改 and standing words are kept as words; an unreadable cell is kept as
    written (load_issue_list then makes it a finding) and listed among the cells not placed."""
    hint = next((y for y in map(find_year, (cell, body, *context)) if y), options.year)
    in_text, text_words, _ = find_deadline(body, *context)
    written = " ".join(cell.split())
    if cell and (aligned or not text_words):
        parsed = parse_date(cell, hint)
        if parsed.kind in (IMMEDIATE, OPEN):
            return None, written
        if parsed.value is not None:
            if parsed.kind == YEARLESS:
                result.findings.append(
                    finding(
                        "yearless-date",
                        "import-guessed",
                        task=task_id,
                        date=parsed.value.isoformat(),
                        file=options.source,
                        column=DEADLINE,
                        value=cell,
                    )
                )
            return parsed.value, written
        if parsed.kind == INVALID and not text_words:
            found, words, _ = find_deadline(cell, *context)
            if found or words:
                return found, words
            result.unplaced.append(
                f"任务 {task_id} 的完成时限（无法识别，已照录，请改为日期）：{cell[:40]}"
            )
            return None, written
        if parsed.kind != BLANK and not text_words:
            return None, written
    if in_text or text_words == OPEN_TEXT:
        return in_text, text_words
    if (
        not cell and context[0]
    ):  # no 完成时限 for it: a date in the problem's 整改目标 (2025年12月31日前……)
        in_target, words, _ = find_deadline(context[0], context[1])
        if in_target:
            return in_target, words
    return None, ""
