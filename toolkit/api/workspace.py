"""The workspace: finding it, its settings and as-of date, and making a new one (toolkit init)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from toolkit.core.defaults import default_toml
from toolkit.core.errors import WorkspaceError
from toolkit.core.settings import SETTINGS_FILE, Settings
from toolkit.core.settings_file import load_settings


def open_workspace(workspace: Path) -> Settings:
    if not workspace.is_dir():
        raise WorkspaceError(
            f"工作目录 {workspace} 不存在。请进入工作目录运行，或用 -w 指定；新建用 toolkit init 目录名"
        )
    return load_settings(workspace)


def resolve_as_of(settings: Settings, as_of: date | None) -> date:
    return as_of or settings.as_of or date.today()


def require_inputs(settings: Settings) -> Path:
    """Stop with the clerk's message when the issue list or the inbox is missing; the inbox."""
    from toolkit.read.issue_list import load_issue_list

    inbox = settings.path("inbox")
    if not settings.path("issues").exists():
        load_issue_list(settings)  # raises the message about the missing issue list
    if not inbox.is_dir():
        raise WorkspaceError(
            f"找不到收件目录 {inbox}。请新建该目录，把各单位报回的台账放进去后再运行"
        )
    return inbox


def init_workspace(target: Path) -> list[Path]:
    """Make an empty workspace: the folders, a commented toolkit.toml, the blank ledger template, and
    double-click launchers that run this very installation."""
    import sys

    from toolkit.write.launchers import write_launchers
    from toolkit.write.template import write_blank_template

    settings = Settings(workspace=target)
    made: list[Path] = []
    target.mkdir(parents=True, exist_ok=True)
    for key in ("inbox", "outbox", "archive"):
        folder = settings.path(key)
        if not folder.exists():
            folder.mkdir(parents=True)
            made.append(folder)
    toml = target / SETTINGS_FILE
    if not toml.exists():
        toml.write_text(default_toml(), encoding="utf-8")
        made.append(toml)
    template = settings.path("template")
    if not template.exists():
        template.parent.mkdir(parents=True, exist_ok=True)
        write_blank_template(template)
        made.append(template)
    made.extend(write_launchers(target, sys.executable))
    return made
