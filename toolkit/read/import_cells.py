"""One cell of an upper office's table read: its numbered items (（一）, (1), 1., 1、, ①, 一是, 第一, or plain
paragraphs), and the units a 责任单位 cell names as lead (牵头) or support (配合)."""

from __future__ import annotations

import re
from functools import lru_cache

from toolkit.core.normalize import chinese_int, compact

_MARKERS = [  # numbering styles; a measure list is the longest run 1, 2, 3 … of one style
    (r"[（(]\s*([一二三四五六七八九十]{1,3})\s*[）)]", "wide"),
    (r"[（(]\s*(\d{1,2})\s*[）)]", "wide"),
    (r"([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])", "wide"),
    (r"([一二三四五六七八九十]{1,3})是", "wide"),
    (r"第([一二三四五六七八九十]{1,3})(?=[，,、：:])[，,、：:]?", "wide"),
    (r"(\d{1,2})\s*(?:、|[.．](?!\d)|[.．](?=(?:19|20)\d{2}\s*年))", "line"),  # 1.2024年… is item 1
    (r"([一二三四五六七八九十]{1,3})、", "line"),
]


_ANCHOR = {"wide": r"(?:^|(?<=[\n。；;：:，,]))\s*", "line": r"(?:^|(?<=[\n。；;]))\s*"}


_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


_STYLES = [re.compile(_ANCHOR[where] + pattern) for pattern, where in _MARKERS]


def _number(label: str) -> int | None:
    if label in _CIRCLED:
        return _CIRCLED.index(label) + 1
    return int(label) if label.isdigit() else chinese_int(label)


def split_items(text: str) -> list[tuple[int | None, str]]:
    """A cell's numbered items as (number, text); see _split_items (cached: a shared cell is split once
    per role it is aligned for)."""
    return list(_split_items(text))


@lru_cache(maxsize=4096)
def _split_items(text: str) -> tuple[tuple[int | None, str], ...]:
    """A cell's numbered items as (number, text without its number); plain paragraphs as items when no
    numbering runs 1, 2 …; a lead-in ending in ：is dropped, any other joins the first item."""
    text = text.strip()
    if not text:
        return ()
    best: list[re.Match[str]] = []
    for style in _STYLES:
        run: list[re.Match[str]] = []
        for match in style.finditer(text):
            if _number(match.group(1)) == len(run) + 1:
                run.append(match)
        if run and (
            not best
            or run[0].start() < best[0].start()
            or (run[0].start() == best[0].start() and len(run) > len(best))
        ):
            best = run
    if len(best) >= 2 or (best and not text[: best[0].start()].strip()):
        items = [
            (
                len(items_so_far) + 1,
                text[m.end() : (best[i + 1].start() if i + 1 < len(best) else len(text))],
            )
            for i, m in enumerate(best)
            for items_so_far in [best[:i]]
        ]
        items = [(n, body.strip().rstrip("；;").strip()) for n, body in items]
        lead = text[: best[0].start()].strip()
        if lead and not lead.endswith(("：", ":")):
            items[0] = (1, f"{lead}\n{items[0][1]}")
        return tuple(items)
    paragraphs: list[str] = []
    for line in (part.strip() for part in text.split("\n")):
        if not line:
            continue
        if paragraphs and paragraphs[-1].endswith(("，", ",", "、", "：", ":")):
            paragraphs[-1] += "\n" + line  # a sentence wrapped over two paragraphs
        else:
            paragraphs.append(line)
    if len(paragraphs) > 1 and paragraphs[0].endswith(("：", ":")):
        paragraphs.pop(0)
    return tuple((None, p) for p in paragraphs)


def leading_number(text: str) -> tuple[int | None, str]:
    """A measure row's own leading number (1. / （一） / 一是 / ①) and its text without it."""
    for style in _STYLES:
        match = style.match(text)
        if match and _number(match.group(1)) is not None:
            return _number(match.group(1)), text[match.end() :].strip()
    return None, text


_UNIT_LABEL = re.compile(r"(牵头|配合|协办|责任|主责)(?:单位|部门)?\s*[:：]")


_UNIT_ROLE = re.compile(r"[（(]?(牵头|主责|负责|配合|协办|参与|协助)[）)]?$")


def parse_units(text: str, support_column: bool = False) -> tuple[list[str], list[str]]:
    """A 责任单位 cell as (lead, support): "A牵头，B、C配合", "牵头单位：A；配合单位：B", "A（牵头）、B（配合）";
    every name in a 配合 column is support."""
    lead: list[str] = []
    support: list[str] = []
    kind = "support" if support_column else "lead"
    parts = _UNIT_LABEL.split(text or "")
    for i, part in enumerate(parts):
        if i % 2 == 1:  # a label
            kind = "support" if part in ("配合", "协办") or support_column else "lead"
            continue
        for group in re.split(r"[，,；;。\n]+", part):
            names = [compact(n) for n in re.split(r"[、/]+|\s{2,}", group)]
            group_kind = _role_of(
                names[-1] if names else "", kind
            )  # "A、B配合": the marker ends the group
            for name in names:
                name_kind = _role_of(name, group_kind)
                name = _UNIT_ROLE.sub("", name).strip("()（）")
                name = re.sub(r"等$", "", name) if len(name) > 3 else name
                if not name or name in lead or name in support:
                    continue
                (support if name_kind == "support" or support_column else lead).append(name)
    return lead, support


def _role_of(name: str, default: str) -> str:
    marker = _UNIT_ROLE.search(name)
    if not marker:
        return default
    return "support" if marker.group(1) in ("配合", "协办", "参与", "协助") else "lead"
