"""Normalising what people type: full-width text, Chinese numerals, issue numbers, statuses."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache

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
        return (
            text[:10] if text.endswith("T00:00:00") or len(text) == 10 else text.replace("T", " ")
        )
    return str(value).strip()


_COMMON_WIDE = tuple((ch, halfwidth(ch)) for ch in "，：；（）！？\u3000")


def compact(text: str) -> str:
    """Text for comparison: NFKC (which also makes full-width ASCII half-width), no whitespace.
    Texts of a cell's usual size are kept for a while: one row's texts are compared several times
    (matching, locked-field checks); long ones are not, so the cache stays a few MB."""
    return _compact_kept(text) if len(text) <= 1000 else _compact(text)


@lru_cache(maxsize=1 << 14)
def _compact_kept(text: str) -> str:
    return _compact(text)


def _compact(text: str) -> str:
    if not text.isascii():
        for (
            wide,
            narrow,
        ) in _COMMON_WIDE:  # what NFKC would do, without its slow path for most texts
            if wide in text:
                text = text.replace(wide, narrow)
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)  # maps full-width ASCII as halfwidth() does
    text = "".join(text.split())  # str.split's whitespace is re's \s
    # NFKC can turn a spacing mark into space + combining mark (¨ → " ̈"): with the space gone the
    # mark composes with the letter before it, so normalise once more to stay idempotent
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = "".join(unicodedata.normalize("NFKC", text).split())
    return text


def clean_header(text: str) -> str:
    """A header cell as a key: half-width, no spaces, no '*', no trailing note in brackets."""
    text = compact(cell_text(text))
    text = text.replace("*", "").replace("★", "").rstrip(":：")
    text = re.sub(r"[（(][^）)]*[）)]$", "", text)
    return text


_DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}


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


_NUMBER_WRAPPERS = re.compile(r"^(序号|问题序号|问题|第|No\.?|NO\.?|no\.?)")


_NUMBER_TAILS = re.compile(r"(个问题|个|项问题|条问题|是)$")


def parse_int(value: object) -> int | None:
    """An issue or measure number as typed: 13, 13.0, '13', '十三', '序号十三', '（二）', '2、', '第3条',
    '第七项', '二是', '第七个问题', '⑦'."""
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
    text = _NUMBER_TAILS.sub("", text).strip("()（）[]【】、.,，:：条项号")
    if not text:
        return None
    if re.fullmatch(r"\d+(\.0+)?", text):
        try:
            return int(text.split(".")[0])  # exact, however long; not via float
        except ValueError:  # more digits than int() accepts
            return None
    return chinese_int(text)


_CIRCLED = {chr(0x2460 + n): n + 1 for n in range(20)} | {chr(0x2776 + n): n + 1 for n in range(10)}


_HAN = "零〇一二两三四五六七八九十百"


# a measure's own number at the start of its text: （二） (2) 2. 2、 2． 二、 二是 第二， — never the
# year of "2024年7月底前" nor the "1.5" of "1.5万吨" (but "2.2024年…" is measure 2)
_ORDINAL = re.compile(
    rf"^(?:[(（]\s*(?P<paren>\d{{1,3}}|[{_HAN}]{{1,4}})\s*[)）]"
    rf"|(?P<digit>\d{{1,3}})\s*(?:[、，,]|[.．](?=\d{{4}}年|\D))"
    rf"|(?P<han>[{_HAN}]{{1,4}})\s*(?:是|[、，,]|[.．](?=\d{{4}}年|\D))"
    rf"|第(?P<nth>\d{{1,3}}|[{_HAN}]{{1,4}})(?:项|条|点)?\s*(?:是|[、，,：:]))\s*"
)


_ELLIPSIS = re.compile(r"(?:…|\.{3,}|。{3,}|·{3,}|等)+$")


def measure_ordinal(text: str) -> tuple[int | None, str]:
    """A measure text's own number and the text without it: '（二）2024年7月底前，…' → (2, '2024年7月底前,…').
    The text comes back compacted (see compact) and without a trailing ellipsis ('……', '...', '等')."""
    text = cell_text(text)
    number: int | None = None
    if text[:1] in _CIRCLED:
        number, body = _CIRCLED[text[0]], compact(text[1:])
    else:
        body = compact(text)  # half-width already: (二) 2. 2、
        match = _ORDINAL.match(body[:20])
        if match:
            raw = next(group for group in match.groups() if group is not None)
            number = int(raw) if raw.isdigit() else chinese_int(raw)
            body = body[match.end() :]
    if body[-1:] in ("…", ".", "。", "·", "等"):
        body = _ELLIPSIS.sub("", body)
    return (number or None), body


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


_CLAUSE = re.compile(r"[,，.。;；:：!！?？\n]")
# words that hold 不 without negating what follows: 坚持不懈持续推进 is progress, not its denial
_NOT_NEGATING = re.compile("不懈|不断|不折不扣|毫不")


def status_from_text(
    text: object, hints: Mapping[str, list[str]], blockers: Sequence[str]
) -> tuple[str, str] | None:
    """(status, phrase) that a progress text states, or None: '已完成整改，见附件' → ('已完成', '已完成').
    Statuses are tried in the order of `hints`; a phrase counts unless a blocker stands before it
    in the same clause (未完成整改, 尚未全面完成整改, 确保年底前完成整改)."""
    body = compact(cell_text(text))
    if not body:
        return None
    for status, phrases in hints.items():
        for phrase in phrases:
            needle = compact(phrase)
            start = body.find(needle) if needle else -1
            while start >= 0:
                before = _NOT_NEGATING.sub("", _CLAUSE.split(body[:start])[-1])
                if not any(word in before for word in blockers):
                    return status, phrase
                start = body.find(needle, start + 1)
    return None


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
