"""What changed since the previous merge: the 变化 sheet and each unit's 完成率 over recent runs.
Pure: takes the previous run's states (from the archive) and this run's rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from toolkit.core.words import NOT_RETURNED, OVERDUE, RETURNED, STATUS_DONE

NEWLY_DONE = "新完成"


NEWLY_OVERDUE = "新逾期"


WENT_BACK = "倒退"


DEADLINE_PASSED = "期间到期"


PROGRESS_CHANGED = "进展更新"


UNIT_RETURNED = "新报送单位"


STILL_SILENT = "仍未报送"


KINDS = [WENT_BACK, NEWLY_OVERDUE, DEADLINE_PASSED, NEWLY_DONE, PROGRESS_CHANGED, UNIT_RETURNED, STILL_SILENT]


@dataclass(frozen=True)
class State:
    """One (task, unit) as a run left it: what the archive keeps and the comparison needs."""

    task_id: str
    unit: str
    status: str  # "" when nothing was returned
    state: str
    progress: str
    deadline: date | None


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


def compare(previous: Previous | None, current: list[State], returned_units: set[str],
            all_units: list[str], as_of: date) -> list[Change]:
    """Every change from the previous run to this one, in the order of KINDS."""
    if previous is None:
        return []
    changes: list[Change] = []
    for now in current:
        key = (now.task_id, now.unit)
        before = previous.states.get(key)
        was_done = before is not None and before.status == STATUS_DONE
        is_done = now.status == STATUS_DONE
        if was_done and now.status and not is_done:
            changes.append(Change(WENT_BACK, now.task_id, now.unit, before.status, now.status,
                                  f"上次报“已完成”，本次报“{now.status}”"))
        if is_done and not was_done:
            changes.append(Change(NEWLY_DONE, now.task_id, now.unit, before.status if before else "", now.status,
                                  "本次报已完成"))
        if now.state == OVERDUE and (before is None or before.state != OVERDUE):
            changes.append(Change(NEWLY_OVERDUE, now.task_id, now.unit, before.state if before else "", now.state,
                                  f"完成时限 {now.deadline} 已过，尚未完成" if now.deadline else "尚未完成"))
        if (now.deadline and previous.as_of < now.deadline <= as_of and not is_done):
            changes.append(Change(DEADLINE_PASSED, now.task_id, now.unit, previous.as_of.isoformat(),
                                  as_of.isoformat(), f"完成时限 {now.deadline} 在两次统计之间到期"))
        if before is not None and before.status and now.status and before.progress != now.progress:
            changes.append(Change(PROGRESS_CHANGED, now.task_id, now.unit, _short(before.progress),
                                  _short(now.progress), "整改进展有更新"))
    for unit in all_units:
        if unit in returned_units and unit not in previous.returned_units:
            changes.append(Change(UNIT_RETURNED, "", unit, NOT_RETURNED, RETURNED, "上次未报送，本次报送了台账"))
        elif unit not in returned_units and unit not in previous.returned_units:
            changes.append(Change(STILL_SILENT, "", unit, NOT_RETURNED, NOT_RETURNED, "连续两次未报送"))
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(changes, key=lambda c: order[c.kind])


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
