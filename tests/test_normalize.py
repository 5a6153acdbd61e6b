"""toolkit.normalize: what people type — full-width text, Chinese numerals, ids, statuses (DESIGN §3, §5)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.core.defaults import (
    DEFAULT_STATUS_BLOCKERS,
    DEFAULT_STATUS_HINTS,
    DEFAULT_STATUS_SYNONYMS,
)
from toolkit.core.normalize import (
    cell_text,
    chinese_int,
    clean_header,
    compact,
    halfwidth,
    measure_ordinal,
    parse_int,
    parse_status,
    parse_task_id,
    split_units,
    status_from_text,
    status_table,
    strip_control,
)
from toolkit.core.words import STATUSES

TABLE = status_table(STATUSES, DEFAULT_STATUS_SYNONYMS)

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1..999 the way a clerk writes it: 十三, 二十七, 一百零五, 一百一十."""
    assert 0 < n < 1000
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += _DIGITS[hundreds] + "百"
        if rest and tens == 0:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    if ones:
        out += _DIGITS[ones]
    return out


def to_fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def test_numeral_generator():
    assert [chinese_numeral(n) for n in (1, 10, 13, 20, 27, 99, 100, 105, 110, 999)] == [
        "一",
        "十",
        "十三",
        "二十",
        "二十七",
        "九十九",
        "一百",
        "一百零五",
        "一百一十",
        "九百九十九",
    ]


# --- halfwidth / compact / cell_text / strip_control -------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("１２３", "123"),
        ("ＡＢＣａｂｃ", "ABCabc"),
        ("（）：；，！～", "():;,!~"),
        ("\u3000", " "),
        ("１３－２", "13-2"),
        ("整改措施", "整改措施"),
        ("、。“”", "、。“”"),
        ("", ""),
        ("mixed １a２", "mixed 1a2"),
    ],
)
def test_halfwidth(text, expected):
    assert halfwidth(text) == expected


@given(st.text())
def test_halfwidth_is_idempotent_and_keeps_length(text):
    once = halfwidth(text)
    assert halfwidth(once) == once
    assert len(once) == len(text)


def test_compact_drops_all_whitespace():
    assert compact(" 区 住建局\u3000\n\t") == "区住建局"
    assert compact("２０２４　年") == "2024年"


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ""),
        (13.0, "13"),
        (13.5, "13.5"),
        (math.nan, ""),
        (7, "7"),
        (" a ", "a"),
        (True, "是"),
    ],
)
def test_cell_text(value, expected):
    assert cell_text(value) == expected


def test_strip_control():
    assert strip_control("a\x00b\x1fc") == ("abc", True)
    assert strip_control("a\nb\tc") == ("a\nb\tc", False)


# --- chinese_int -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("一", 1),
        ("九", 9),
        ("十", 10),
        ("十一", 11),
        ("十三", 13),
        ("二十", 20),
        ("二十七", 27),
        ("九十九", 99),
        ("一百", 100),
        ("一百零五", 105),
        ("一百一十", 110),
        ("一百十", 110),
        ("两百", 200),
        ("九百九十九", 999),
        ("零", 0),
        ("〇", 0),
        ("壹佰零伍", 105),
        ("贰拾柒", 27),
    ],
)
def test_chinese_int(text, expected):
    assert chinese_int(text) == expected


@pytest.mark.parametrize("text", ["", "13", "abc", "十三条", "第十三", "一千", " 十", "十 "])
def test_chinese_int_rejects_other_text(text):
    assert chinese_int(text) is None


@given(st.text())
def test_chinese_int_never_raises(text):
    result = chinese_int(text)
    assert result is None or (isinstance(result, int) and result >= 0)


@given(st.text(alphabet="零〇一二两三四五六七八九十百壹贰叁肆伍陆柒捌玖拾佰"))
def test_chinese_int_never_raises_on_numeral_characters(text):
    result = chinese_int(text)
    assert result is None or result >= 0


# --- parse_int ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        13,
        13.0,
        "13",
        "13.0",
        "13.00",
        " 13 ",
        "十三",
        "序号十三",
        "序号13",
        "问题13",
        "第13",
        "第十三",
        "第13条",
        "第十三条",
        "第13项",
        "13、",
        "十三、",
        "(13)",
        "（13）",
        "（十三）",
        "【13】",
        "13.",
        "１３",
        "１３．０",
        "（１３）",
        "No.13",
        "NO13",
    ],
)
def test_parse_int_thirteen(value):
    assert parse_int(value) == 13


@pytest.mark.parametrize(
    "value, expected",
    [
        ("（二）", 2),
        ("(二)", 2),
        ("2、", 2),
        ("二、", 2),
        ("第3条", 3),
        ("一百零五", 105),
        (0, 0),
        ("0", 0),
    ],
)
def test_parse_int_measure_numbers(value, expected):
    assert parse_int(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        "",
        "  ",
        "abc",
        "13.5",
        13.5,
        -1,
        -1.0,
        "-1",
        "13-2",
        "一千",
        math.nan,
        math.inf,
        "（）",
        "第条",
        "十三a",
    ],
)
def test_parse_int_bad_is_none(value):
    assert parse_int(value) is None


def test_parse_int_long_digit_strings_are_exact_and_never_raise():
    assert parse_int("12345678901234567890") == 12345678901234567890
    assert parse_int("9" * 400) == int("9" * 400)
    assert parse_int("9" * 5000) is None


@given(st.integers(min_value=0, max_value=10**12))
def test_parse_int_of_its_text(n):
    assert parse_int(str(n)) == n
    assert parse_int(n) == n
    assert parse_int(float(n)) == n
    assert parse_int(f"{n}.0") == n
    assert parse_int(to_fullwidth(str(n))) == n


@given(st.integers(min_value=1, max_value=999))
def test_parse_int_of_its_chinese_numeral(n):
    numeral = chinese_numeral(n)
    assert chinese_int(numeral) == n
    assert parse_int(numeral) == n
    assert parse_int(f"（{numeral}）") == n
    assert parse_int(f"序号{numeral}") == n
    assert parse_int(f"第{numeral}条") == n
    assert parse_int(f"{numeral}、") == n


@given(st.one_of(st.text(), st.integers(), st.floats(), st.none(), st.booleans()))
def test_parse_int_never_raises(value):
    result = parse_int(value)
    assert result is None or (isinstance(result, int) and result >= 0)


# --- parse_task_id -----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13-2",
        "13－2",
        "13—2",
        "13–2",
        "13_2",
        " 13 - 2 ",
        "13 — 2",
        "１３－２",
        "13-02",
        "013-2",
        "\u300013-2\u3000",
    ],
)
def test_parse_task_id(value):
    assert parse_task_id(value) == "13-2"


@pytest.mark.parametrize(
    "value", ["13.2", 13.2, "abc", "", None, "13", 13, "13-", "-2", "13-2-1", "十三-二", "13/2"]
)
def test_parse_task_id_bad(value):
    assert parse_task_id(value) is None


@given(
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.sampled_from(["-", "－", "—", "–", "_", " - "]),
)
def test_parse_task_id_round_trips(issue, measure, dash):
    task_id = parse_task_id(f"{issue}{dash}{measure}")
    assert task_id == f"{issue}-{measure}"
    assert parse_task_id(task_id) == task_id


@given(st.one_of(st.text(), st.integers(), st.floats(), st.none()))
def test_parse_task_id_never_raises(value):
    result = parse_task_id(value)
    assert result is None or parse_task_id(result) == result


# --- parse_status ------------------------------------------------------------------

DESIGN_SYNONYMS = {
    "已完成": ["完成", "已整改", "整改完成", "已办结", "已落实"],
    "推进中": ["正在推进", "进行中", "整改中", "持续推进", "基本完成", "部分完成"],
    "未启动": ["未开始", "未开展", "尚未启动"],
    "长期坚持": ["长期", "常态化", "持续开展"],
}
DESIGN_CASES = [
    (word, status) for status, words in DESIGN_SYNONYMS.items() for word in [status, *words]
]


def _variants(word: str) -> list[str]:
    return [
        word,
        f" {word} ",
        f"\u3000{word}\u3000",
        f"\n{word}\t",
        f"{word}。",
        f"{word}；",
        " ".join(word),
    ]


@pytest.mark.parametrize("word, status", DESIGN_CASES)
def test_parse_status_design_words(word, status):
    for variant in _variants(word):
        assert parse_status(variant, TABLE) == status, variant


def test_every_configured_synonym_is_recognised():
    for status, words in DEFAULT_STATUS_SYNONYMS.items():
        for word in words:
            assert parse_status(word, TABLE) == status


def test_status_table_covers_the_canonical_words():
    assert set(TABLE.values()) == set(STATUSES)
    for status in STATUSES:
        assert TABLE[status] == status


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000", "\n", math.nan, "。"])
def test_parse_status_blank(value):
    assert parse_status(value, TABLE) == ""


@pytest.mark.parametrize(
    "value",
    ["已完成了", "OK", "是", "完成?", "完成？", "已完成（附件3）", "1", 1, "逾期", "未填报"],
)
def test_parse_status_unknown(value):
    assert parse_status(value, TABLE) is None


def test_status_table_with_extra_words():
    table = status_table(STATUSES, {**DEFAULT_STATUS_SYNONYMS, "已完成": ["验收通过", "ＯＫ"]})
    assert parse_status("验收通过", table) == "已完成"
    assert parse_status("ok", table) is None
    assert parse_status("OK", table) == "已完成"
    assert parse_status("ＯＫ", table) == "已完成"


@given(st.sampled_from(STATUSES))
def test_parse_status_is_idempotent(status):
    once = parse_status(status, TABLE)
    assert once == status
    assert parse_status(once, TABLE) == once


@given(
    st.one_of(st.sampled_from([w for w, _ in DESIGN_CASES]), st.text(), st.integers(), st.none())
)
def test_parse_status_result_is_a_fixed_point(value):
    once = parse_status(value, TABLE)
    assert once is None or once == "" or once in STATUSES
    if once:
        assert parse_status(once, TABLE) == once


# --- split_units -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "区住建局、区农业农村局、区发改局",
        "区住建局，区农业农村局，区发改局",
        "区住建局,区农业农村局,区发改局",
        "区住建局;区农业农村局;区发改局",
        "区住建局；区农业农村局；区发改局",
        "区住建局\n区农业农村局\n区发改局",
        "区住建局\r\n区农业农村局\r\n区发改局",
        "区住建局、 区农业农村局 ；\n区发改局、",
        "区住建局、区农业农村局、区住建局、区发改局、区农业农村局",
        "区住建局（牵头）、区农业农村局（配合）、区发改局（配合）",
        "区住建局(牵头)，区农业农村局，区发改局",
        "（区住建局）、区农业农村局、区发改局",
        "区住建局\u3000、区农业农村局、区 发改局",
    ],
)
def test_split_units(text):
    assert split_units(text) == ["区住建局", "区农业农村局", "区发改局"]


@pytest.mark.parametrize("value", [None, "", "  ", "、、", "\n"])
def test_split_units_blank(value):
    assert split_units(value) == []


def test_split_units_keeps_the_lead_unit_first():
    assert split_units("区发改局、区住建局")[0] == "区发改局"


def test_split_units_keeps_brackets_that_belong_to_the_name():
    assert split_units("区委办（区政府办）、区财政局") == ["区委办(区政府办)", "区财政局"]


@given(
    st.lists(st.text(alphabet="区市住建农业发改局委办", min_size=1, max_size=8), max_size=6),
    st.sampled_from(["、", "，", ",", ";", "；", "\n"]),
)
def test_split_units_round_trips(names, sep):
    expected = list(dict.fromkeys(names))
    assert split_units(sep.join(names)) == expected


# --- clean_header ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("完成时限（年月日）", "完成时限"),
        ("完成时限(年月日)", "完成时限"),
        ("* 整改措施", "整改措施"),
        ("*整改措施", "整改措施"),
        ("＊整改措施", "整改措施"),
        ("★完成状态", "完成状态"),
        ("整改措施：", "整改措施"),
        ("整改措施:", "整改措施"),
        ("整改\n措施", "整改措施"),
        ("整改　措施", "整改措施"),
        (" 责任单位（牵头） ", "责任单位"),
        ("完成时限（ｙｙｙｙ－ｍｍ－ｄｄ）", "完成时限"),
        ("任务ＩＤ", "任务ID"),
        ("序号", "序号"),
        (None, ""),
        (13, "13"),
    ],
)
def test_clean_header(text, expected):
    assert clean_header(text) == expected


@given(st.text())
def test_clean_header_never_raises_and_has_no_spaces(text):
    cleaned = clean_header(text)
    assert not any(ch.isspace() for ch in cleaned)
    assert "*" not in cleaned


DECORATIONS = [
    "{}",
    "序号{}",
    "第{}项",
    "（{}）",
    "({})",
    "{}、",
    "第{}个问题",
    "问题{}",
    "{}是",
    "序号：{}",
]


@given(st.integers(min_value=1, max_value=999), st.sampled_from(DECORATIONS), st.booleans())
def test_parse_int_of_decorated_problem_numbers(n, decoration, han):
    """序号七, 七, 第七项, （七）, 7.0: however the problem number is dressed, it reads back."""
    number = chinese_numeral(n) if han else str(n)
    assert parse_int(decoration.format(number)) == n
    assert parse_int(to_fullwidth(decoration.format(number))) == n


ORDINALS = ["（{}）", "({})", "{}.", "{}、", "{}．", "{}是", "第{}，", "第{}项："]


@given(
    st.integers(min_value=1, max_value=20),
    st.sampled_from(ORDINALS),
    st.booleans(),
    st.text(alphabet="加强监管落实责任年月底前整改", min_size=1, max_size=30),
)
def test_measure_ordinal_reads_the_opening_number_and_keeps_the_rest(n, form, han, rest):
    number = chinese_numeral(n) if han or form in ("{}是",) else str(n)
    got, body = measure_ordinal(form.format(number) + rest + "……")
    assert (got, body) == (n, compact(rest))
    assert measure_ordinal(body) == (None, body)  # idempotent on what it returns


@pytest.mark.parametrize(
    "text", ["2024年7月底前，完成", "1.5万吨秸秆", "（2024）年度方案", "二〇二四年六月底前", "一百"]
)
def test_measure_ordinal_is_not_fooled_by_years_and_amounts(text):
    assert measure_ordinal(text)[0] is None


def test_measure_ordinal_circled_and_a_year_after_the_number():
    assert measure_ordinal("②加强巡查") == (2, "加强巡查")
    assert measure_ordinal("2.2024年7月底前，制定方案...") == (2, "2024年7月底前,制定方案")


@pytest.mark.parametrize(
    "text, status",
    [
        ("已完成整改，见附件", "已完成"),
        ("已整改到位", "已完成"),
        ("完成整改", "已完成"),
        ("已办结", "已完成"),
        ("已落实", "已完成"),
        ("正在推进", "推进中"),
        ("推进中", "推进中"),
        ("持续推进", "推进中"),
        ("整改中", "推进中"),
        ("未启动", "未启动"),
        ("尚未开始", "未启动"),
        ("长期坚持", "长期坚持"),
        ("常态化开展", "长期坚持"),
        ("已完成整改，并常态化巡查", "已完成"),
        ("未完成", None),
        ("尚未完成整改", None),
        ("尚未全面完成整改", None),
        ("力争于2024年12月31日前完成整改", None),
        ("", None),
        ("见附件", None),
        # DESIGN §5: 基本完成 / 部分完成 are 推进中, whatever 完成整改 follows
        ("基本完成整改", "推进中"),
        ("已部分完成", "推进中"),
        ("尚未开展", "未启动"),
        # 不 inside 坚持不懈 / 不断 negates nothing
        ("坚持不懈持续推进", "推进中"),
        ("不断完善，已完成整改", "已完成"),
        ("不折不扣完成整改", "已完成"),
        ("确保不折不扣完成整改", None),
    ],
)
def test_status_from_text(text, status):
    found = status_from_text(text, DEFAULT_STATUS_HINTS, DEFAULT_STATUS_BLOCKERS)
    assert (found[0] if found else None) == status


@given(st.text(max_size=60))
def test_status_from_text_names_a_status_and_a_phrase_of_the_text(text):
    found = status_from_text(text, DEFAULT_STATUS_HINTS, DEFAULT_STATUS_BLOCKERS)
    if found is not None:
        assert found[0] in STATUSES and compact(found[1]) in compact(text)


@given(st.text())
def test_compact_is_nfkc_without_whitespace(text):
    import unicodedata

    once = "".join(unicodedata.normalize("NFKC", text).split())
    # with the whitespace gone a combining mark may compose with the letter before it ("A ́" → "Á")
    assert compact(text) in (once, "".join(unicodedata.normalize("NFKC", once).split()))
    assert unicodedata.is_normalized("NFKC", compact(text)) and compact(compact(text)) == compact(
        text
    )
