"""One vocabulary: the names a clerk sees are typed once, in core/words.py."""

from __future__ import annotations

import ast
from pathlib import Path

from toolkit.core import words
from toolkit.core.defaults import DEFAULT_COLORS, DEFAULT_HEADERS, DEFAULT_STATUS_SYNONYMS

PACKAGE = Path(__file__).resolve().parents[1] / "toolkit"

# Files whose word lists are data, not names: deadline phrasings, header synonyms, and the importer
# another branch rewrites.
DATA_FILES = {
    "core/words.py",
    "core/dates.py",
    "core/defaults.py",
    "deliver/contacts.py",
}

NAMES = {
    *words.STATUSES,
    words.NOT_FILLED,
    *words.STATES,
    *words.LEVELS,
    *words.LEDGER_COLUMNS,
    *words.DETAIL_COLUMNS,
    *words.ISSUE_COLUMNS,
    *words.UNIT_COLUMNS,
    *words.META_KEYS,
    words.SHEET_SUMMARY,
    words.SHEET_DETAIL,
    words.SHEET_FINDINGS,
    words.SHEET_CHANGES,
    words.SHEET_ISSUES,
    words.SHEET_LEDGER,
    words.SHEET_META,
    words.SHEET_CONTACTS,
    words.LAYOUT_SHEET,
}


def test_no_module_retypes_a_name_of_the_vocabulary():
    retyped = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in DATA_FILES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        prose = {
            id(part)
            for node in ast.walk(tree)
            if isinstance(node, ast.JoinedStr)
            for part in node.values
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in NAMES and id(node) not in prose:
                retyped.append(f"{relative}:{node.lineno} {node.value}")
    assert retyped == []


def test_the_settings_defaults_are_keyed_by_the_vocabulary():
    assert tuple(DEFAULT_STATUS_SYNONYMS) == words.STATUSES
    assert tuple(DEFAULT_COLORS) == words.STATES
    assert set(words.LEDGER_COLUMNS) <= set(DEFAULT_HEADERS)
    assert set(words.ISSUE_COLUMNS) <= set(DEFAULT_HEADERS)


def test_the_detail_sheet_carries_every_ledger_column_in_order():
    ledger_part = [name for name in words.DETAIL_COLUMNS if name in words.LEDGER_COLUMNS]
    # 申请延期至 is listed on its own sheet (延期申请), not in 台账明细 (DESIGN §6)
    assert ledger_part == [name for name in words.LEDGER_COLUMNS if name != words.REQUESTED_TO]
    assert words.UNIT_COLUMNS[0] == words.UNIT
