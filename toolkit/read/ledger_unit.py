"""Which unit returned a ledger file (its _meta sheet, its 责任单位 column, its title, its file name)
and when it was filled in (填报日期)."""

from __future__ import annotations

import re
from datetime import date, datetime

from toolkit.core.dates import DATE, parse_date
from toolkit.core.model.issue_list import UnitBook
from toolkit.core.model.ledger import LedgerFile
from toolkit.core.normalize import cell_text, compact, split_units
from toolkit.core.words import FILL_DATE, META_CREATED, META_UNIT, SHEET_META, UNIT

_REPORTED = re.compile(r"(填报|报送|填表)(日期|时间)[:：]?\s*(.+)")


def identify(ledger: LedgerFile, units: UnitBook) -> None:
    """Which unit sent the file (_meta, 责任单位 column, title, file name) and when (填报日期)."""
    context = ledger.context
    meta_unit = units.resolve(ledger.meta.get(META_UNIT, ""))
    stamp = ledger.meta.get(META_CREATED, "")
    if stamp:
        try:
            moment = datetime.fromisoformat(stamp)
            ledger.meta_time = moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment
        except ValueError:
            ledger.meta_time = None
    if meta_unit:
        ledger.unit, ledger.unit_source = meta_unit, SHEET_META
    else:
        column_unit = _unit_from_column(ledger, units, context)
        if column_unit:
            ledger.unit, ledger.unit_source = column_unit, "责任单位列"
        else:
            for source, text in (("标题", " ".join(context[:12])), ("文件名", ledger.name)):
                found = units.find_in(text)
                if found:
                    ledger.unit, ledger.unit_source = found, source
                    break
    ledger.reported = _reported_date(ledger, context)


def _unit_from_column(ledger: LedgerFile, units: UnitBook, context: list[str]) -> str | None:
    common: set[str] | None = None
    for row in ledger.rows:
        names = {units.resolve(n) for n in split_units(cell_text(row.values.get(UNIT)))} - {None}
        if not names:
            continue
        common = names if common is None else common & names
    if not common:
        return None
    if len(common) == 1:
        return next(iter(common))
    hint = units.find_in(" ".join(context[:12])) or units.find_in(ledger.name)
    return hint if hint in common else None


def _reported_date(ledger: LedgerFile, context: list[str]) -> date | None:
    dates = []
    for row in ledger.rows:
        parsed = parse_date(row.values.get(FILL_DATE))
        if parsed.kind == DATE and parsed.value:
            dates.append(parsed.value)
    for text in context:
        match = _REPORTED.search(compact(text))
        if match:
            parsed = parse_date(match.group(3))
            if parsed.kind == DATE and parsed.value:
                dates.append(parsed.value)
    return max(dates) if dates else None
