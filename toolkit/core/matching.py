"""Which task and which unit a returned row is about: by 任务编号, else 问题序号 + 措施序号, else the
整改措施 text (exact, cut or partial, then close through rapidfuzz); and the unit from the row's
责任单位 or the file's sender. Pure: no files."""

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache
from typing import Any

from toolkit.core.model.issue_list import IssueList, Task, UnitBook
from toolkit.core.model.ledger import LedgerRow
from toolkit.core.normalize import (
    cell_text,
    compact,
    measure_ordinal,
    parse_int,
    parse_task_id,
    split_units,
)
from toolkit.core.words import ISSUE_NO, MEASURE, MEASURE_NO, TASK_ID, UNIT

MIN_PART = (
    6  # characters a cut or partial measure text keeps to be matched by prefix or containment
)


@lru_cache(maxsize=1 << 16)
def measure_key(text: str) -> str:
    """An issue-list measure text as compared (compact), kept: the same texts are compared row after row."""
    return compact(text)


def match_task(
    values: dict[str, Any], issues: IssueList, threshold: float
) -> tuple[Task | None, str]:
    """By 任务编号, else 问题序号 + 措施序号 (or the ordinal that opens the measure text: "（二）…" is
    measure 2), else the 整改措施 text: exact, then a cut or partial text by prefix or containment,
    then a close match — inside the problem when its number is known. Returns (task, how); how is
    "renumbered" when the id points at one task but the row's own measure text is exactly another
    task's (the issue list was renumbered after the ledger went out)."""
    raw_text = values.get(MEASURE)
    text = compact(cell_text(raw_text)) if raw_text not in (None, "") else ""
    task_id = parse_task_id(values.get(TASK_ID))
    found: Task | None = None
    if task_id and task_id in issues.by_id:
        found, how = issues.by_id[task_id], "id"
    else:
        ordinal, body = measure_ordinal(raw_text) if text else (None, "")
        issue_no = parse_int(values.get(ISSUE_NO))
        measure_no = parse_int(values.get(MEASURE_NO))
        from_text = measure_no is None and ordinal is not None
        if from_text:
            measure_no = ordinal
        pair = (
            issues.by_pair.get((issue_no, measure_no))
            if issue_no is not None and measure_no is not None
            else None
        )
        if pair is not None and not (
            from_text and len(body) >= MIN_PART and not _agrees(body, pair, threshold)
        ):
            found, how = pair, "pair"
        else:  # no pair, or the ordinal opening the text belongs to a text that is another measure's
            candidates = issues.by_issue.get(issue_no, []) if issue_no is not None else []
            if candidates and not text and measure_no is None and len(candidates) == 1:
                return candidates[0], "pair"
            return _by_text(text, body, candidates, issues, threshold)
    if text and raw_text != found.measure and text != measure_key(found.measure) and len(text) >= 8:
        exact = issues.by_text.get(text)
        if exact is not None and exact is not found:
            return exact, "renumbered"
    return found, how


def _agrees(body: str, task: Task, threshold: float) -> bool:
    """Whether a (perhaps cut) measure text is plausibly this task's."""
    from rapidfuzz import fuzz  # loaded the first time a row needs its text compared

    key = measure_key(task.measure)
    return body in key or key in body or fuzz.ratio(body, key[: len(body) + 20]) >= threshold * 100


def _by_text(
    text: str, body: str, candidates: list[Task], issues: IssueList, threshold: float
) -> tuple[Task | None, str]:
    """The one task whose measure text is clearly the row's; none when two are about as close.
    `body` is the text without its opening ordinal and trailing ellipsis."""
    if not body:
        return None, ""
    for key in dict.fromkeys((text, body)):
        exact = issues.by_text.get(key)
        if exact is not None and (not candidates or exact in candidates):
            return exact, "text"
    if len(body) >= MIN_PART:
        holding = _containing(body, candidates, issues)
        if len(holding) == 1:
            return holding[0], "text"
        if holding:
            return None, ""  # a part that two measures share: a guess would be a coin toss
    from rapidfuzz import fuzz, process

    keys = [measure_key(task.measure) for task in candidates] if candidates else issues.measure_keys
    pool = candidates or issues.tasks
    needed = threshold if candidates else max(threshold, 0.85)
    best = process.extract(
        body, keys, scorer=fuzz.ratio, limit=2, score_cutoff=max(needed - 0.05, 0) * 100
    )
    if not best or best[0][1] < needed * 100:
        return None, ""
    if len(best) > 1 and best[0][1] - best[1][1] < 5:
        return None, ""  # two measures about as close
    return pool[best[0][2]], "text"


def _containing(body: str, candidates: list[Task], issues: IssueList) -> list[Task]:
    """Tasks whose measure text holds `body` (a cut or shortened text), or is held by it (a text the
    unit added to); within `candidates` when given, else over the whole issue list."""
    if candidates:
        found = []
        for task in candidates:
            key = measure_key(task.measure)
            if body in key or (len(key) >= MIN_PART and key in body):
                found.append(task)
        return found
    haystack, starts = issues.measure_haystack
    found: list[Task] = []
    at = haystack.find(body)
    while at >= 0 and len(found) < 2:
        index = bisect_right(starts, at) - 1
        found.append(issues.tasks[index])
        following = starts[index + 1] if index + 1 < len(starts) else len(haystack)
        at = haystack.find(body, following)
    return found


def row_unit(
    row: LedgerRow, task: Task, sender: str | None, units: UnitBook
) -> tuple[str | None, str]:
    """(the unit a row reports for, the sender when the row is another unit's). A row whose 责任单位
    names one of the task's units and not the sender is that unit's row; a file whose sender is
    unknown is attributed row by row the same way, or to a task's only unit."""
    written = cell_text(row.values.get(UNIT))
    named = (
        [name for name in dict.fromkeys(units.resolve(n) for n in split_units(written)) if name]
        if written
        else []
    )
    if sender is not None and (sender in named or not named):
        return sender, ""
    owners = [name for name in named if name in task.units]
    if len(owners) == 1:
        return owners[0], sender or ""
    if sender is None:
        return (task.units[0] if len(task.units) == 1 else None), ""
    return sender, ""
