"""What changed since the previous merge: the 变化 sheet and each unit's 完成率 over recent runs.
Pure: takes the previous run's states (from the archive) and this run's rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from toolkit.core.words import (
    CLOSED,
    CLOSED_CHANGE,
    EXTENDED,
    NOT_RETURNED,
    OVERDUE,
    RETURNED,
    STATUS_DONE,
)

NEWLY_DONE = "新完成"


NEWLY_OVERDUE = "新逾期"


WENT_BACK = "倒退"


DEADLINE_PASSED = "期间到期"


PROGRESS_CHANGED = "进展更新"


UNIT_RETURNED = "新报送单位"


STILL_SILENT = "仍未报送"


KINDS = [
    WENT_BACK,
    NEWLY_OVERDUE,
    DEADLINE_PASSED,
    EXTENDED,
    CLOSED_CHANGE,
    NEWLY_DONE,
    PROGRESS_CHANGED,
    UNIT_RETURNED,
    STILL_SILENT,
]


@dataclass(frozen=True)
class State:
    """One (task, unit) as a run left it: what the archive keeps and the comparison needs."""

    task_id: str
    unit: str
    status: str  # "" when nothing was returned
    state: str
    progress: str
    deadline: date | None  # the one in force: 调整后时限 when an extension was approved
    adjusted: date | None = None  # 调整后时限
    basis: str = ""  # 调整依据
    closed: date | None = None  # 销号日期
    close_basis: str = ""  # 销号依据


@dataclass(frozen=True)
class Change:
    kind: str
    task_id: str
    unit: str
    before: str
    after: str
    note: str


@dataclass
class Trend:
    """完成率 per unit over the recent runs, oldest first; the last column is this run."""

    labels: list[str] = field(default_factory=list)  # as-of dates of the runs
    rates: dict[str, list[float | None]] = field(default_factory=dict)


@dataclass
class Previous:
    """The run compared against."""

    run_id: int
    as_of: date
    started: str
    states: dict[tuple[str, str], State]
    returned_units: set[str]


def compare(
    previous: Previous | None,
    current: list[State],
    returned_units: set[str],
    all_units: list[str],
    as_of: date,
) -> list[Change]:
    """Every change from the previous run to this one, in the order of KINDS."""
    if previous is None:
        return []
    changes: list[Change] = list(_task_changes(previous, current))
    for now in current:
        if now.state == CLOSED:
            continue  # listed once per task as 销号; nothing else about it is news
        before = previous.states.get((now.task_id, now.unit))
        changes += _status_changes(before, now)
        changes += _deadline_changes(before, now, previous.as_of, as_of)
    changes += _unit_changes(previous, returned_units, all_units)
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(changes, key=lambda c: order[c.kind])


def _status_changes(before: State | None, now: State) -> list[Change]:
    """What a unit said differently about one task: took back 已完成, newly done, new progress."""
    changes = []
    was_done = before is not None and before.status == STATUS_DONE
    is_done = now.status == STATUS_DONE
    if was_done and now.status and not is_done:
        changes.append(
            Change(
                WENT_BACK,
                now.task_id,
                now.unit,
                before.status,
                now.status,
                f"上次报“已完成”，本次报“{now.status}”",
            )
        )
    if is_done and not was_done:
        changes.append(
            Change(
                NEWLY_DONE,
                now.task_id,
                now.unit,
                before.status if before else "",
                now.status,
                "本次报已完成",
            )
        )
    if before is not None and before.status and now.status and before.progress != now.progress:
        changes.append(
            Change(
                PROGRESS_CHANGED,
                now.task_id,
                now.unit,
                _short(before.progress),
                _short(now.progress),
                "整改进展有更新",
            )
        )
    return changes


def _deadline_changes(before: State | None, now: State, since: date, as_of: date) -> list[Change]:
    """What time did to one task of a unit: newly overdue, or its deadline passed between runs."""
    changes = []
    if now.state == OVERDUE and (before is None or before.state != OVERDUE):
        changes.append(
            Change(
                NEWLY_OVERDUE,
                now.task_id,
                now.unit,
                before.state if before else "",
                now.state,
                f"完成时限 {now.deadline} 已过，尚未完成" if now.deadline else "尚未完成",
            )
        )
    if now.deadline and since < now.deadline <= as_of and now.status != STATUS_DONE:
        changes.append(
            Change(
                DEADLINE_PASSED,
                now.task_id,
                now.unit,
                since.isoformat(),
                as_of.isoformat(),
                f"完成时限 {now.deadline} 在两次统计之间到期",
            )
        )
    return changes


def _unit_changes(
    previous: Previous, returned_units: set[str], all_units: list[str]
) -> list[Change]:
    """Units that returned after being silent, and units silent twice running."""
    changes = []
    for unit in all_units:
        if unit in returned_units and unit not in previous.returned_units:
            changes.append(
                Change(
                    UNIT_RETURNED, "", unit, NOT_RETURNED, RETURNED, "上次未报送，本次报送了台账"
                )
            )
        elif unit not in returned_units and unit not in previous.returned_units:
            changes.append(
                Change(STILL_SILENT, "", unit, NOT_RETURNED, NOT_RETURNED, "连续两次未报送")
            )
    return changes


def _task_changes(previous: Previous, current: list[State]) -> list[Change]:
    """延期 and 销号: decisions about a task, listed once per task with all its units."""
    units: dict[str, list[str]] = {}
    first: dict[str, State] = {}
    for now in current:
        units.setdefault(now.task_id, []).append(now.unit)
        first.setdefault(now.task_id, now)
    before_of = {task_id: state for (task_id, _), state in previous.states.items()}
    out = []
    for task_id, now in first.items():
        before = before_of.get(task_id)
        who = "、".join(units[task_id])
        if (
            now.adjusted
            and (before is None or before.adjusted != now.adjusted)
            and now.closed is None
        ):
            was = before.deadline.isoformat() if before and before.deadline else ""
            out.append(
                Change(
                    EXTENDED,
                    task_id,
                    who,
                    was,
                    now.adjusted.isoformat(),
                    f"完成时限调整为 {now.adjusted}"
                    + (f"，依据：{now.basis}" if now.basis else ""),
                )
            )
        if now.state == CLOSED and (before is None or before.state != CLOSED):
            out.append(
                Change(
                    CLOSED_CHANGE,
                    task_id,
                    who,
                    before.state if before else "",
                    CLOSED,
                    f"{now.closed} 销号"
                    + (f"，依据：{now.close_basis}" if now.close_basis else ""),
                )
            )
    return out


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
