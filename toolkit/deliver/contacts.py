"""The unit address book (单位通讯录 sheet of issues.xlsx): who gets which reminder."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import getaddresses
from pathlib import Path

from toolkit.core.errors import IssueListError
from toolkit.core.mail_settings import ADDRESS
from toolkit.core.normalize import cell_text, clean_header, compact
from toolkit.core.words import SHEET_CONTACTS, UNIT

CONTACTS_SHEET = SHEET_CONTACTS


@dataclass
class Contact:
    unit: str  # as written in the sheet
    name: str = ""
    emails: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # what could not be read as an address
    rows: list[int] = field(default_factory=list)


_CONTACT_HEADERS = {
    "unit": {UNIT, "单位", "单位名称", "责任部门", "部门", "牵头单位"},
    "name": {"联系人", "姓名", "经办人", "联系人姓名"},
    "email": {
        "邮箱",
        "电子邮箱",
        "电子邮件",
        "邮件",
        "邮件地址",
        "邮箱地址",
        "email",
        "e-mail",
        "mail",
    },
}


def split_addresses(text: str) -> tuple[list[str], list[str]]:
    """(valid addresses, invalid pieces) from one cell: separators ; ； , ， 、 and whitespace."""
    text = re.sub(r"[;；，、\n]", ",", cell_text(text))
    pieces = (
        [addr or name for name, addr in getaddresses([text])]
        if "<" in text
        else re.split(r"[,\s]+", text)
    )
    good, bad = [], []
    for piece in (p.strip().strip("'\"") for p in pieces):
        if piece:
            (good if ADDRESS.match(piece) else bad).append(piece)
    return good, bad


def read_contacts(issues_xlsx: Path) -> dict[str, Contact]:
    """Sheet 单位通讯录 (责任单位, 联系人, 邮箱) of issues.xlsx, keyed by the unit as written.
    Missing sheet → {}. reminder_messages resolves the names through the issue list's aliases."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(issues_xlsx, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook gets the same message
        raise IssueListError(
            f"问题清单 {issues_xlsx} 无法读取（{exc}），读不到“{CONTACTS_SHEET}”"
        ) from exc
    try:
        sheet = next((book[n] for n in book.sheetnames if compact(n) == CONTACTS_SHEET), None)
        if sheet is None:
            return {}
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    columns: dict[str, int] = {}
    start = 0
    for index, row in enumerate(rows[:10]):
        found = {}
        for col, value in enumerate(row):
            key = clean_header(cell_text(value)).lower()
            for role, words in _CONTACT_HEADERS.items():
                if key in words and role not in found:
                    found[role] = col
        if "unit" in found and "email" in found:
            columns, start = found, index + 1
            break
    if not columns:
        raise IssueListError(
            f"问题清单 {issues_xlsx} 的“{CONTACTS_SHEET}”工作表找不到表头：第 1 行应为 "
            "责任单位、联系人、邮箱"
        )
    contacts: dict[str, Contact] = {}

    def get(row: list, role: str) -> str:
        col = columns.get(role)
        return cell_text(row[col]) if col is not None and col < len(row) else ""

    for number, row in enumerate(rows[start:], start=start + 1):
        unit = get(row, "unit")
        if not unit:
            continue
        contact = contacts.setdefault(unit, Contact(unit))
        name = get(row, "name")
        if name and name not in contact.name.split("、"):
            contact.name = f"{contact.name}、{name}" if contact.name else name
        good, bad = split_addresses(get(row, "email"))
        contact.emails += [a for a in good if a not in contact.emails]
        contact.invalid += bad
        contact.rows.append(number)
    return contacts
