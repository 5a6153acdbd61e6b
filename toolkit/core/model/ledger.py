"""A returned ledger (台账) as read from the inbox: the file, what became of it, and its rows with where
each came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from toolkit.core.columnar import RowBlock, pack_rows, unpack_rows
from toolkit.core.findings import Finding, finding


@dataclass(slots=True)
class LedgerRow:
    """One data row of a returned ledger, with where it came from."""

    file: str
    sheet: str
    row: int  # Excel row number, 1-based
    values: dict[str, Any]
    columns: dict[str, str]  # field → column letter
    labels: dict[str, str] = field(default_factory=dict)  # field → the header the unit wrote

    def __reduce__(self) -> tuple:
        # a plain tuple: rows cross from the reading worker, and the default for slotted
        # dataclasses pickles a dict of fields per row
        return (
            LedgerRow,
            (self.file, self.sheet, self.row, self.values, self.columns, self.labels),
        )


@dataclass
class LedgerFile:
    """What one returned file held, and what became of it."""

    name: str  # path relative to the inbox; "a.zip/b.xlsx" for members of a zip
    unit: str | None = None
    unit_source: str = ""
    reported: date | None = None
    meta_time: datetime | None = None
    mtime: datetime | None = None
    rows: list[LedgerRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    ok: bool = False  # a ledger sheet was found and read
    context: list[str] = field(
        default_factory=list
    )  # title, notes and section texts around the table

    def note(self, code: str, variant: str = "", /, **values: Any) -> None:
        """Record finding(code, variant, **values) against this file."""
        self.findings.append(finding(code, variant, file=self.name, **values))

    def __reduce__(self) -> tuple:
        # A returned file crosses from its reading worker to the parent. Its rows go in columns
        # (pack_rows): the field names, file and sheet once per block instead of a dict per row,
        # and each distinct text once, so 200,000 rows neither balloon the pipe nor the parent.
        state = {name: value for name, value in self.__dict__.items() if name != "rows"}
        return (_unpack_ledger, (state, pack_rows(self.rows)))


def _unpack_ledger(state: dict[str, Any], blocks: list[RowBlock]) -> LedgerFile:
    ledger = LedgerFile.__new__(LedgerFile)
    ledger.__dict__.update(state)
    ledger.rows = unpack_rows(blocks, LedgerRow)
    return ledger
