"""The bodies of the mail messages: HTML with inline CSS (mail clients drop <style>) and the same
content as plain text, coloured like the consolidated workbook."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from email.utils import parseaddr
from typing import TYPE_CHECKING

from toolkit.core.model.merge_result import DetailRow, MergeResult, UnitSummary
from toolkit.core.words import (
    DAYS_OVERDUE,
    DEADLINE,
    DUE_SOON,
    ERROR,
    FILE_COUNT,
    FILES_READ,
    MEASURE,
    NO_DEADLINE,
    NOT_FILLED,
    NOT_RETURNED,
    NOTE,
    OVERDUE,
    STATE,
    STATES,
    TASK_COUNT,
    TASK_ID,
    UNIT,
    UNIT_COLUMNS,
    WARNING,
)

if TYPE_CHECKING:
    from toolkit.deliver.contacts import Contact


FONT = "'Microsoft YaHei','PingFang SC','Noto Sans CJK SC','SimSun',sans-serif"


def subject_date(result: MergeResult) -> str:
    d = result.as_of
    return f"截至{d.year}年{d.month}月{d.day}日"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def shorten(text: str, limit: int = 60) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Body:
    """Builds the HTML (inline CSS only: mail clients drop <style>) and the plain text side by side."""

    CELL = "border:1px solid #BFBFBF;padding:4px 8px;vertical-align:top;"

    def __init__(self, colors: Mapping[str, Mapping[str, str]]) -> None:
        self.colors = colors
        self.parts: list[str] = []
        self.lines: list[str] = []

    def para(self, text: str, muted: bool = False) -> None:
        style = "margin:0 0 10px;" + ("color:#7F7F7F;font-size:12px;" if muted else "")
        self.parts.append(f'<p style="{style}">{html.escape(text)}</p>')
        self.lines += [text, ""]

    def heading(self, text: str) -> None:
        self.parts.append(
            f'<h3 style="font-size:15px;margin:18px 0 8px;color:#1F3864;">{html.escape(text)}</h3>'
        )
        self.lines += [text, ""]

    def _paint(self, state: str) -> tuple[str, str]:
        spec = self.colors.get(state) or {} if state else {}
        fill, font = spec.get("fill", ""), spec.get("font", "")
        style = (f"background-color:#{fill};" if fill else "") + (f"color:#{font};" if font else "")
        return style, (f' bgcolor="#{fill}"' if fill else "")

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[tuple[str, str]]],
        numeric: Sequence[int] = (),
    ) -> None:
        """rows: cells as (text, 逾期状态 to colour by, or "")."""
        out = [
            '<table cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;'
            'font-size:13px;margin:0 0 12px;">',
            "<tr>",
        ]
        for name in header:
            out.append(
                f'<th bgcolor="#DDEBF7" style="{self.CELL}background-color:#DDEBF7;'
                f'white-space:nowrap;">{html.escape(name)}</th>'
            )
        out.append("</tr>")
        for row in rows:
            out.append("<tr>")
            for col, (text, state) in enumerate(row):
                style, attr = self._paint(state)
                align = "text-align:right;" if col in numeric else ""
                wrap = (
                    "" if col == len(row) - 1 else "white-space:nowrap;"
                )  # only the last column wraps
                out.append(
                    f'<td{attr} style="{self.CELL}{align}{wrap}{style}">{html.escape(text)}</td>'
                )
            out.append("</tr>")
        out.append("</table>")
        self.parts.append("".join(out))
        widths = [max([_width(h)] + [_width(r[i][0]) for r in rows]) for i, h in enumerate(header)]
        for cells in [[(h, "") for h in header], *rows]:
            padded = [
                t + " " * (w - _width(t)) if i not in numeric else " " * (w - _width(t)) + t
                for i, ((t, _), w) in enumerate(zip(cells, widths, strict=True))
            ]
            self.lines.append("  ".join(padded).rstrip())
        self.lines.append("")

    def html(self, title: str) -> str:
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{html.escape(title)}</title></head>"
            f'<body style="margin:0;padding:16px;background-color:#FFFFFF;font-family:{FONT};'
            f'font-size:14px;line-height:1.6;color:#222222;">'
            + "\n".join(self.parts)
            + "</body></html>"
        )

    def text(self) -> str:
        return "\n".join(self.lines).rstrip() + "\n"


def summary_body(body: Body, result: MergeResult, attachment: str) -> None:
    """The leaders' mail: overall figures, each unit, the overdue tasks, the silent units."""
    body.para("各位领导：")
    body.para(
        f"现将{subject_date(result)}的整改台账汇总情况报告如下，完整台账见附件《{attachment}》。"
    )
    _overview(body, result)
    _units_section(body, result)
    _overdue_section(body, result)
    _unreported_section(body, result)
    report = result.report
    body.para(
        f"校验发现错误 {report.count(ERROR)} 条、警告 {report.count(WARNING)} 条，详见附件“校验问题”工作表。"
        "本邮件由整改台账工具根据各单位报送的台账生成，数据以附件为准。",
        muted=True,
    )


def _overview(body: Body, result: MergeResult) -> None:
    totals = result.totals()
    silent = result.silent_units
    body.heading("一、总体情况")
    body.para(result.headline() + "。")
    labels = [TASK_COUNT, *STATES]
    body.table(
        labels,
        [[(str(totals[label]), label if totals[label] else "") for label in labels]],
        numeric=range(len(labels)),
    )
    body.para(
        f"责任单位 {len(result.units)} 个，已报送 {len(result.units) - len(silent)} 个，未报送 {len(silent)} 个；"
        f"读取报送文件 {totals[FILES_READ]} 个（共 {totals[FILE_COUNT]} 个）。任务按单位计，一项任务由几个单位"
        f"承担就计几次。"
    )


def _units_section(body: Body, result: MergeResult) -> None:
    silent = result.silent_units
    body.heading("二、各单位情况")
    rows = []
    for u in result.units:
        name_state = NOT_RETURNED if u in silent else (OVERDUE if u.overdue else "")
        rows.append(
            [
                (u.unit, name_state),
                (str(u.tasks), ""),
                (str(u.done), ""),
                (str(u.in_progress), ""),
                (str(u.not_started), ""),
                (str(u.overdue), OVERDUE if u.overdue else ""),
                (str(u.due_soon), DUE_SOON if u.due_soon else ""),
                (f"{u.rate:.1%}", ""),
                (u.return_state, NOT_RETURNED if u in silent else ""),
            ]
        )
    body.table(list(UNIT_COLUMNS[:-1]), rows, numeric=range(1, 8))


def _overdue_section(body: Body, result: MergeResult) -> None:
    overdue = sorted(
        (r for r in result.rows if r.state == OVERDUE), key=lambda r: -(r.overdue_days or 0)
    )
    unreported_late = sorted(
        (r for r in result.rows if r.state == NOT_RETURNED and r.overdue_days),
        key=lambda r: -(r.overdue_days or 0),
    )
    body.heading(
        f"三、逾期任务（{len(overdue)} 项；另有未报送但已过完成时限的 {len(unreported_late)} 项）"
    )
    if not (overdue or unreported_late):
        body.para("没有逾期任务。")
        return
    body.table(
        [TASK_ID, UNIT, DEADLINE, DAYS_OVERDUE, "情况", MEASURE],
        [
            [
                (r.task.task_id, r.state),
                (r.unit, r.state),
                (_deadline(r), r.state),
                (str(r.overdue_days or ""), r.state),
                ("报了未完成" if r.state == OVERDUE else NOT_RETURNED, r.state),
                (shorten(r.task.measure), r.state),
            ]
            for r in overdue + unreported_late
        ],
        numeric=[3],
    )


def _unreported_section(body: Body, result: MergeResult) -> None:
    unreported = result.unreported_units
    if not unreported:
        return
    body.heading(
        f"四、未报送（{len(unreported)} 个单位，{sum(u.missing for u in unreported)} 项任务）"
    )
    body.table(
        [UNIT, "未报任务数", "其中已过完成时限", NOTE],
        [
            [
                (u.unit, NOT_RETURNED),
                (str(u.missing), ""),
                (str(u.missing_overdue), ""),
                (_unreported_note(u), ""),
            ]
            for u in unreported
        ],
        numeric=[1, 2],
    )


def _unreported_note(unit: UnitSummary) -> str:
    if unit.files:
        return f"部分报送：报回的台账缺 {unit.missing} 项"
    if unit.failed_files:
        return "报送的文件无法读取，需重新报送"
    return "没有收到台账"


def _deadline(row: DetailRow) -> str:
    return (
        row.task.deadline.isoformat()
        if row.task.deadline
        else (row.task.deadline_text or NO_DEADLINE)
    )


def reminder_body(
    body: Body,
    result: MergeResult,
    unit: UnitSummary,
    rows: list[DetailRow],
    contact: Contact,
    sender: str | None,
) -> str:
    """Fill the body; returns the subject."""
    counts = {s: sum(1 for r in rows if r.state == s) for s in (OVERDUE, DUE_SOON, NOT_RETURNED)}
    when = subject_date(result)
    body.para(f"{contact.name or unit.unit}：您好！")
    if not unit.files:
        what = "尚未报送整改台账"
        if unit.failed_files:
            body.para(
                f"{when}，贵单位报送的 {'、'.join(unit.failed_files)} 无法读取（文件损坏或加密）。请按台账"
                f"模板重新填报后报送。贵单位共承担 {unit.tasks} 项任务，其中已过完成时限 {unit.missing_overdue} 项。"
            )
        else:
            body.para(
                f"{when}，尚未收到贵单位（{unit.unit}）报送的整改台账。贵单位共承担 {unit.tasks} 项任务，"
                f"其中已过完成时限 {unit.missing_overdue} 项，请按台账模板填报后尽快报送。"
            )
    else:
        parts = [
            f"{label}{counts[s]}项"
            for s, label in ((OVERDUE, OVERDUE), (DUE_SOON, DUE_SOON), (NOT_RETURNED, "缺报"))
            if counts[s]
        ]
        what = "、".join(parts)
        note = "（缺报指报回的台账中没有这项任务）" if counts[NOT_RETURNED] else ""
        body.para(
            f"{when}，贵单位（{unit.unit}）承担的整改任务中：{'，'.join(parts)}{note}，明细如下。"
        )
    body.heading("需要关注的任务")
    table = []
    for r in rows:
        if r.state == DUE_SOON and r.task.deadline:
            gap = f"还剩{(r.task.deadline - result.as_of).days}天"
        else:
            gap = f"逾期{r.overdue_days}天" if r.overdue_days else ""
        status = NOT_RETURNED if r.state == NOT_RETURNED else (r.status or NOT_FILLED)
        table.append(
            [
                (r.task.task_id, r.state),
                (_deadline(r), r.state),
                (r.state, r.state),
                (gap, r.state),
                (status, r.state),
                (shorten(r.task.measure, 80), r.state),
            ]
        )
    body.table([TASK_ID, DEADLINE, STATE, "距时限", "填报状态", MEASURE], table)
    body.para(
        "请抓紧推进，并在台账中如实更新整改进展；已完成的请填写实际完成日期并附佐证材料。如有疑问，请直接回复本邮件。"
    )
    signer = parseaddr(sender)[0] if sender else ""
    body.para(
        f"{signer or '整改工作办公室'}　{result.as_of.year}年{result.as_of.month}月{result.as_of.day}日"
    )
    return f"【整改提醒】{unit.unit}：{what}（{when}）"
