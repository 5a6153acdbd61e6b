"""Dates as people write them in ledgers: Excel serials, ISO, 2024/6/30, 2024年6月底前, 长期坚持."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from toolkit.core.normalize import compact, halfwidth

OPEN_WORDS = ("长期坚持", "长期", "常态化", "持续推进", "持续开展", "长期执行", "长期推进", "无")


DATE = "date"  # a full date


BLANK = "blank"  # nothing written


OPEN = "open"  # 长期坚持 and the like: no deadline


YEARLESS = "yearless"  # a date whose year came from the context


INVALID = "invalid"  # something that is not a date


_EXCEL_EPOCH = date(1899, 12, 30)


_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")


_YM_END = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*(底|末|前|份|$)")


_Y_END = re.compile(r"(\d{4})\s*年\s*(年底|底|末|年末)")


_Y_HALF = re.compile(r"(\d{4})\s*年\s*(上半年|下半年)")


_MD = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")


_M_END = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(底|末|前|份)")


_COMPACT_YMD = re.compile(r"^(19|20|21)(\d{2})(\d{2})(\d{2})$")


# a time of day after the date ("2024/6/5 0:00", "2024-06-05T08:30:00"), dropped before compacting
_TIME = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*$")


@dataclass(frozen=True)
class ParsedDate:
    value: date | None
    kind: str

    @property
    def ok(self) -> bool:
        return self.kind in (DATE, BLANK, OPEN, YEARLESS)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _safe(year: int, month: int, day: int | None) -> date | None:
    try:
        if day is None:
            return _month_end(year, month)
        return date(year, month, day)
    except ValueError:
        return None


def from_serial(number: float, date1904: bool = False) -> date | None:
    """An Excel serial day number as a date (1900 system unless date1904)."""
    if not 1 <= number < 2958466:
        return None
    epoch = date(1904, 1, 1) if date1904 else _EXCEL_EPOCH
    return epoch + timedelta(days=int(number))


def parse_date(value: object, year_hint: int | None = None) -> ParsedDate:
    """Parse one cell. A month with no year takes year_hint and is marked YEARLESS."""
    if value is None:
        return ParsedDate(None, BLANK)
    if isinstance(value, datetime):
        return ParsedDate(value.date(), DATE)
    if isinstance(value, date):
        return ParsedDate(value, DATE)
    if isinstance(value, bool):
        return ParsedDate(None, INVALID)
    if isinstance(value, (int, float)):
        if value != value:
            return ParsedDate(None, BLANK)
        if isinstance(value, int) and not -(10**15) < value < 10**15:
            return ParsedDate(None, INVALID)  # far beyond any serial or yyyymmdd
        text = str(int(value)) if float(value).is_integer() else ""
        match = _COMPACT_YMD.match(text)
        if match:
            parsed = _safe(int(match.group(1) + match.group(2)), int(match.group(3)), int(match.group(4)))
            return ParsedDate(parsed, DATE if parsed else INVALID)
        if not 20000 <= value < 80000:  # same window as text serials: 2024 or 30 is a typo, not 1900
            return ParsedDate(None, INVALID)
        return ParsedDate(from_serial(float(value)), DATE)
    return _parse_text(str(value), year_hint)


def _parse_text(raw: str, year_hint: int | None) -> ParsedDate:
    text = compact(_TIME.sub("", halfwidth(raw)))
    if not text or text in ("-", "—", "/", "无"):
        return ParsedDate(None, BLANK)
    bare = text.rstrip("前。.")
    if any(bare == word or bare.startswith(word) for word in OPEN_WORDS[:-1]):
        return ParsedDate(None, OPEN)
    match = _COMPACT_YMD.match(text)
    if match:
        parsed = _safe(int(match.group(1) + match.group(2)), int(match.group(3)), int(match.group(4)))
        return ParsedDate(parsed, DATE if parsed else INVALID)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        number = float(text)
        if 20000 <= number < 80000:  # a serial number stored as text
            return ParsedDate(from_serial(number), DATE)
        return ParsedDate(None, INVALID)
    for pattern, build in (
        (_YMD, lambda m: _safe(int(m[1]), int(m[2]), int(m[3]))),
        (_YM_END, lambda m: _safe(int(m[1]), int(m[2]), None)),
        (_Y_END, lambda m: _safe(int(m[1]), 12, 31)),
        (_Y_HALF, lambda m: _safe(int(m[1]), 6 if m[2] == "上半年" else 12, None)),
    ):
        match = pattern.search(text)
        if match:
            parsed = build(match)
            return ParsedDate(parsed, DATE if parsed else INVALID)
    if year_hint is not None:
        match = _MD.search(text)
        if match:
            parsed = _safe(year_hint, int(match[1]), int(match[2]))
            return ParsedDate(parsed, YEARLESS if parsed else INVALID)
        match = _M_END.search(text)
        if match:
            parsed = _safe(year_hint, int(match[1]), None)
            return ParsedDate(parsed, YEARLESS if parsed else INVALID)
    return ParsedDate(None, INVALID)


def find_year(text: str) -> int | None:
    """The last four-digit year (2000–2099) mentioned in a text, for yearless dates after it."""
    years = re.findall(r"(20\d{2})\s*年", compact(text))
    return int(years[-1]) if years else None
