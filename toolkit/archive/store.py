"""The archive as one object: every merge's inputs, fingerprints and results in
archive/history.sqlite (archive.database), each input file stored once by content hash under
archive/files/ (archive.copies), runs saved (archive.saving) and read back (archive.history).
The inbox is never touched."""

from __future__ import annotations

from toolkit.archive.history import RunHistory
from toolkit.archive.saving import RunSaving
from toolkit.core.settings import Settings


class Archive(RunSaving, RunHistory):
    """An open archive folder: Archive(folder), then close() when done."""


def open_archive(settings: Settings) -> Archive:
    return Archive(settings.path("archive"))
