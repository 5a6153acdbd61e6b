"""docs/LAYOUT.md from the package itself: each folder of toolkit/ with one line per module (the
first sentence of its docstring).

    python scripts/layout_doc.py > docs/LAYOUT.md
"""

import ast
import pathlib

root = pathlib.Path(__file__).resolve().parents[1] / "toolkit"
LAYERS = [
    ("", "The top: the command line, the terminal, the library face."),
    (
        "api",
        "One module per command: read → check → merge → write → deliver, called by the CLI and by `import toolkit`.",
    ),
    ("cli", "Typer commands: parse, call one api function, render, pick the exit code."),
    (
        "core",
        "Opens no files: the vocabulary, the finding catalogue, the exceptions, settings, dates, the data classes, validation and merging.",
    ),
    ("core/model", "The data classes, one module per stage of a merge."),
    (
        "read",
        "Bytes → grids → ledgers: the inbox, the sandboxed readers, the issue list and the import of an upper office's table.",
    ),
    (
        "write",
        "Everything toolkit writes: the consolidated workbook, ledgers and the template, feedback copies, the report, issues.xlsx edits.",
    ),
    ("deliver", "Mail: messages, the unit address book, SMTP."),
    ("archive", "archive/history.sqlite: every run's inputs and results, history, repair."),
]
out = [
    "# The layout of `toolkit`",
    "",
    "Dependencies point one way: `cli` → `api` → `read` / `write` / `deliver` / `archive` → `core`.",
    "`core` opens no files and imports nothing above it; nothing imports `cli`; no cycles, not even",
    "type-only or function-level ones (`tests/test_layout.py`). Modules stay under 400 lines and no",
    "function is graded E or F by radon (`tests/test_complexity.py`). The words a clerk sees live in",
    "`core/words.py`; every finding code, with its level, message and fix, in `core/catalogue.py`;",
    "every exception in `core/errors.py`. `tests/test_layout.py` checks that this page names every module; `python scripts/layout_doc.py > docs/LAYOUT.md` rewrites it from the modules' docstrings.",
    "",
    "A merge, in order: `cli/merging.py` → `api/merge.py` → `read/inbox.py` (workers: `read/sandbox.py`,",
    "`read/sheets.py`, `read/ledger.py`) → `core/matching.py`, `core/validate.py`, `core/merge.py` →",
    "`write/workbook.py` (its sheets in `write/workbook_*.py`) and `archive/recording.py` → `render.py`.",
    "",
]
for layer, what in LAYERS:
    folder = root / layer if layer else root
    out += [f"## `toolkit/{layer + '/' if layer else ''}`", "", what, ""]
    for p in sorted(folder.glob("*.py")):
        doc = ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) or ""
        first = " ".join(doc.split("\n\n")[0].split())
        first = first.split(". ")[0].rstrip(".") if len(first) > 150 else first.rstrip(".")
        out.append(f"- `{p.name}` — {first}")
    out.append("")
print("\n".join(out))
