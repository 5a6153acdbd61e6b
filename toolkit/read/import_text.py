"""The text form of the feedback-problem table (序号 | 问题 | 整改目标 | 整改措施 | 整改完成情况).

The text shape is what a Word table looks like once rendered as plain text: a line "序号十三"
opens a problem; its non-empty lines are the problem, the target, the measures （一）（二）… and the
completion paragraphs, which restart at （一） and align one-to-one with the measures. A Word table of
exactly these five columns is rendered to this shape (render_rows) and read the same way.
"""

from __future__ import annotations

import re
from datetime import date

from toolkit.core.dates import YEARLESS, arabic_dates, find_year, parse_date
from toolkit.core.findings import Finding, finding
from toolkit.core.model.imported import ImportedMeasure, ImportedProblem
from toolkit.core.model.issue_list import title_of, unit_key
from toolkit.core.normalize import chinese_int, compact, halfwidth, parse_int
from toolkit.core.words import (
    DEADLINE,
    MEASURE,
    ROLE_NO,
    ROLE_PROBLEM,
    ROLE_PROGRESS,
    STATUS_LONG_TERM,
    TARGET,
    UNIT,
)

OPEN_TEXT = STATUS_LONG_TERM


_OPEN_WORDS = (STATUS_LONG_TERM, "常态化", "长期执行")


_ISSUE_LINE = re.compile(r"^序号([零〇一二三四五六七八九十百两]+|\d{1,3})$")


_ITEM = re.compile(r"^[（(]\s*([一二三四五六七八九十]+)\s*[）)]\s*")


_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")


_PAGE_NO = re.compile(r"^[-—–\s]*(第\s*)?\d{1,3}\s*(页)?[-—–\s]*$|^\d{1,3}\s*/\s*\d{1,3}$")


_FULL_DATE = re.compile(
    r"(?<!\d)20\d{2}\s*年\s*(?:\d{1,2}\s*月\s*(?:\d{1,2}\s*[日号]|[上中下]旬|底|末|份)?|年?底|年?末|[上下]半年"
    r"|第?[一二三四1-4]季度)\s*(?:之?前)?"
)


_YEARLESS_DATE = re.compile(
    r"(?<![\d年.])\d{1,2}\s*月\s*(?:\d{1,2}\s*[日号]|[上中下]旬|底|末)\s*(?:之?前)?"
)


class UnitFinder:
    """Finds known unit names (full, without leading 区/市, or an alias) in a text, in order. The names
    come from the table itself or the clerk's settings: the tool knows no office's units of its own."""

    def __init__(self, unit_names: list[str], aliases: dict[str, str] | None = None) -> None:
        by_key = {unit_key(name): name for name in reversed(unit_names)}
        table: dict[str, str] = {}

        def add(spelling: str, unit: str) -> None:
            needle = compact(spelling)
            if len(needle) >= 2:
                table.setdefault(needle, unit)
            if (
                len(needle) >= 4 and needle[0] in "区市"
            ):  # 区农业农村局 -> 农业农村局, not 区政府 -> 政府
                table.setdefault(needle[1:], unit)

        for name in unit_names:
            add(name, name)
        for short, full in (aliases or {}).items():  # the clerk's own aliases win over built-ins
            add(short, by_key.get(unit_key(full), full))
        self._needles = sorted(table.items(), key=lambda item: -len(item[0]))
        self._units = dict(self._needles)
        # one alternation, longest first: at each place the longest name wins, scanning left to right
        self._pattern = (
            re.compile("|".join(re.escape(n) for n, _ in self._needles)) if self._needles else None
        )

    def find(self, text: str) -> list[str]:
        if self._pattern is None:
            return []
        found: list[str] = []
        for match in self._pattern.finditer(compact(text)):
            unit = self._units[match.group(0)]
            if unit not in found:
                found.append(unit)
        return found


def find_deadline(text: str, *context: str) -> tuple[date | None, str, bool]:
    """The first date in a measure: (deadline, its words, whether the year came from context)."""
    plain = arabic_dates(halfwidth(text))
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
            current.append([f"（{match.group(1)}）", line[match.end() :]])
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


def _measure_texts(rest: list[Line], target: str) -> tuple[str, list[tuple[int, str]], list[str]]:
    """(the problem's 整改目标, each measure's (number, text), each measure's 整改完成情况) from the lines
    after a problem's description: text above the first numbered measure joins the target."""
    before, measure_items, completion_items = _split_items(rest)
    cells = _cells(before) + ["", ""]
    if measure_items:
        target = "\n".join([target, *cells]).strip()
        bodies = [
            (chinese_int(item[0].strip("（）")) or n, _item_text(item))
            for n, item in enumerate(measure_items, start=1)
        ]
        completions = [_item_text(item) for item in completion_items]
        if len(completions) == 1 and not completion_items[0][0]:
            completions *= len(bodies)  # one unnumbered paragraph reports on every measure
    elif cells[0]:  # one unnumbered measure paragraph, then its completion
        bodies = [(1, cells[0])]
        completions = ["\n".join(cells[1:]).strip()]
    else:
        bodies, completions = [], []
    if len(completions) > len(bodies) > 0:  # extra paragraphs: keep them with the last one
        completions[len(bodies) - 1 :] = ["\n".join(completions[len(bodies) - 1 :])]
    return target, bodies, completions


def parse_seed_text(
    text: str,
    unit_names: list[str] | None = None,
    aliases: dict[str, str] | None = None,
    *,
    source: str = "",
) -> tuple[list[ImportedProblem], list[Finding]]:
    """Parse the text rendering of the problem table; findings say what the clerk must check."""
    finder = UnitFinder(list(unit_names or []), aliases)
    problems: list[ImportedProblem] = []
    findings: list[Finding] = []
    for issue_no, lines in _blocks(text):
        if not lines:
            continue
        description, target, rest = _head(lines)
        target, bodies, completions = _measure_texts(rest, target)
        problem = ImportedProblem(issue_no, title_of(description), description, target)
        for index, (measure_no, body) in enumerate(bodies):
            completion = completions[index] if index < len(completions) else ""
            task_id = f"{issue_no}-{measure_no}"
            deadline, words, yearless = find_deadline(body, target, description)
            if yearless:
                findings.append(
                    finding(
                        "yearless-date",
                        "import-guessed" if deadline else "import-unknown",
                        task=task_id,
                        date=deadline.isoformat() if deadline else "",
                        file=source,
                        column=DEADLINE,
                        value=words,
                    )
                )
            units = finder.find(body)
            if not units:
                mentioned = "、".join(finder.find(completion))
                findings.append(
                    finding(
                        "unknown-unit",
                        "import-unit-in-completion" if mentioned else "import-without-unit",
                        task=task_id,
                        mentioned=mentioned,
                        file=source,
                        column=UNIT,
                        value=body[:30],
                    )
                )
            problem.measures.append(
                ImportedMeasure(
                    measure_no,
                    body,
                    deadline,
                    words if deadline or words == OPEN_TEXT else "",
                    units,
                    completion,
                )
            )
        problems.append(problem)
    return problems, findings


_HEADER_WORDS = {ROLE_NO, ROLE_PROBLEM, TARGET, MEASURE, ROLE_PROGRESS, "完成情况", "反馈问题"}


_CN_DIGITS = "零一二三四五六七八九"


def _chinese_numeral(n: int) -> str:
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = ("" if tens < 2 else _CN_DIGITS[tens]) + ("十" if tens else "")
    return head + (_CN_DIGITS[ones] if ones else "")


def render_docx(document: object) -> str:
    """Render a python-docx Document's problem table(s) in the text shape parse_seed_text reads."""
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
            columns = [
                [] if any(c._tc is t for t in taken) else [p.text for p in c.paragraphs]
                for c in cells[1:5]
            ]
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
