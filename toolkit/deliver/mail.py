"""Mail: the consolidated workbook to leaders (`toolkit mail`) and reminders to units (`toolkit remind`).

Messages are built from a MergeResult, always saved as .eml drafts first, then optionally sent
over SMTP. Every send failure becomes a one-line Chinese MailError that names the saved drafts.
"""

from __future__ import annotations

import base64
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path

from toolkit.core.defaults import DEFAULT_COLORS
from toolkit.core.errors import MailSetupError
from toolkit.core.mail_settings import ADDRESS
from toolkit.core.model.merge_result import DetailRow, MergeResult, UnitSummary
from toolkit.core.settings import Settings
from toolkit.core.words import DUE_SOON, NOT_RETURNED, OVERDUE
from toolkit.deliver.bodies import Body, reminder_body, subject_date, summary_body
from toolkit.deliver.contacts import Contact
from toolkit.write.files import publish, writing

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover
    pass


DRAFTS_FOLDER = "邮件"  # under the outbox


XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# CRLF line ends, 7-bit headers (RFC 2047 encoded words), and raw headers left as written.
POLICY = email_policy.SMTP.clone(refold_source="none")


_UNSAFE_FILE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


class MailMessage(EmailMessage):
    """An EmailMessage that knows the name of its draft file (and, for reminders, its unit)."""

    draft_stem: str = ""
    unit: str = ""


def check_addresses(addresses: Iterable[str], what: str = "收件人") -> list[Address]:
    """Parse "a@b.cn" or "张三 <a@b.cn>" (several per item allowed); MailSetupError on a bad one."""
    out: list[Address] = []
    for item in addresses:
        for name, addr in getaddresses([re.sub(r"[;；，、]", ",", item)]):
            if not ADDRESS.match(addr or "-"):
                raise MailSetupError(f"{what}地址“{item}”格式不对，应写成 name@example.gov.cn")
            out.append(Address(display_name=name, addr_spec=addr))
    return out


def _new_message(
    subject: str,
    sender: str | None,
    to: Sequence[Address],
    cc: Sequence[Address],
    text: str,
    page: str,
) -> MailMessage:
    msg = MailMessage(policy=POLICY)
    msg["Subject"] = subject
    domain = "localhost"
    if sender:
        msg["From"] = check_addresses([sender], "发件人")
        domain = parseaddr(sender)[1].rpartition("@")[2] or domain
    if to:
        msg["To"] = list(to)
    if cc:
        msg["Cc"] = list(cc)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content(text, cte="base64")
    msg.add_alternative(page, subtype="html", cte="base64")
    return msg


def attach(
    msg: EmailMessage, data: bytes, filename: str, mime: tuple[str, str] = XLSX_TYPE
) -> None:
    """Attach with both spellings of a Chinese file name: RFC 2231 `filename*=` on Content-Disposition
    (modern clients) and RFC 2047 encoded words in Content-Type `name=` (old Outlook, Foxmail, phones)."""
    msg.add_attachment(data, maintype=mime[0], subtype=mime[1], filename=filename)
    part = list(msg.iter_attachments())[-1]
    del part["MIME-Version"]  # add_attachment puts one on the part; only the top level needs it
    words, chunk = [], ""
    for char in filename:  # encoded words of at most 75 characters, never splitting a character
        if len((chunk + char).encode("utf-8")) > 45:
            words.append(chunk)
            chunk = ""
        chunk += char
    words.append(chunk)
    encoded = "\n ".join(
        f"=?utf-8?b?{base64.b64encode(w.encode('utf-8')).decode('ascii')}?=" for w in words
    )
    del part["Content-Type"]
    part.set_raw("Content-Type", f'{mime[0]}/{mime[1]};\n name="{encoded}"')


def summary_message(
    result: MergeResult,
    workbook: Path,
    to: Sequence[str],
    cc: Sequence[str] = (),
    sender: str | None = None,
    *,
    colors: Mapping[str, Mapping[str, str]] | None = None,
) -> MailMessage:
    """The consolidated workbook for leaders: totals, per-unit table, 逾期 tasks; workbook attached."""
    workbook = Path(workbook)
    recipients, copies = check_addresses(to), check_addresses(cc, "抄送")
    if not recipients:
        raise MailSetupError("没有收件人：请用 --to 指定至少一个邮箱地址")
    subject = f"整改台账汇总（{subject_date(result)}）"
    body = Body(colors or DEFAULT_COLORS)
    summary_body(body, result, workbook.name)
    msg = _new_message(subject, sender, recipients, copies, body.text(), body.html(subject))
    attach(msg, workbook.read_bytes(), workbook.name)
    msg.draft_stem = f"汇总_{result.as_of:%Y%m%d}"
    return msg


def reminder_units(result: MergeResult) -> list[tuple[UnitSummary, list[DetailRow]]]:
    """Units that sent nothing, or have 逾期, 临期 or unreported tasks, with the rows to list."""
    rank = {OVERDUE: 0, NOT_RETURNED: 1, DUE_SOON: 2}
    out = []
    for unit in result.units:
        rows = [r for r in result.rows if r.unit == unit.unit and r.state in rank]
        if rows or (not unit.files and unit.missing):  # closed (已销号) tasks are never chased
            rows.sort(key=lambda r: (rank[r.state], -(r.overdue_days or 0)))
            out.append((unit, rows))
    return out


def reminder_messages(
    result: MergeResult,
    contacts: Mapping[str, Contact],
    sender: str | None = None,
    *,
    cc: Sequence[str] = (),
    colors: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[list[MailMessage], list[str]]:
    """One reminder per unit that needs one; and the units that need one but have no address."""
    by_unit: dict[str, Contact] = {}
    for written, contact in contacts.items():
        by_unit.setdefault(result.issues.units.resolve(written) or written, contact)
    copies = check_addresses(cc, "抄送")
    messages, missing = [], []
    for unit, rows in reminder_units(result):
        contact = by_unit.get(unit.unit)
        if contact is None or not contact.emails:
            missing.append(unit.unit)
            continue
        body = Body(colors or DEFAULT_COLORS)
        subject = reminder_body(body, result, unit, rows, contact, sender)
        to = [
            Address(display_name=f"{unit.unit} {contact.name}".strip(), addr_spec=a)
            for a in contact.emails
        ]
        msg = _new_message(subject, sender, to, copies, body.text(), body.html(subject))
        msg.draft_stem = f"提醒_{unit.unit}_{result.as_of:%Y%m%d}"
        msg.unit = unit.unit
        messages.append(msg)
    return messages, missing


def drafts_folder(settings: Settings) -> Path:
    return settings.path("outbox") / DRAFTS_FOLDER


def newest_workbook(settings: Settings) -> Path | None:
    """The most recently written outbox/汇总台账_*.xlsx, or None."""
    outbox = settings.path("outbox")
    found = [p for p in outbox.glob("汇总台账_*.xlsx") if p.is_file()] if outbox.is_dir() else []
    return max(found, key=lambda p: (p.stat().st_mtime_ns, p.name), default=None)


def _stem(msg: EmailMessage, index: int) -> str:
    stem = getattr(msg, "draft_stem", "") or f"邮件_{index + 1}"
    return _UNSAFE_FILE.sub("_", stem).strip(". ") or f"邮件_{index + 1}"


def save_drafts(messages: Sequence[EmailMessage], folder: Path) -> list[Path]:
    """Write each message as an .eml (opens in any mail client). Never overwrites: adds _2, _3…
    Each is written whole under a temporary name first; when one fails, none is left."""
    paths: list[Path] = []
    with writing(folder, "邮件草稿", cleanup=paths) as private:
        for index, msg in enumerate(messages):
            # X-Unsent makes Outlook open the .eml as a draft to send, not as a received message
            temp = private / f"{index}.eml"
            temp.write_bytes(b"X-Unsent: 1\r\n" + msg.as_bytes(policy=POLICY))
            paths.append(publish(temp, folder / f"{_stem(msg, index)}.eml"))
    return paths
