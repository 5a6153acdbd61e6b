"""Dates as people write them in ledgers: Excel serials, ISO, 2024/6/30, 2024年6月底前, 长期坚持.

Deadline words (README, "完成时限的写法"): 立行立改 is due at once (IMMEDIATE; the issue list gives it a
date); 长期坚持/每月/每季度 are standing (OPEN); 二〇二四年六月底 (Chinese numerals), 2024年第二季度
(quarter end), 6月中旬 (the 20th; 上旬 the 10th, 下旬 the month end), 上半年 (June 30), 年底前 (Dec 31).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from toolkit.core.normalize import compact, halfwidth

OPEN_WORDS = (
    "长期坚持",
    "长期",
    "常态化",
    "持续推进",
    "持续开展",
    "长期执行",
    "长期推进",
    "每月",
    "每季度",
    "每季",
    "每半年",
    "每年",
    "每周",
    "定期",
    "无",
)


IMMEDIATE_WORDS = ("立行立改", "立即整改", "即知即改", "立查立改", "立即")


DATE = "date"  # a full date


BLANK = "blank"  # nothing written


OPEN = "open"  # 长期坚持 and the like: no deadline


YEARLESS = "yearless"  # a date whose year came from the context


INVALID = "invalid"  # something that is not a date


IMMEDIATE = "immediate"  # 立行立改: due at once; the issue list dates it (read/issue_list.py)


_EXCEL_EPOCH = date(1899, 12, 30)


_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")


_YM_END = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*(底|末|前|份|$)")


_Y_END = re.compile(r"(\d{4})\s*年\s*(年底|底|末|年末)")


_Y_HALF = re.compile(r"(\d{4})\s*年\s*(上半年|下半年)")


_MD = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")


_M_END = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(底|末|前|份)")


_Y_QUARTER = re.compile(r"(\d{4})\s*年\s*第?\s*([1-4一二三四])\s*季度")


_QUARTER = re.compile(r"第?\s*([1-4一二三四])\s*季度")


_YM_XUN = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*([上中下])旬")


_M_XUN = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*([上中下])旬")


_Y_WITHIN = re.compile(r"(\d{4})\s*年\s*(年内|内|全年)")


_HALF_OR_END = {
    "上半年": (6, 30),
    "下半年": (12, 31),
    "年底": (12, 31),
    "年末": (12, 31),
    "年内": (12, 31),
}


_CN_DIGIT = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "Ｏ": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


_CN_YEAR = re.compile(r"([〇零○Ｏ一二三四五六七八九]{4})(?=\s*年)")


_CN_MONTH_DAY = re.compile(
    r"(?<![一二三四五六七八九十])([一二三四五六七八九十]{1,3})(?=\s*(?:月|日|号))"
)


_COMPACT_YMD = re.compile(r"^(19|20|21)(\d{2})(\d{2})(\d{2})$")


# a time of day after the date ("2024/6/5 0:00", "2024-06-05T08:30:00"), dropped before compacting
_TIME = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*$")


@dataclass(frozen=True)
class ParsedDate:
    value: date | None
    kind: str

    @property
    def ok(self) -> bool:
        return self.kind in (DATE, BLANK, OPEN, YEARLESS, IMMEDIATE)


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


def _cn_number(text: str) -> int | None:
    """一 … 三十一 as a number; None for anything else."""
    if "十" not in text:
        return _CN_DIGIT.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    high = _CN_DIGIT.get(tens, -1) if tens else 1
    low = _CN_DIGIT.get(ones, -1) if ones else 0
    return None if high < 0 or low < 0 or "十" in ones else high * 10 + low


def arabic_dates(text: str) -> str:
    """Chinese-numeral years, months and days as digits: 二〇二四年六月底 → 2024年6月底, 十二月二十日 → 12月20日.
    Idempotent; other Chinese numerals (十四五, 第二季度) are left alone."""
    if not any(ch in _CN_DIGIT or ch == "十" for ch in text):
        return text
    text = _CN_YEAR.sub(lambda m: "".join(str(_CN_DIGIT[ch]) for ch in m.group(1)), text)

    def month_day(match: re.Match[str]) -> str:
        number = _cn_number(match.group(1))
        return str(number) if number is not None and 0 < number <= 31 else match.group(1)

    return _CN_MONTH_DAY.sub(month_day, text)


def _quarter(value: str) -> int:
    return int(value) if value.isdigit() else "一二三四".index(value) + 1


def _xun(year: int, month: int, part: str) -> date | None:
    return _safe(year, month, {"上": 10, "中": 20}.get(part))


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
            parsed = _safe(
                int(match.group(1) + match.group(2)), int(match.group(3)), int(match.group(4))
            )
            return ParsedDate(parsed, DATE if parsed else INVALID)
        if (
            not 20000 <= value < 80000
        ):  # same window as text serials: 2024 or 30 is a typo, not 1900
            return ParsedDate(None, INVALID)
        return ParsedDate(from_serial(float(value)), DATE)
    return _parse_text(str(value), year_hint)


def _parse_text(raw: str, year_hint: int | None) -> ParsedDate:
    """A deadline written as text: a deadline word, a number, a date with its year, then (given a
    year_hint) a date without one."""
    text = arabic_dates(compact(_TIME.sub("", halfwidth(raw))))
    bare = text.rstrip("前。.")
    return (
        _deadline_word(text, bare)
        or _number_text(text)
        or _with_year(text)
        or (_without_year(text, bare, year_hint) if year_hint is not None else None)
        or ParsedDate(None, INVALID)
    )


def _deadline_word(text: str, bare: str) -> ParsedDate | None:
    """Blank, 立行立改 (IMMEDIATE) or 长期坚持 and the like (OPEN); None for anything else."""
    if not text or text in ("-", "—", "/", "无"):
        return ParsedDate(None, BLANK)
    if any(bare.startswith(word) for word in IMMEDIATE_WORDS):  # 立行立改，长期坚持 is standing
        standing = any(word in bare for word in OPEN_WORDS[:-1] if word not in ("长期", "无"))
        return ParsedDate(None, OPEN if standing or "长期" in bare else IMMEDIATE)
    if any(bare == word or bare.startswith(word) for word in OPEN_WORDS[:-1]):
        return ParsedDate(None, OPEN)
    return None


def _number_text(text: str) -> ParsedDate | None:
    """20240630, or an Excel serial stored as text; any other bare number is INVALID."""
    match = _COMPACT_YMD.match(text)
    if match:
        parsed = _safe(
            int(match.group(1) + match.group(2)), int(match.group(3)), int(match.group(4))
        )
        return ParsedDate(parsed, DATE if parsed else INVALID)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        number = float(text)
        if 20000 <= number < 80000:  # a serial number stored as text
            return ParsedDate(from_serial(number), DATE)
        return ParsedDate(None, INVALID)
    return None


Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], date | None]]

# dates that name their year, tried in this order
_WITH_YEAR: tuple[Rule, ...] = (
    (_YMD, lambda m: _safe(int(m[1]), int(m[2]), int(m[3]))),
    (_YM_END, lambda m: _safe(int(m[1]), int(m[2]), None)),
    (_Y_END, lambda m: _safe(int(m[1]), 12, 31)),
    (_Y_HALF, lambda m: _safe(int(m[1]), 6 if m[2] == "上半年" else 12, None)),
    (_Y_QUARTER, lambda m: _safe(int(m[1]), _quarter(m[2]) * 3, None)),
    (_YM_XUN, lambda m: _xun(int(m[1]), int(m[2]), m[3])),
    (_Y_WITHIN, lambda m: _safe(int(m[1]), 12, 31)),
)


def _first_match(rules: Iterable[Rule], text: str, kind: str) -> ParsedDate | None:
    """The date of the first rule whose pattern is in the text (INVALID when it names no real day)."""
    for pattern, build in rules:
        match = pattern.search(text)
        if match:
            parsed = build(match)
            return ParsedDate(parsed, kind if parsed else INVALID)
    return None


def _with_year(text: str) -> ParsedDate | None:
    xun = _YM_XUN.search(text)  # 2024年6月中旬: the 20th, not the month end
    return _first_match(
        (rule for rule in _WITH_YEAR if not (xun and rule[0] is _YM_END)), text, DATE
    )


def _without_year(text: str, bare: str, year: int) -> ParsedDate | None:
    """6月中旬, 第二季度, 年底前, 6月30日, 6月底 in the year given (YEARLESS)."""
    found = _first_match(
        (
            (_M_XUN, lambda m: _xun(year, int(m[1]), m[2])),
            (_QUARTER, lambda m: _safe(year, _quarter(m[1]) * 3, None)),
        ),
        text,
        YEARLESS,
    )
    if found:
        return found
    for words, (month, day) in _HALF_OR_END.items():
        if bare.startswith(words) or bare == f"今{words}" or bare == f"本{words}":
            return ParsedDate(_safe(year, month, day), YEARLESS)
    return _first_match(
        (
            (_MD, lambda m: _safe(year, int(m[1]), int(m[2]))),
            (_M_END, lambda m: _safe(year, int(m[1]), None)),
        ),
        text,
        YEARLESS,
    )


def find_year(text: str) -> int | None:
    """The last four-digit year (2000–2099) mentioned in a text, for yearless dates after it."""
    years = re.findall(r"(20\d{2})\s*年", compact(text))
    return int(years[-1]) if years else None


def normalize_deadline(value: object, year_hint: int | None = None) -> str:
    """A deadline in one canonical spelling: ISO for a date, 长期坚持, 立行立改, "" for blank; what is
    not a deadline is returned as written (compacted). parse_date of the result reads the same."""
    parsed = parse_date(value, year_hint)
    if parsed.value is not None:
        return parsed.value.isoformat()
    if parsed.kind == OPEN:
        return "长期坚持"
    if parsed.kind == IMMEDIATE:
        return "立行立改"
    if parsed.kind == BLANK:
        return ""
    return compact(str(value))
