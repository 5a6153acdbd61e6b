"""Failures that stop a whole run. Bad content in a ledger is never an exception: see findings."""


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
