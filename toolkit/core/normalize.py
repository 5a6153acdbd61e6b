"""Normalising what people type: full-width text, Chinese numerals, issue numbers, statuses."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


_SPACES = re.compile(r"[ \t\u3000\u00a0]+")


_HALFWIDTH = {0x3000: " ", **{code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}}


def halfwidth(text: str) -> str:
    """Full-width ASCII (digits, letters, punctuation, space) to half-width; other text unchanged."""
    return text.translate(_HALFWIDTH)


def strip_control(text: str) -> tuple[str, bool]:
    """Remove characters XML forbids; say whether any were removed."""
    cleaned = _CONTROL.sub("", text)
    return cleaned, cleaned != text


def cell_text(value: object) -> str:
    """A cell as the text a person sees: numbers without a trailing .0, None as ''."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if hasattr(value, "isoformat") and not isinstance(value, str):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") or len(text) == 10 else text.replace("T", " ")
    return str(value).strip()


_WHITESPACE = re.compile(r"\s+")


def compact(text: str) -> str:
    """Text for comparison: NFKC (which also makes full-width ASCII half-width), no whitespace."""
    if text.isascii():
        return _WHITESPACE.sub("", text)
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", halfwidth(text)))


def clean_header(text: str) -> str:
    """A header cell as a key: half-width, no spaces, no '*', no trailing note in brackets."""
    text = compact(cell_text(text))
    text = text.replace("*", "").replace("★", "").rstrip(":：")
    text = re.sub(r"[（(][^）)]*[）)]$", "", text)
    return text


_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
           "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8,
           "捌": 8, "九": 9, "玖": 9}


_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100}


def chinese_int(text: str) -> int | None:
    """'十三' → 13, '二十七' → 27, '一百零五' → 105; None when it is not a Chinese numeral."""
    if not text or any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        else:
            total += (current or 1) * _UNITS[ch]
            current = 0
    return total + current


_NUMBER_WRAPPERS = re.compile(r"^(序号|问题|第|No\.?|NO\.?|no\.?)")


def parse_int(value: object) -> int | None:
    """An issue or measure number as typed: 13, 13.0, '13', '十三', '序号十三', '（二）', '2、', '第3条'."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    text = compact(str(value))
    text = _NUMBER_WRAPPERS.sub("", text)
    text = text.strip("()（）[]【】、.,，:：条项号")
    text = re.sub(r"^第", "", text)
    if not text:
        return None
    if re.fullmatch(r"\d+(\.0+)?", text):
        try:
            return int(text.split(".")[0])  # exact, however long; not via float
        except ValueError:  # more digits than int() accepts
            return None
    return chinese_int(text)


_TASK_ID = re.compile(r"^(\d+)\s*[-－—–_]\s*(\d+)$")


def parse_task_id(value: object) -> str | None:
    """'13-2', '13－2', '13—2', '13_2' → '13-2'; None otherwise."""
    if value is None or value == "" or isinstance(value, (int, float)):
        return None
    text = cell_text(value)
    if text.isascii():
        text = text.replace(" ", "")
    else:
        text = compact(text)
    match = _TASK_ID.match(text)
    if not match:
        return None
    return f"{int(match.group(1))}-{int(match.group(2))}"


def status_table(canonical: list[str], synonyms: Mapping[str, list[str]]) -> dict[str, str]:
    """Map every accepted word (compacted) to its canonical status."""
    table = {compact(word): word for word in canonical}
    for word, alternatives in synonyms.items():
        for alt in alternatives:
            table[compact(alt)] = word
    return table


def parse_status(value: object, table: Mapping[str, str]) -> str | None:
    """The canonical status for what a unit typed, '' for blank, None when not recognised."""
    text = compact(cell_text(value)).strip("。.;；")
    if not text:
        return ""
    return table.get(text)


def split_units(text: str) -> list[str]:
    """'区住建局、区农业农村局；区发改局' → three names, order kept, blanks and repeats dropped."""
    parts = re.split(r"[、，,;；/\n\r]+|\s{2,}", cell_text(text))
    names: list[str] = []
    for part in parts:
        name = re.sub(r"[（(](牵头|配合|主责|责任)[）)]$", "", compact(part))
        if name.startswith("(") and name.endswith(")"):
            name = name[1:-1]
        if name.count("(") != name.count(")"):  # a bracket cut in two by the split
            name = name.strip("()")
        if name and name not in names:
            names.append(name)
    return names


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
