"""The header of an upper office's rectification table: the first row naming its columns' roles
(序号, 问题, 整改目标, 整改措施, 责任单位, 责任领导, 完成时限, 整改完成情况) under whatever words the office
wrote (the settings' import headers)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from toolkit.core.defaults import SUPPORT_HEADER_WORDS
from toolkit.core.normalize import clean_header, parse_int
from toolkit.core.words import MEASURE, ROLE_PROBLEM, UNIT


class RoleMap:
    """Header text → role, by exact word first, then by the longest word the header contains."""

    def __init__(self, headers: Mapping[str, list[str]]) -> None:
        self._exact: dict[str, str] = {}
        for role, words in headers.items():
            for word in [role, *words]:
                self._exact.setdefault(clean_header(word), role)
        self._words = sorted(self._exact.items(), key=lambda item: -len(item[0]))

    def role(self, header: str) -> str | None:
        key = clean_header(header)
        if not key or len(key) > 30:
            return None
        if key in self._exact:
            return self._exact[key]
        return next((role for word, role in self._words if len(word) >= 2 and word in key), None)


@dataclass
class Header:
    row: int  # 0-based index of the (last) header row
    names: list[str]  # each column's header as written
    roles: list[str | None]
    support: set[int] = field(default_factory=set)  # 责任单位 columns that name 配合 units

    def columns(self, role: str) -> list[int]:
        return [i for i, r in enumerate(self.roles) if r == role]


def find_header(rows: list[list[str]], roles: RoleMap, look: int = 15) -> Header | None:
    """The first row naming at least two roles, one of them 问题 or 整改措施; a second header row under
    it (责任单位 over 牵头单位 | 配合单位) refines the columns it names."""
    for index, row in enumerate(rows[:look]):
        found = [roles.role(cell) for cell in row]
        if len({r for r in found if r}) >= 2 and (ROLE_PROBLEM in found or MEASURE in found):
            names = list(row)
            if index + 1 < len(rows):
                below = rows[index + 1]
                more = [roles.role(cell) for cell in below]
                short = all(len(cell.strip()) <= 12 for cell in below if cell)  # headers, not data
                if (
                    any(more)
                    and short
                    and not any(parse_int(cell) is not None for cell in below[:1] if cell)
                ):
                    for col, role in enumerate(more):
                        if role and col < len(found):
                            found[col], names[col] = role, below[col]
                    index += 1
            header = Header(index, names, found)
            header.support = {
                i
                for i in header.columns(UNIT)
                if any(word in names[i] for word in SUPPORT_HEADER_WORDS)
            }
            return header
    return None
