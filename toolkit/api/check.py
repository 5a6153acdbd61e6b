"""`toolkit check`: returned files checked one by one, exactly as merge would, each problem file
given a marked-up feedback copy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path

from toolkit.core.errors import WorkspaceError
from toolkit.core.findings import Finding, finding
from toolkit.core.settings import Settings


@dataclass
class CheckedFile:
    name: str
    unit: str | None
    findings: list[Finding]
    feedback: Path | None
    note: str = ""

    def count(self, level: str) -> int:
        return sum(1 for f in self.findings if f.level == level)


def run_check(
    settings: Settings, files: list[Path], as_of: date, now: datetime | None = None
) -> list[CheckedFile]:
    """Check returned files one by one, exactly as merge would, and write a feedback copy of each."""
    from toolkit.core.merge import merge
    from toolkit.read.inbox import read_named, readable
    from toolkit.read.issue_list import load_issue_list
    from toolkit.read.sandbox import Failed, isolated_map
    from toolkit.write.feedback import write_feedback

    now = now or datetime.now()
    issues = load_issue_list(settings)
    missing = [p for p in files if not p.is_file()]
    if missing:
        raise WorkspaceError(f"找不到文件：{'、'.join(str(p) for p in missing)}")
    limits = settings.limits
    results = isolated_map(
        partial(read_named, settings=settings, units=issues.units),
        files,
        workers=limits["workers"],
        timeout=limits["file_timeout_s"],
        memory_mb=limits["memory_mb"],
    )
    feedback_dir = settings.path("outbox") / "反馈"
    checked: list[CheckedFile] = []
    for path, result in zip(files, results, strict=True):
        shown = readable(path.name)  # a name that is not UTF-8 (GBK bytes) as the clerk reads it
        if isinstance(result, Failed):
            failed = finding("unreadable-file", reason=result.reason, file=shown)
            checked.append(CheckedFile(shown, None, [failed], None))
            continue
        for ledger in result:
            report = merge(issues, [ledger], settings, as_of).report
            own = [
                f
                for f in report.findings
                if f.file == ledger.name or f.file.startswith(ledger.name + "/")
            ]
            own = [f for f in own if f.code != "file-read"]
            item = CheckedFile(ledger.name, ledger.unit, own, None)
            if ledger.name != shown:  # a member of a zip: no file of its own to mark up
                item.note = "压缩包中的文件请解压后单独检查，才能生成反馈件"
            elif own:
                item.feedback = write_feedback(
                    path,
                    own,
                    feedback_dir / f"{Path(shown).stem}_反馈{path.suffix}",
                    unit=ledger.unit,
                    checked_at=now,
                )
            checked.append(item)
    return checked
