"""The consolidated workbook (汇总台账), written with XlsxWriter to a temporary name and renamed:
汇总 (write.workbook_summary), 台账明细 (write.workbook_detail), then 校验问题, 未报送, 延期申请 and
变化 (write.workbook_lists)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from toolkit.core.model.merge_result import MergeResult
from toolkit.core.settings import Settings
from toolkit.core.validate import EXCEL_CELL_LIMIT
from toolkit.write.files import next_free, publish, writing
from toolkit.write.workbook_cells import Formats
from toolkit.write.workbook_detail import detail_sheet
from toolkit.write.workbook_lists import (
    changes_sheet,
    extensions_sheet,
    findings_sheet,
    silent_sheet,
)
from toolkit.write.workbook_summary import summary_sheet
from toolkit.write.writers import open_book


def output_name(outbox: Path, now: datetime, name: str = "汇总台账") -> Path:
    """outbox/汇总台账_YYYYMMDD_HHMMSS.xlsx, with _2, _3… if that name is taken."""
    return next_free(outbox / f"{name}_{now:%Y%m%d_%H%M%S}.xlsx")


def write_workbook(
    result: MergeResult, settings: Settings, now: datetime | None = None, name: str = "汇总台账"
) -> Path:
    """Write the consolidated workbook into the outbox and return its path. Never overwrites."""
    now = now or datetime.now()
    outbox = settings.path("outbox")
    final = output_name(outbox, now if name == "汇总台账" else datetime.now(), name)
    temp = outbox / f".{final.stem}.{os.getpid()}.tmp"
    side = outbox / f".长文本.{os.getpid()}.{id(result)}.tmp"
    with writing(outbox, "汇总台账", cleanup=(temp, side)):
        book = open_book(temp, len(result.rows), now)
        formats = Formats(book, settings)
        summary_sheet(book, formats, result, now)
        detail_sheet(book, formats, result)
        findings_sheet(book, formats, result)
        silent_sheet(book, formats, result)
        extensions_sheet(book, formats, result)
        if result.changes is not None:
            changes_sheet(book, formats, result)
        book.close()
        long = _write_long_texts(
            result, side
        )  # first, so a full disk stops before anything is published
        final = publish(temp, final)
        if long:
            try:
                os.replace(side, final.with_name(final.stem + "_长文本.txt"))
            except OSError:
                final.unlink(missing_ok=True)
                raise
    return final


def _write_long_texts(result: MergeResult, side: Path) -> bool:
    """Texts over Excel's cell limit are cut in the workbook; they are kept whole in a side file,
    written here under a temporary name and renamed beside the workbook once it is published."""
    long = []
    for line in result.rows:
        for name, text in line.entry.texts.items() if line.entry else ():
            if len(text) > EXCEL_CELL_LIMIT:
                long.append(
                    f"【{line.task.task_id} {line.unit} {name}】来源：{line.entry.source}\n{text}\n"
                )
    if not long:
        return False
    side.write_text("\n".join(long), encoding="utf-8")
    return True
