"""toolkit.dates: deadlines and completion dates as clerks and units write them (DESIGN §3)."""

from __future__ import annotations

import calendar
import math
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.core.dates import (
    BLANK,
    DATE,
    IMMEDIATE,
    INVALID,
    OPEN,
    YEARLESS,
    ParsedDate,
    arabic_dates,
    find_year,
    from_serial,
    normalize_deadline,
    parse_date,
)

D = date(2024, 6, 30)


def month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def to_fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def serial(d: date) -> int:
    return (d - date(1899, 12, 30)).days


# --- Excel values ------------------------------------------------------------


def test_excel_date_is_a_date():
    assert parse_date(D) == ParsedDate(D, DATE)


def test_excel_datetime_drops_the_time():
    assert parse_date(datetime(2024, 6, 30, 17, 45)) == ParsedDate(D, DATE)


@pytest.mark.parametrize("value", [45473, 45473.0, 45473.75, "45473", "45473.0", " 45473 "])
def test_serial_number(value):
    assert parse_date(value) == ParsedDate(D, DATE)


def test_serial_number_in_other_numeric_types():
    assert parse_date(Decimal("45473")) == ParsedDate(D, DATE)


def test_from_serial_both_systems():
    assert from_serial(45473) == D
    assert from_serial(45473 - 1462, date1904=True) == D
    assert from_serial(0) is None
    assert from_serial(-5) is None
    assert from_serial(3_000_000) is None


@pytest.mark.parametrize("value", [20240630, 20240630.0, "20240630", "２０２４０６３０"])
def test_eight_digits(value):
    assert parse_date(value) == ParsedDate(D, DATE)


@pytest.mark.parametrize("value", [20240230, "20241301", "20240631"])
def test_eight_digits_impossible_date(value):
    assert parse_date(value) == ParsedDate(None, INVALID)


@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_dates(value):
    assert parse_date(value).kind == INVALID


@pytest.mark.parametrize(
    "value", [-1, 0, 10**20, -(10**20), 10**400, 1e300, math.inf, -math.inf, 0.5]
)
def test_numbers_out_of_range_are_invalid(value):
    assert parse_date(value) == ParsedDate(None, INVALID)


# --- text --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2024-06-30",
        "2024-6-30",
        "2024/6/30",
        "2024/06/30",
        "2024.6.30",
        "2024.06.30",
        "2024年6月30日",
        "2024年06月30日",
        "2024年6月30号",
        "2024 年 6 月 30 日",
        "2024年6月30日前",
        "  2024-06-30\n",
        "２０２４年６月３０日",
        "２０２４－０６－３０",
        "２０２４／６／３０",
        "2024-06-30T00:00:00",
        "2024-06-30 00:00:00",
        "2024/6/30 0:00",
    ],
)
def test_full_dates_in_text(text):
    assert parse_date(text) == ParsedDate(D, DATE)


@pytest.mark.parametrize(
    "text",
    [
        "2024/6/5 0:00",
        "2024/6/5 12:30",
        "2024-6-5 08:30:15",
        "2024-06-05T08:30:00.5",
        "2024年6月5日 9:00",
    ],
)
def test_a_time_of_day_does_not_spoil_the_day(text):
    # Excel's CSV export writes dates with a time as "2024/6/5 0:00".
    assert parse_date(text) == ParsedDate(date(2024, 6, 5), DATE)


@pytest.mark.parametrize(
    "text",
    [
        "2024年6月底前",
        "2024年6月底",
        "2024年6月前",
        "2024年6月末",
        "2024年6月份",
        "2024年6月",
        "2024年06月底前",
        "２０２４年６月底前",
        "2024年 6 月底前",
    ],
)
def test_month_deadlines_mean_the_last_day(text):
    assert parse_date(text) == ParsedDate(D, DATE)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024年2月底前", date(2024, 2, 29)),
        ("2023年2月底前", date(2023, 2, 28)),
        ("2000年2月底", date(2000, 2, 29)),
        ("2100年2月底", date(2100, 2, 28)),
        ("2024年4月底前", date(2024, 4, 30)),
        ("2024年12月底前", date(2024, 12, 31)),
        ("2024年1月前", date(2024, 1, 31)),
    ],
)
def test_month_end_follows_the_calendar(text, expected):
    assert parse_date(text) == ParsedDate(expected, DATE)


@pytest.mark.parametrize(
    "text", ["2024年底前", "2024年底", "2024年年底前", "2024年末", "2024年年末", "２０２４年底前"]
)
def test_end_of_year(text):
    assert parse_date(text) == ParsedDate(date(2024, 12, 31), DATE)


@pytest.mark.parametrize(
    "text, expected",
    [("2024年上半年", date(2024, 6, 30)), ("2024年下半年", date(2024, 12, 31))],
)
def test_half_years(text, expected):
    assert parse_date(text) == ParsedDate(expected, DATE)


def test_a_full_date_ignores_the_year_hint():
    assert parse_date("2024年6月30日", 2019) == ParsedDate(D, DATE)
    assert parse_date("2024年6月底前", 2019) == ParsedDate(D, DATE)


# --- yearless ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("8月底前", date(2025, 8, 31)),
        ("8月底", date(2025, 8, 31)),
        ("8月前", date(2025, 8, 31)),
        ("８月底前", date(2025, 8, 31)),
        ("8月30日", date(2025, 8, 30)),
        ("8月30号", date(2025, 8, 30)),
        ("12月31日前", date(2025, 12, 31)),
        ("2月底前", date(2025, 2, 28)),
    ],
)
def test_yearless_takes_the_hint(text, expected):
    assert parse_date(text, 2025) == ParsedDate(expected, YEARLESS)


def test_yearless_february_in_a_leap_year():
    assert parse_date("2月底前", 2024) == ParsedDate(date(2024, 2, 29), YEARLESS)


@pytest.mark.parametrize("text", ["8月底前", "8月30日", "12月前"])
def test_yearless_without_hint_is_invalid(text):
    assert parse_date(text) == ParsedDate(None, INVALID)


@pytest.mark.parametrize("text", ["13月底前", "2月30日", "0月底"])
def test_yearless_impossible_is_invalid(text):
    assert parse_date(text, 2025) == ParsedDate(None, INVALID)


# --- no deadline, blank, garbage --------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "长期坚持",
        "长期",
        "常态化",
        " 长期坚持 ",
        "长期坚持。",
        "长期坚持，每季度报送进展",
        "常态化推进",
        "持续开展",
    ],
)
def test_open_ended(text):
    assert parse_date(text) == ParsedDate(None, OPEN)
    assert parse_date(text, 2024) == ParsedDate(None, OPEN)


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000", "\n", "-", "—", "/", "无", math.nan])
def test_blank(value):
    assert parse_date(value) == ParsedDate(None, BLANK)


@pytest.mark.parametrize(
    "text",
    [
        "2024年13月",
        "2024年13月底前",
        "2024-02-30",
        "2023-02-29",
        "2024/6/31",
        "2024年0月",
        "2024-00-10",
        "abc",
        "尽快",
        "待定",
        "12345",
        "2024",
        "6/30",
        "2024.6",
        "正在推进",
    ],
)
def test_garbage_and_impossible_dates_are_invalid(text):
    assert parse_date(text) == ParsedDate(None, INVALID)


def test_ok_property():
    assert parse_date(D).ok
    assert parse_date(None).ok
    assert parse_date("长期坚持").ok
    assert parse_date("8月底", 2024).ok
    assert not parse_date("abc").ok


def test_parsed_date_is_frozen():
    parsed = parse_date(D)
    with pytest.raises(AttributeError):
        parsed.kind = BLANK  # type: ignore[misc]


# --- find_year -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024年6月底前完成", 2024),
        ("2023年启动，2024年8月底前完成", 2024),
        ("２０２４年", 2024),
        ("8月底前", None),
        ("1999年", None),
        ("", None),
    ],
)
def test_find_year(text, expected):
    assert find_year(text) == expected


# --- properties ---------------------------------------------------------------

dates_1990_2100 = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))

FORMATS = {
    "iso": lambda d: d.isoformat(),
    "dash": lambda d: f"{d.year}-{d.month}-{d.day}",
    "slash": lambda d: f"{d.year}/{d.month}/{d.day}",
    "slash padded": lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    "dot": lambda d: f"{d.year}.{d.month}.{d.day}",
    "ri": lambda d: f"{d.year}年{d.month}月{d.day}日",
    "hao": lambda d: f"{d.year}年{d.month}月{d.day}号",
    "ri qian": lambda d: f"{d.year}年{d.month}月{d.day}日前",
    "eight digits": lambda d: d.strftime("%Y%m%d"),
    "eight digits int": lambda d: int(d.strftime("%Y%m%d")),
    "full-width ri": lambda d: to_fullwidth(f"{d.year}年{d.month}月{d.day}日"),
    "full-width iso": lambda d: to_fullwidth(d.isoformat()),
    "with time": lambda d: f"{d.year}/{d.month}/{d.day} 0:00",
    "date": lambda d: d,
    "datetime": lambda d: datetime(d.year, d.month, d.day, 13, 5),
    "serial": serial,
    "serial float": lambda d: float(serial(d)) + 0.25,
    "serial text": lambda d: str(serial(d)),
}

MONTH_FORMATS = {
    "di qian": lambda d: f"{d.year}年{d.month}月底前",
    "di": lambda d: f"{d.year}年{d.month}月底",
    "qian": lambda d: f"{d.year}年{d.month}月前",
    "full-width di qian": lambda d: to_fullwidth(f"{d.year}年{d.month}月底前"),
}


@given(d=dates_1990_2100, fmt=st.sampled_from(sorted(FORMATS)))
def test_every_format_round_trips(d, fmt):
    assert parse_date(FORMATS[fmt](d)) == ParsedDate(d, DATE)


@given(d=dates_1990_2100, fmt=st.sampled_from(sorted(MONTH_FORMATS)))
def test_month_formats_give_the_month_end(d, fmt):
    assert parse_date(MONTH_FORMATS[fmt](d)) == ParsedDate(month_end(d), DATE)


@given(d=dates_1990_2100)
def test_yearless_round_trips_with_the_hint(d):
    assert parse_date(f"{d.month}月{d.day}日", d.year) == ParsedDate(d, YEARLESS)
    assert parse_date(f"{d.month}月底前", d.year) == ParsedDate(month_end(d), YEARLESS)


@given(d=dates_1990_2100)
def test_year_end_round_trips(d):
    assert parse_date(f"{d.year}年底前") == ParsedDate(date(d.year, 12, 31), DATE)


date_like_text = st.from_regex(
    r"[12]\d{3}[-/.年]\d{1,2}[-/.月]\d{1,2}[日号]?|[12]\d{3}年\d{1,2}月(底前|底|前)?|\d{1,2}月(\d{1,2}日|底前)"
    r"|[12]\d{7}|[2-7]\d{4}",
    fullmatch=True,
)


@given(
    value=st.one_of(date_like_text, st.text(), st.integers(), st.floats(), dates_1990_2100),
    hint=st.one_of(st.none(), st.integers(1990, 2100)),
)
def test_parsing_is_idempotent(value, hint):
    first = parse_date(value, hint)
    if first.kind in (DATE, YEARLESS):
        assert first.value is not None
        assert parse_date(first.value.isoformat()) == ParsedDate(first.value, DATE)
        assert parse_date(first.value) == ParsedDate(first.value, DATE)
    else:
        assert first.value is None


@given(
    value=st.one_of(
        st.text(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(),
        st.none(),
        st.booleans(),
        st.datetimes(),
        st.decimals(),
        date_like_text,
    ),
    hint=st.one_of(st.none(), st.integers(-10_000, 10_000)),
)
def test_parse_date_never_raises(value, hint):
    parsed = parse_date(value, hint)
    assert parsed.kind in (DATE, BLANK, OPEN, YEARLESS, INVALID)
    assert (parsed.value is not None) == (parsed.kind in (DATE, YEARLESS))


@given(st.integers(min_value=1, max_value=2_958_465))
def test_serials_count_days(number):
    assert from_serial(number) == date(1899, 12, 30) + timedelta(days=number)


@pytest.mark.parametrize("value", [6, 30, 2024, 2024.0, 12.5, 19999, 80000])
def test_small_numbers_are_not_serial_dates(value):
    # A number typed in a date column (a day, a year) must not become a date in 1900.
    assert parse_date(value) == ParsedDate(None, INVALID)
    assert parse_date(str(value)) == ParsedDate(None, INVALID)


# --- deadline words (issue #11; README "完成时限的写法") ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("二〇二四年六月底", ParsedDate(date(2024, 6, 30), DATE)),
        ("二〇二四年六月底前", ParsedDate(date(2024, 6, 30), DATE)),
        ("二零二四年十二月二十日前", ParsedDate(date(2024, 12, 20), DATE)),
        ("2024年第二季度", ParsedDate(date(2024, 6, 30), DATE)),
        ("2024年第四季度末", ParsedDate(date(2024, 12, 31), DATE)),
        ("2024年二季度", ParsedDate(date(2024, 6, 30), DATE)),
        ("2024年6月中旬", ParsedDate(date(2024, 6, 20), DATE)),
        ("2024年6月上旬", ParsedDate(date(2024, 6, 10), DATE)),
        ("2024年2月下旬", ParsedDate(date(2024, 2, 29), DATE)),
        ("2024年上半年", ParsedDate(date(2024, 6, 30), DATE)),
        ("2024年年底前", ParsedDate(date(2024, 12, 31), DATE)),
        ("2024年内", ParsedDate(date(2024, 12, 31), DATE)),
        ("立行立改", ParsedDate(None, IMMEDIATE)),
        ("立即整改", ParsedDate(None, IMMEDIATE)),
        ("立行立改，长期坚持", ParsedDate(None, OPEN)),  # start now and keep going: standing
        ("每月", ParsedDate(None, OPEN)),
        ("每季度", ParsedDate(None, OPEN)),
        ("长期坚持", ParsedDate(None, OPEN)),
        ("尽快", ParsedDate(None, INVALID)),
        ("十四五期间", ParsedDate(None, INVALID)),
    ],
)
def test_deadline_words(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第二季度", date(2025, 6, 30)),
        ("三季度", date(2025, 9, 30)),
        ("6月中旬", date(2025, 6, 20)),
        ("六月中旬", date(2025, 6, 20)),
        ("上半年", date(2025, 6, 30)),
        ("年底前", date(2025, 12, 31)),
        ("年底", date(2025, 12, 31)),
        ("下半年", date(2025, 12, 31)),
    ],
)
def test_yearless_deadline_words_take_the_hint(text, expected):
    assert parse_date(text, 2025) == ParsedDate(expected, YEARLESS)
    assert parse_date(text).kind == INVALID  # with no year to take, the caller reports it


def test_arabic_dates_leaves_other_numerals():
    assert arabic_dates("二〇二四年六月底前完成") == "2024年6月底前完成"
    assert arabic_dates("“十四五”期间，第二季度") == "“十四五”期间，第二季度"
    assert arabic_dates("十二月三十一日") == "12月31日"


_WORDS = st.sampled_from(
    [
        "",
        "年",
        "月",
        "日",
        "底",
        "前",
        "第",
        "季度",
        "上旬",
        "中旬",
        "下旬",
        "上半年",
        "年底",
        "立行立改",
        "长期坚持",
        "每月",
        "〇",
        "二",
        "十",
        "六",
        "，",
        " ",
    ]
)
_DEADLINES = st.one_of(
    st.lists(st.one_of(_WORDS, st.integers(1, 2100).map(str)), max_size=8).map("".join),
    st.dates(date(2000, 1, 1), date(2099, 12, 31)).map(lambda d: f"{d.year}年{d.month}月{d.day}日"),
    st.text(max_size=12),
)


@given(_DEADLINES, st.one_of(st.none(), st.integers(2000, 2099)))
def test_deadline_normalisation_is_idempotent(text, hint):
    once = normalize_deadline(text, hint)
    assert normalize_deadline(once, hint) == once
    first, again = parse_date(text, hint), parse_date(once, hint)
    assert again.value == first.value
    assert (again.kind == DATE) == (first.kind in (DATE, YEARLESS)) or first.value is None


@given(st.text(max_size=20))
def test_arabic_dates_is_idempotent(text):
    assert arabic_dates(arabic_dates(text)) == arabic_dates(text)


@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_chinese_numeral_dates_read_as_digits(day):
    digits = "〇一二三四五六七八九"
    year = "".join(digits[int(ch)] for ch in str(day.year))
    month = ("十" if day.month >= 10 else "") + (digits[day.month % 10] if day.month % 10 else "")
    tens, ones = divmod(day.day, 10)
    dd = (
        (digits[tens] if tens > 1 else "") + ("十" if tens else "") + (digits[ones] if ones else "")
    )
    assert parse_date(f"{year}年{month}月{dd}日") == ParsedDate(day, DATE)
