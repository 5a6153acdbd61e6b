"""`toolkit mail` (the consolidated workbook to the leaders) and `toolkit remind` (one reminder per
unit that is late, due soon or silent): drafts in outbox/邮件/, sent with --send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from toolkit.api.merge import MergeRun, merge_only, run_merge
from toolkit.core.model.merge_result import MergeResult
from toolkit.core.settings import Settings
from toolkit.core.settings_file import load_mail_settings
from toolkit.deliver.contacts import read_contacts
from toolkit.deliver.mail import (
    check_addresses,
    drafts_folder,
    reminder_messages,
    save_drafts,
    summary_message,
)
from toolkit.deliver.smtp import send as send_messages


@dataclass
class MailRun:
    drafts: list[Path]
    results: list[Any]  # mail.SendResult, when sent
    merge: MergeRun | None = None  # when mailing needed a fresh merge
    attached: Path | None = None
    run_id: int | None = None
    no_address: list[str] | None = None
    contacts_missing: bool = False
    as_of: date | None = None  # the date the reminders were counted to


def run_mail(
    settings: Settings, to: list[str], cc: list[str], send: bool, as_of: date | None = None
) -> MailRun:
    """Merge (writing a fresh consolidated workbook), then mail it: a draft .eml, sent with send=True."""

    mail_settings = load_mail_settings(settings)
    check_addresses(to)
    check_addresses(cc, "抄送")
    latest = latest_run(settings, as_of)
    if (
        latest is not None
    ):  # the newest consolidated workbook, and the body from the same archived run
        result, output, run_id = latest
        merged = None
    else:
        merged = run_merge(settings, as_of)
        result, output, run_id = merged.result, merged.output, merged.run_id
    message = summary_message(
        result, output, to, cc, mail_settings.sender or None, colors=settings.colors
    )
    drafts = save_drafts([message], drafts_folder(settings))
    results = send_messages([message], mail_settings, drafts) if send else []
    return MailRun(drafts, results, merge=merged, attached=output, run_id=run_id)


def latest_run(settings: Settings, as_of: date | None) -> tuple[MergeResult, Path, int] | None:
    """The newest archived run whose workbook is still in the outbox (and, with as_of given, is of
    that date): mailing it sends exactly what the clerk merged, without a new round in history."""
    from toolkit.archive.database import DB_NAME
    from toolkit.archive.store import open_archive

    if not (settings.path("archive") / DB_NAME).exists():
        return None
    archive = open_archive(settings)
    try:
        for run in reversed(archive.runs()):
            output = settings.path("outbox") / run.output
            if "_重建_" in run.output or not output.exists():
                continue
            if as_of is not None and run.as_of != as_of.isoformat():
                return None
            result, _ = archive.load(run.run_id, settings)
            return result, output, run.run_id
    finally:
        archive.close()
    return None


def run_remind(settings: Settings, send: bool, cc: list[str], as_of: date | None = None) -> MailRun:
    """One reminder per unit that is late, due soon or silent; addresses from 单位通讯录."""

    mail_settings = load_mail_settings(settings)
    result = merge_only(settings, as_of)
    contacts = read_contacts(settings.path("issues"))
    messages, no_address = reminder_messages(
        result, contacts, mail_settings.sender or None, cc=cc, colors=settings.colors
    )
    drafts = save_drafts(messages, drafts_folder(settings)) if messages else []
    results = send_messages(messages, mail_settings, drafts) if send and messages else []
    return MailRun(
        drafts, results, no_address=no_address, contacts_missing=not contacts, as_of=result.as_of
    )
