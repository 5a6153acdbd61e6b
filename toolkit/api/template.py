"""`toolkit template`: the blank ledger template and one ledger per unit, sent out together."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from toolkit.core.errors import WorkspaceError
from toolkit.core.settings import Settings
from toolkit.write.files import publish_folder, writing


@dataclass
class TemplateRun:
    folder: Path
    template: Path
    ledgers: list[tuple[str, Path, int]] = field(default_factory=list)  # unit, file, tasks
    template_created: bool = False
    unassigned: list[str] = field(default_factory=list)  # tasks with no 责任单位: sent to nobody
    closed: list[str] = field(default_factory=list)  # closed (已销号) tasks: no longer sent out


def run_template(
    settings: Settings, as_of: date, unit: str | None = None, now: datetime | None = None
) -> TemplateRun:
    """The blank template (when missing) and one ledger per unit into outbox/分发_YYYYMMDD/."""
    from toolkit.read.issue_list import load_issue_list
    from toolkit.write.ledger import write_unit_ledger
    from toolkit.write.template import write_blank_template

    now = now or datetime.now()
    issues = load_issue_list(settings)
    template = settings.path("template")
    created = False
    if not template.exists():
        with writing(template.parent, "空白台账模板"):
            write_blank_template(template)
        created = True
    open_tasks = {
        t.task_id for t in issues.tasks if not t.closed
    }  # closed (已销号) tasks are not sent out
    units = [
        u for u in issues.unit_names if any(t.task_id in open_tasks for t in issues.tasks_of(u))
    ]
    if unit is not None:
        found = issues.units.resolve(unit)
        if found is None or found not in units:
            raise WorkspaceError(f"问题清单中没有责任单位“{unit}”。可选的有：{'、'.join(units)}")
        units = [found]
    outbox = settings.path("outbox")
    staging = (
        outbox / f".分发_{now:%Y%m%d}.{os.getpid()}.tmp"
    )  # all ledgers of a round appear at once, or none
    written = []
    with writing(outbox, "各单位台账", cleanup=(staging,)):
        staging.mkdir()
        for name in units:
            tasks = [t for t in issues.tasks_of(name) if t.task_id in open_tasks]
            out = staging / f"{name}_整改台账.xlsx"
            write_unit_ledger(template, out, name, tasks, issues.fingerprint, as_of, now)
            written.append((name, out.name, len(tasks)))
        folder = publish_folder(staging, outbox / f"分发_{now:%Y%m%d}")
    return TemplateRun(
        folder,
        template,
        [(name, folder / file, n) for name, file, n in written],
        template_created=created,
        unassigned=[t.task_id for t in issues.tasks if not t.units and not t.closed],
        closed=[t.task_id for t in issues.tasks if t.closed],
    )
