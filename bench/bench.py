"""Benchmark `toolkit merge` against a naive pandas script and a floor, at several scales.

    python bench/bench.py [--scales district,province,huge,usedrange,import,match] [--runs 3]

Inboxes are generated from the seed's shape (its problems, measures and completion sentences) into
bench/out/<scale>/ and reused while their parameters don't change. Each contender runs in its own
process; the table shows the median wall time of --runs runs, the peak memory (max RSS of the
process tree) and the ratios. The floor is the least any tool must do: unzip and tokenize every
sheet with expat, then write the same cells with XlsxWriter in constant_memory mode.

The match scale returns 10,000 rows against 10,000 tasks with neither 任务编号 nor 措施序号: each row is
matched by its text — cut with ……, opened by its ordinal （二）, a middle part, or a few characters
changed — inside its problem (given as 七, 序号七, 第七项 …), a tenth with no problem number at all. Besides
the whole merge, the table's note gives the time of the matching alone (check_ledger, in process).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SEED = Path(os.environ.get("TOOLKIT_SEED", ROOT / "samples" / "二道区督察整改完成情况.txt"))
AS_OF = "2025-03-31"
SCALES = {  # name: (units, rows per unit)
    "district": (20, 50),
    "province": (200, 500),
    "huge": (1, 200_000),
    "usedrange": (1, 50),
    "match": (20, 500),  # 10,000 tasks; every returned row needs its measure text to be matched
}
HEADER = [
    "任务编号",
    "问题序号",
    "问题标题",
    "措施序号",
    "整改措施",
    "责任单位",
    "完成时限",
    "完成状态",
    "整改进展",
    "实际完成日期",
    "佐证材料",
    "存在问题",
    "填报人",
    "联系电话",
]
STATUSES = ["已完成", "推进中", "未启动", "长期坚持", "完成", "正在推进"]


def seed_sentences() -> tuple[list[str], list[str]]:
    """Measure-like and completion-like sentences from the seed, to give generated text its shape."""
    text = SEED.read_text(encoding="utf-8") if SEED.exists() else "加强监管，落实责任。已完成整改。"
    text = re.sub(r"\[bookmark:[^\]]*\]", "", text)
    sentences = [s.strip() + "。" for s in re.split(r"[。\n]", text) if 12 <= len(s.strip()) <= 160]
    done = [
        s for s in sentences if s.startswith(("已", "我区", "制定", "组织", "开展"))
    ] or sentences
    return sentences, done


def generate(scale: str, folder: Path) -> None:
    import xlsxwriter

    if scale == "match":
        generate_match(folder)
        return
    units_n, rows_n = SCALES[scale]
    stamp = folder / "params.json"
    params = {"units": units_n, "rows": rows_n, "version": 3}
    if stamp.exists() and json.loads(stamp.read_text()) == params:
        return
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "inbox").mkdir(parents=True)
    rng = random.Random(20250331)
    measures, completions = seed_sentences()
    units = [f"区单位{n:03d}局" for n in range(1, units_n + 1)]
    (folder / "toolkit.toml").write_text(f'as_of = "{AS_OF}"\n', encoding="utf-8")
    book = xlsxwriter.Workbook(str(folder / "issues.xlsx"), {"constant_memory": True})
    sheet = book.add_worksheet("问题清单")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(
        0, 0, ["任务编号", "问题序号", "问题标题", "措施序号", "整改措施", "责任单位", "完成时限"]
    )
    deadlines: dict[tuple[int, int], date | None] = {}
    texts: dict[tuple[int, int], str] = {}
    r = 1
    for u, unit in enumerate(units, start=1):
        for m in range(1, rows_n + 1):
            deadline = (
                None if m % 7 == 0 else date(2024, 1, 1) + timedelta(days=rng.randrange(0, 600))
            )
            deadlines[(u, m)] = deadline
            texts[(u, m)] = rng.choice(measures)
            sheet.write_string(r, 0, f"{u}-{m}")
            sheet.write_number(r, 1, u)
            sheet.write_string(r, 2, f"问题{u}")
            sheet.write_number(r, 3, m)
            sheet.write_string(r, 4, texts[(u, m)])
            sheet.write_string(r, 5, unit)
            if deadline:
                sheet.write_datetime(
                    r, 6, datetime.combine(deadline, datetime.min.time()), date_format
                )
            else:
                sheet.write_string(r, 6, "长期坚持")
            r += 1
    book.close()
    for u, unit in enumerate(units, start=1):
        path = folder / "inbox" / f"{unit}-整改台账.xlsx"
        book = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_numbers": False}
        )
        sheet = book.add_worksheet("台账")
        date_format = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_string(0, 0, f"{unit} 整改台账（截至2025年3月31日）")
        sheet.write_row(1, 0, HEADER)
        for m in range(1, rows_n + 1):
            row = m + 1
            deadline = deadlines[(u, m)]
            status = rng.choice(STATUSES)
            sheet.write_string(row, 0, f"{u}-{m}")
            sheet.write_number(row, 1, u)
            sheet.write_string(row, 2, f"问题{u}")
            sheet.write_number(row, 3, m)
            sheet.write_string(row, 4, texts[(u, m)])
            sheet.write_string(row, 5, unit)
            if deadline:
                sheet.write_datetime(
                    row, 6, datetime.combine(deadline, datetime.min.time()), date_format
                )
            else:
                sheet.write_string(row, 6, "长期坚持")
            sheet.write_string(row, 7, status)
            sheet.write_string(row, 8, rng.choice(completions))
            if status in ("已完成", "完成"):
                sheet.write_datetime(
                    row,
                    9,
                    datetime(2024, 1, 1) + timedelta(days=rng.randrange(0, 450)),
                    date_format,
                )
            sheet.write_string(row, 10, "会议纪要、工作方案")
            if status != "已完成":
                sheet.write_string(row, 11, "推进较慢")
            sheet.write_string(row, 12, "张三")
            sheet.write_string(row, 13, f"0431-{rng.randrange(80000000, 89999999)}")
        if scale == "usedrange":  # a used range of a million rows with a few real ones
            sheet.write_blank(1_048_575, 25, None, date_format)
        book.close()
        if scale == "usedrange":
            _stretch_dimension(path)
    stamp.write_text(json.dumps(params))


MEASURES_PER_PROBLEM = 5


def _han(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _returned_text(text: str, m: int, rng: random.Random) -> str:
    """The measure text as a unit sends it back: never the issue list's exact text."""
    kind = m % 4
    if kind == 0:
        return text[: max(8, len(text) * 3 // 5)] + "……"
    if kind == 1:  # a few characters changed
        chars = list(text)
        for _ in range(3):
            chars[rng.randrange(len(chars))] = "某"
        return "".join(chars)
    if kind == 2:
        return (
            f"（{_han((m - 1) % MEASURES_PER_PROBLEM + 1)}）"
            + text[: max(8, len(text) // 2)]
            + "..."
        )
    return text[len(text) // 4 : len(text) * 3 // 4]  # a middle part


def generate_match(folder: Path) -> None:
    """10,000 tasks, 2,000 problems of five measures; returns that need every row's text matched."""
    import xlsxwriter

    units_n, rows_n = SCALES["match"]
    stamp = folder / "params.json"
    params = {"units": units_n, "rows": rows_n, "version": 3}
    if stamp.exists() and json.loads(stamp.read_text()) == params:
        return
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "inbox").mkdir(parents=True)
    rng = random.Random(20250331)
    measures, completions = seed_sentences()
    firsts: list[str] = []
    (folder / "toolkit.toml").write_text(f'as_of = "{AS_OF}"\n', encoding="utf-8")
    units = [f"区单位{n:03d}局" for n in range(1, units_n + 1)]
    book = xlsxwriter.Workbook(str(folder / "issues.xlsx"), {"constant_memory": True})
    sheet = book.add_worksheet("问题清单")
    sheet.write_row(
        0, 0, ["任务编号", "问题序号", "问题标题", "措施序号", "整改措施", "责任单位", "完成时限"]
    )
    tasks: dict[str, list[tuple[int, int, str]]] = {unit: [] for unit in units}
    r = 1
    for u, unit in enumerate(units):
        for m in range(1, rows_n + 1):
            issue = u * rows_n // MEASURES_PER_PROBLEM + (m - 1) // MEASURES_PER_PROBLEM + 1
            measure = (m - 1) % MEASURES_PER_PROBLEM + 1
            if measure == 1:  # a problem's measures differ from their first sentence on
                firsts = rng.sample(measures, MEASURES_PER_PROBLEM)
            text = re.sub(
                r"^[（(][一二三四五六七八九十]+[）)]", "", firsts[measure - 1].rstrip("。")
            )
            text += "，" + re.sub(r"^[（(][一二三四五六七八九十]+[）)]", "", rng.choice(measures))
            tasks[unit].append((issue, measure, text))
            sheet.write_row(
                r,
                0,
                [f"{issue}-{measure}", issue, f"问题{issue}", measure, text, unit, "2025-12-31"],
            )
            r += 1
    book.close()
    header = ["问题序号", "整改措施", "责任单位", "完成状态", "整改进展"]
    for unit in units:
        book = xlsxwriter.Workbook(
            str(folder / "inbox" / f"{unit}-整改台账.xlsx"), {"constant_memory": True}
        )
        sheet = book.add_worksheet("台账")
        sheet.write_string(0, 0, f"{unit} 整改台账")
        sheet.write_row(1, 0, header)
        for m, (issue, _, text) in enumerate(tasks[unit], start=1):
            number = (
                ""
                if m % 10 == 0
                else rng.choice([str(issue), f"第{issue}项", f"序号{issue}", f"{issue}.0"])
            )
            sent = (
                _returned_text(text, m, rng)
                if number
                else text[: max(8, len(text) * 3 // 5)] + "……"
            )
            sheet.write_row(
                m + 1, 0, [number, sent, unit, rng.choice(STATUSES), rng.choice(completions)]
            )
        book.close()
    stamp.write_text(json.dumps(params))


def match_seconds(folder: Path) -> tuple[float, int, int]:
    """(seconds, rows, rows matched) of check_ledger alone over the match inbox, in this process."""
    sys.path.insert(0, str(ROOT))
    from toolkit.api.workspace import open_workspace
    from toolkit.core.validate import check_ledger
    from toolkit.read.inbox import read_path
    from toolkit.read.issue_list import load_issue_list

    settings = open_workspace(folder)
    issues = load_issue_list(settings)
    ledgers = [
        ledger
        for path in sorted((folder / "inbox").glob("*.xlsx"))
        for ledger in read_path(path, path.name, settings, issues.units)
    ]
    start = time.perf_counter()
    matched = sum(
        len(check_ledger(ledger, issues, settings, date(2025, 3, 31))[0]) for ledger in ledgers
    )
    return time.perf_counter() - start, sum(len(ledger.rows) for ledger in ledgers), matched


def _stretch_dimension(path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    name = "xl/worksheets/sheet1.xml"
    parts[name] = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:Z1048576"', parts[name])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)


NAIVE = r"""
import sys, glob, pandas as pd
frames = [pd.read_excel(f, engine="openpyxl", header=1) for f in sorted(glob.glob(sys.argv[1] + "/inbox/*.xlsx"))]
pd.concat(frames, ignore_index=True).to_excel(sys.argv[2], index=False)
"""

FLOOR = r"""
import sys, glob, zipfile, xml.parsers.expat, xlsxwriter
rows = []
for f in sorted(glob.glob(sys.argv[1] + "/inbox/*.xlsx")):
    with zipfile.ZipFile(f) as z:
        strings, row, cell, text, kind = [], None, [], [], [None]
        if "xl/sharedStrings.xml" in z.namelist():
            p = xml.parsers.expat.ParserCreate()
            buf = []
            def s_start(name, attrs):
                if name == "si": buf.clear()
            def s_end(name):
                if name == "si": strings.append("".join(buf))
            p.StartElementHandler, p.EndElementHandler = s_start, s_end
            p.CharacterDataHandler = buf.append
            p.Parse(z.read("xl/sharedStrings.xml"), True)
        for name in z.namelist():
            if not name.startswith("xl/worksheets/sheet"):
                continue
            p = xml.parsers.expat.ParserCreate()
            state = {"row": None, "t": None, "text": []}
            def start(tag, attrs):
                if tag == "row": state["row"] = []
                elif tag == "c": state["t"] = attrs.get("t"); state["text"] = []
            def end(tag):
                if tag == "c":
                    v = "".join(state["text"])
                    t = state["t"]
                    state["row"].append(strings[int(v)] if t == "s" and v else v)
                elif tag == "row": rows.append(state["row"])
            def data(d): state["text"].append(d)
            p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, data
            with z.open(name) as stream:
                p.ParseFile(stream)
book = xlsxwriter.Workbook(sys.argv[2], {"constant_memory": True})
sheet = book.add_worksheet()
for r, row in enumerate(rows):
    for c, v in enumerate(row):
        sheet.write_string(r, c, v)
book.close()
"""


def measure(cmd: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """(seconds, peak MB of the process tree) for one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def run_scale(scale: str, runs: int) -> list[dict]:
    folder = OUT / scale
    t0 = time.perf_counter()
    generate(scale, folder)
    print(f"[{scale}] inbox ready ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    scratch = OUT / f"{scale}-scratch"
    scratch.mkdir(exist_ok=True)
    contenders = {
        "toolkit merge": [sys.executable, "-m", "toolkit", "merge", "-w", str(folder), "--json"],
        "floor (expat + XlsxWriter)": [
            sys.executable,
            "-c",
            FLOOR,
            str(folder),
            str(scratch / "floor.xlsx"),
        ],
    }
    if scale != "usedrange":
        contenders["naive (pd.read_excel + to_excel)"] = [
            sys.executable,
            "-c",
            NAIVE,
            str(folder),
            str(scratch / "naive.xlsx"),
        ]
    results = []
    for name, cmd in contenders.items():
        times, peaks = [], []
        n = (
            runs
            if scale in ("district", "usedrange") or name == "toolkit merge"
            else max(1, runs - 1)
        )
        for _ in range(n):
            shutil.rmtree(folder / "outbox", ignore_errors=True)
            seconds, peak = measure(cmd)
            times.append(seconds)
            peaks.append(peak)
        results.append(
            {
                "scale": scale,
                "contender": name,
                "median_s": statistics.median(times),
                "runs": n,
                "peak_mb": max(peaks),
            }
        )
        print(
            f"[{scale}] {name}: {statistics.median(times):.2f} s, {max(peaks):.0f} MB",
            file=sys.stderr,
        )
    shutil.rmtree(folder / "outbox", ignore_errors=True)
    if scale == "match":
        seconds, rows, matched = match_seconds(folder)
        results[0]["note"] = f"matching alone: {seconds:.2f} s, {matched} of {rows} rows matched"
        print(f"[{scale}] {results[0]['note']}", file=sys.stderr)
    return results


IMPORT_PROBLEMS = (
    200  # `toolkit issues import` of an upper office's table this size: target under 2 s
)


def generate_import_tables(folder: Path) -> dict[str, Path]:
    """A 200-problem table as offices send it: .xlsx one row per measure (problem cells merged down) and
    .docx one row per problem (every measure in one cell, numbered 1. 2. …)."""
    import docx
    import xlsxwriter

    folder.mkdir(parents=True, exist_ok=True)
    sentences, done = seed_sentences()
    sentences = [
        re.sub(r"^(?:[（(][一二三四五六七八九十]+[）)]|\d+(?:[.．、]\d*)*[.．、])+", "", s)
        for s in sentences
    ]
    done = [
        re.sub(r"^(?:[（(][一二三四五六七八九十]+[）)]|\d+(?:[.．、]\d*)*[.．、])+", "", s)
        for s in done
    ]
    rng = random.Random(11)
    header = ["序号", "反馈问题", "整改目标", "整改措施", "责任单位", "整改时限", "整改完成情况"]
    problems = []
    for n in range(1, IMPORT_PROBLEMS + 1):
        measures = [
            (
                f"{k}.{rng.choice(sentences)}",
                f"单位{rng.randrange(40)}",
                f"2025年{rng.randrange(1, 13)}月底前",
                rng.choice(done),
            )
            for k in range(1, rng.randrange(2, 7))
        ]
        problems.append((str(n), rng.choice(sentences), rng.choice(sentences), measures))
    xlsx = folder / "import_200.xlsx"
    book = xlsxwriter.Workbook(str(xlsx))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, header)
    row = 1
    for number, problem, target, measures in problems:
        for text, unit, deadline, completion in measures:
            sheet.write_row(row, 0, [number, problem, target, text, unit, deadline, completion])
            row += 1
        if len(measures) > 1:
            for col, value in enumerate([number, problem, target]):
                sheet.merge_range(row - len(measures), col, row - 1, col, value)
    book.close()
    document = docx.Document()
    document.add_paragraph("督察反馈问题整改清单")
    table = document.add_table(rows=1, cols=len(header))
    for cell, name in zip(table.rows[0].cells, header, strict=True):
        cell.text = name
    for number, problem, target, measures in problems:
        cells = table.add_row().cells
        values = [
            number,
            problem,
            target,
            "\n".join(m[0] for m in measures),
            "、".join(m[1] for m in measures),
            "\n".join(f"{k}.{m[2]}" for k, m in enumerate(measures, 1)),
            "\n".join(m[3] for m in measures),
        ]
        for cell, value in zip(cells, values, strict=True):
            cell.text = value
    word = folder / "import_200.docx"
    document.save(str(word))
    return {"xlsx": xlsx, "docx": word}


def run_import_scale(runs: int) -> list[dict]:
    folder = OUT / "import"
    files = generate_import_tables(folder)
    results = []
    for kind, path in files.items():
        ws = folder / f"ws-{kind}"
        ws.mkdir(exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "toolkit",
            "issues",
            "import",
            str(path),
            "-w",
            str(ws),
            "--force",
        ]
        times, peaks = [], []
        for _ in range(runs):
            seconds, peak = measure(cmd)
            times.append(seconds)
            peaks.append(peak)
        name = f"toolkit issues import ({IMPORT_PROBLEMS} problems, .{kind})"
        results.append(
            {
                "scale": "import",
                "contender": name,
                "median_s": statistics.median(times),
                "runs": runs,
                "peak_mb": max(peaks),
            }
        )
        print(f"[import] {name}: {statistics.median(times):.2f} s (target < 2 s)", file=sys.stderr)
    return results


def help_time(runs: int = 5) -> float:
    return statistics.median(
        measure([sys.executable, "-m", "toolkit", "--help"])[0] for _ in range(runs)
    )


def table(results: list[dict], help_s: float) -> str:
    lines = [
        "| scale | contender | median s | runs | peak MB | × floor | naive ÷ toolkit |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    by = {(r["scale"], r["contender"]): r for r in results}
    for r in results:
        floor = by.get((r["scale"], "floor (expat + XlsxWriter)"))
        naive = by.get((r["scale"], "naive (pd.read_excel + to_excel)"))
        ratio = f"{r['median_s'] / floor['median_s']:.2f}" if floor else ""
        speedup = (
            f"{naive['median_s'] / r['median_s']:.2f}"
            if naive and r["contender"] == "toolkit merge"
            else ""
        )
        lines.append(
            f"| {r['scale']} | {r['contender']} | {r['median_s']:.2f} | {r['runs']} | "
            f"{r['peak_mb']:.0f} | {ratio} | {speedup} |"
        )
    lines.extend(f"\n{r['scale']}: {r['note']}" for r in results if r.get("note"))
    lines.append(f"\n`toolkit --help`: {help_s:.3f} s (median of 5)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="district,usedrange,huge,province,import,match")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for scale in args.scales.split(","):
        if scale.strip() == "import":
            results.extend(run_import_scale(args.runs))
            continue
        results.extend(run_scale(scale.strip(), args.runs))
    text = table(results, help_time())
    stamp = (
        f"{datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores, Python {sys.version.split()[0]}"
    )
    # bench/RESULTS.md is kept by hand (each table with what it measured and why): a run writes its
    # table beside the generated inboxes, to be copied there with its story
    (OUT / "latest.md").write_text(f"{stamp}\n\n{text}\n", encoding="utf-8")
    print(text)
    print(f"(also in {OUT / 'latest.md'})", file=sys.stderr)


if __name__ == "__main__":
    main()
