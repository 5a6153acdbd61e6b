"""Findings: every data problem is a value with a stable code, never an exception.

Each code's level, message template(s) and fix-it hint are in the catalogue (core.catalogue). Call
sites pass values:

    finding("bad-date", field=DONE_DATE, value=raw, file=..., sheet=..., row=7, column="J")

A code may have more than one message (a file is unreadable for many reasons): the named variant
is the second argument, `finding("unreadable-file", "empty-file", file=name)`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from toolkit.core.catalogue import CATALOGUE
from toolkit.core.words import ERROR, LEVELS

# The keyword arguments that say where a finding is; any of them may also fill a placeholder.
WHERE = ("file", "sheet", "row", "column", "value", "level")


DEFAULT_FIX = "请核对后修改，有疑问请联系整改办"


# before the message of each finding in a file that a newer return of the same unit replaced entirely
REPLACED_NOTE = "（该文件已被同一单位更新的报送全部替代）"


def fix_for(code: str) -> str:
    """What the unit should do about a finding, in plain Chinese."""
    entry = CATALOGUE.get(code)
    return entry.fix if entry else DEFAULT_FIX


def describe(code: str, variant: str = "", /, **values: Any) -> str:
    """The message of a finding: the code's template (or its named variant) filled with the values.

    Escape hatch while call sites are converted: a `variant` that is not one of the code's variant
    names is the message itself (the old `Finding(code, message)` form), so a straggler never
    stops a run; tests/test_findings.py lists such call sites and checks every variant name."""
    entry = CATALOGUE.get(code)
    if entry is None:
        raise ValueError(f"unknown finding code {code!r}")
    if variant and variant not in entry.variants:
        return variant  # a literal message: an unconverted call site (tests/test_findings.py lists them)
    template = entry.variants[variant] if variant else entry.template
    try:
        return template.format_map(values)
    except KeyError as exc:
        raise ValueError(
            f"finding {code!r}{'/' + variant if variant else ''} needs the value {exc}"
        ) from None


def finding(code: str, variant: str = "", /, **values: Any) -> Finding:
    """A finding from the catalogue: `values` fill the message and say where (file, sheet, row,
    column, value; level overrides the catalogue's)."""
    if not variant and "message" in values:  # the old keyword form: report.add(code, message=...)
        variant = values.pop("message")
    where = {key: values[key] for key in WHERE if key in values}
    return Finding(code, describe(code, variant, **values), **where)


@dataclass
class Finding:
    """One problem found in the data, located down to the cell where possible."""

    code: str
    message: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    level: str = ""

    def __post_init__(self) -> None:
        if self.code not in CATALOGUE:
            raise ValueError(f"unknown finding code {self.code!r}")
        if not self.level:
            self.level = CATALOGUE[self.code].level

    @property
    def fix(self) -> str:
        """What the unit should do about it (the catalogue's hint)."""
        return fix_for(self.code)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    """All findings of one run, in the order they were found."""

    findings: list[Finding] = field(default_factory=list)

    def add(self, code: str, variant: str = "", /, **values: Any) -> Finding:
        """Record finding(code, variant, **values)."""
        found = finding(code, variant, **values)
        self.findings.append(found)
        return found

    def extend(self, findings: list[Finding]) -> None:
        self.findings.extend(findings)

    def count(self, level: str) -> int:
        return sum(1 for f in self.findings if f.level == level)

    @property
    def has_errors(self) -> bool:
        return any(f.level == ERROR for f in self.findings)

    def by_code(self) -> Counter[str]:
        return Counter(f.code for f in self.findings)

    def sorted(self) -> list[Finding]:
        order = {level: i for i, level in enumerate(LEVELS)}
        return sorted(
            self.findings,
            key=lambda f: (order[f.level], f.file, f.sheet, f.row or 0, f.column),
        )
