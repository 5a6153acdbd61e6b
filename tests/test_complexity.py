"""A house a newcomer can walk: no function too tangled to read (radon grade E or F), no module too
long to hold in mind."""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_rank, cc_visit

PACKAGE = Path(__file__).resolve().parents[1] / "toolkit"

MAX_LINES = 400  # STYLE.md: modules under ~400 lines (csvkit's scale), counted after ruff format


def test_no_function_is_graded_e_or_f_by_radon():
    tangled = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for block in cc_visit(path.read_text(encoding="utf-8")):
            if cc_rank(block.complexity) in "EF":
                tangled.append(
                    f"{path.relative_to(PACKAGE).as_posix()}:{block.lineno} {block.name} "
                    f"{cc_rank(block.complexity)} ({block.complexity})"
                )
    assert tangled == []


def test_no_module_is_longer_than_the_limit():
    long = {
        path.relative_to(PACKAGE).as_posix(): n
        for path in sorted(PACKAGE.rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
