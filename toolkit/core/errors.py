"""Failures that stop a whole run. Bad content in a ledger is never an exception: see findings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from toolkit.core.findings import describe


class ToolkitError(Exception):
    """Base of every error that stops a command; its message is shown to the clerk as is."""

    exit_code = 2


class SettingsError(ToolkitError):
    """toolkit.toml is unreadable or holds a bad value."""


class WorkspaceError(ToolkitError):
    """The workspace lacks something a command needs (issue list, inbox)."""


class IssueListError(ToolkitError):
    """issues.xlsx cannot be used as it stands."""


class OutputError(ToolkitError):
    """The result could not be written (outbox locked, not writable, disk full)."""


class ReadError(ToolkitError):
    """A file that cannot be read at all. Readers catch it and record it as a finding of `code`
    (a catalogue code; `variant` and `values` fill that code's message); uncaught, it stops the run."""

    def __init__(self, code: str, variant: str = "", /, **values: Any) -> None:
        if (
            not variant and "message" in values
        ):  # the old keyword form: ReadError(code, message=...)
            variant = values.pop("message")
        self.code, self.variant, self.values = code, variant, values
        self.message = describe(code, variant, **values)
        super().__init__(self.message)

    def __reduce__(
        self,
    ) -> tuple[Any, ...]:  # across a worker's pipe: the code and the finished message
        return ReadError, (self.code, self.message)


class MailError(ToolkitError):
    """Sending failed; the drafts are on disk. The message is one line, shown as is."""

    exit_code = 1

    def __init__(self, message: str, drafts: Sequence[Path] = (), results: Sequence[object] = ()):
        super().__init__(message)
        self.drafts = list(drafts)
        self.results = list(results)


class MailSetupError(ToolkitError):
    """Mail can't be sent as configured (no host, no password variable, a bad address): exit 2."""


class ArchiveError(ToolkitError):
    """The archive cannot be opened or written."""


class NotKept(ToolkitError):
    """An input file not copied into the archive (over a size or time limit); the message says why.
    The run goes on: the archive lists the file as not kept."""


class Interrupted(KeyboardInterrupt):
    """The run was stopped by Ctrl-C or SIGTERM, after its cleanups ran. A KeyboardInterrupt, so
    that code catching Ctrl-C catches it too. `output` is the consolidated workbook when it was
    already published, `run_id` its archive entry when that was committed."""

    def __init__(
        self, signal_number: int = 2, output: Path | None = None, run_id: int | None = None
    ) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number
        self.output = output
        self.run_id = run_id

    @property
    def exit_code(self) -> int:
        return 128 + self.signal_number  # 130 for Ctrl-C, 143 for SIGTERM, as shells report them


class TaskEditError(ToolkitError):
    """toolkit extend / toolkit close can't change issues.xlsx (unknown task, bad date, file locked)."""
