"""Regression test from a QA blind test: `toolkit merge` on a messy inbox against an answer key.

The workspace and key come from tests/fixtures/blind_inbox.py (built from the bundled issue
list and settings). One merge run is shared by every test here; each test checks one part of
what the key says: findings, rows and colours in 台账明细, "=" texts, files accounted for,
the 未报送 and 汇总 sheets, and the inbox left untouched.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from fixtures.blind_inbox import build
from typer.testing import CliRunner

from toolkit.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _inbox_digest(inbox: Path) -> dict[str, str]:
    return {
        p.relative_to(inbox).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(inbox.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    ws = tmp_path_factory.mktemp("blind") / "ws"
    key = build(ws, ROOT / "issues.xlsx", ROOT / "toolkit.toml")
    before = _inbox_digest(ws / "inbox")
    result = CliRunner().invoke(app, ["merge", "-w", str(ws), "--json"])
    after = _inbox_digest(ws / "inbox")
    data = json.loads(result.stdout) if result.exit_code == 0 else None
    wb = openpyxl.load_workbook(data["output"]) if data else None
    return dict(ws=ws, key=key, result=result, data=data, wb=wb, before=before, after=after)


@pytest.fixture(scope="module")
def run(merged):
    if merged["result"].exit_code != 0:
        pytest.fail(f"merge failed (exit {merged['result'].exit_code}):\n{merged['result'].output}")
    return merged


@pytest.fixture(scope="module")
def findings(run) -> list[dict]:
    sheet = run["wb"]["校验问题"]
    header = [c.value for c in sheet[1]]
    return [
        dict(zip(header, [c.value for c in r], strict=False)) for r in sheet.iter_rows(min_row=2)
    ]


@pytest.fixture(scope="module")
def detail(run) -> dict[tuple[str, str], tuple[dict, tuple]]:
    sheet = run["wb"]["台账明细"]
    header = {c.value: i for i, c in enumerate(sheet[1])}
    rows: dict[tuple[str, str], tuple[dict, tuple]] = {}
    dups = []
    for row in sheet.iter_rows(min_row=2):
        values = {h: row[i].value for h, i in header.items()}
        key = (str(values["任务编号"]), values["责任单位"])
        if key in rows:
            dups.append(key)
        rows[key] = (values, row)
    assert not dups, f"more than one 台账明细 row for {dups}"
    return rows


def _match_findings(key: dict, found: list[dict]) -> tuple[dict[int, int], list]:
    """Pair each expected finding with one found row (as check.py did); returns pairs, misses."""
    used: dict[int, int] = {}
    missing = []
    for k, x in enumerate(key["expected_findings"]):
        for i, f in enumerate(found):
            if f["代码"] != x["code"] or i in used.values():
                continue
            if x["file"] and (f["文件"] or "") != x["file"]:
                continue
            if (
                x["code"] == "no-return"
                and f["值"] != x["note"]
                and x["note"] not in (f["说明"] or "")
            ):
                continue
            if x["row"] and str(f["行"]) != str(x["row"]):
                continue
            used[k] = i
            break
        else:
            missing.append((x["code"], x["file"], x["row"], x["note"]))
    return used, missing


def _column(text) -> tuple[str, str | None]:
    """'H（状态）' -> ('H', '状态'); 'H' -> ('H', None)."""
    m = re.fullmatch(r"([A-Z]+)\s*(?:[（(](.*)[）)])?", str(text or "").strip())
    return (m[1], m[2]) if m else ("", None)


# --------------------------------------------------------------------------- run and inbox


def test_merge_exits_0_and_writes_one_workbook(merged):
    result = merged["result"]
    assert result.exit_code == 0, result.output
    out = Path(merged["data"]["output"])
    if not out.is_absolute():
        out = Path.cwd() / out
    assert out.exists() and out.parent == merged["ws"] / "outbox"
    assert [p.name for p in out.parent.iterdir()] == [out.name]
    assert re.fullmatch(r"汇总台账_\d{8}_\d{6}\.xlsx", out.name)
    assert merged["wb"].sheetnames == ["汇总", "台账明细", "校验问题", "未报送", "延期申请", "变化"]


def test_inbox_is_unchanged_byte_for_byte(merged):
    assert merged["before"], "the builder wrote no inbox files"
    assert merged["after"] == merged["before"]


def test_json_lists_the_same_findings_as_the_workbook(run, findings):
    data = run["data"]
    assert data["as_of"] == run["key"]["as_of"]
    assert len(data["findings"]) == len(findings)
    assert Counter((f["code"], f["file"] or "") for f in data["findings"]) == Counter(
        (f["代码"], f["文件"] or "") for f in findings
    )


# --------------------------------------------------------------------------- 校验问题


def test_every_seeded_finding_is_reported_where_it_is(run, findings):
    key = run["key"]
    pairs, missing = _match_findings(key, findings)
    assert not missing, f"seeded findings not reported: {missing}"
    wrong = []
    for k, i in pairs.items():
        x, f = key["expected_findings"][k], findings[i]
        where = (x["code"], x["file"], x["row"])
        if f["级别"] != x["level"]:
            wrong.append((*where, "级别", x["level"], f["级别"]))
        if x["sheet"] and f["工作表"] != x["sheet"]:
            wrong.append((*where, "工作表", x["sheet"], f["工作表"]))
        if x["column"]:
            letters, header = _column(f["列"])
            if letters != x["column"]:
                wrong.append((*where, "列", x["column"], f["列"]))
            if x["header"] and header != x["header"]:
                wrong.append((*where, "列 header text", x["header"], f["列"]))
    assert not wrong, wrong


def test_no_unexpected_findings(run, findings):
    pairs, _ = _match_findings(run["key"], findings)
    extra = [
        (f["级别"], f["代码"], f["文件"], f["行"], f["值"], f["说明"])
        for i, f in enumerate(findings)
        if i not in pairs.values() and f["代码"] != "file-read"
    ]
    assert not extra, f"findings the key does not expect: {extra}"


def test_no_errors_on_clean_rows_or_footer_notes(run, findings):
    key = run["key"]
    seeded = {(x["file"], x["row"]) for x in key["expected_findings"] if x["level"] == "错误"}
    clean = {(r["file"], r["row"]) for r in key["records"]} - seeded
    errors = [
        (f["代码"], f["文件"], f["行"])
        for f in findings
        if f["级别"] == "错误" and (f["文件"], f["行"]) in clean
    ]
    assert not errors, f"错误 on rows that are fine: {errors}"
    # the footer of 生态环境分局's ledger: a note row, then 审核人 / 填报人 联系电话 cells
    name = "生态环境分局整改台账（已填）.xlsx"
    footer = key["files"][name]["footer_rows"]
    on_footer = [
        (f["代码"], f["行"], f["值"])
        for f in findings
        if f["文件"] == name and f["行"] is not None and int(f["行"]) in footer
    ]
    assert not on_footer, f"footer note rows read as data: {on_footer}"


def test_every_inbox_file_is_accounted_for(run, findings):
    named = {f["文件"] for f in findings if f["文件"]}
    missing, reported = [], []
    for name, info in run["key"]["files"].items():
        if info.get("ignored"):
            if any(name in n for n in named):
                reported.append(name)
        elif "members" in info:
            missing += [f"{name}/{m}" for m in info["members"] if f"{name}/{m}" not in named]
        elif name not in named:
            missing.append(name)
    assert not missing, f"inbox files with no line in 校验问题: {missing}"
    assert not reported, f"lock/hidden files must be ignored silently: {reported}"


def test_encrypted_and_unreadable_files_get_their_codes(run, findings):
    codes = {
        f["文件"]: f["代码"] for f in findings if f["代码"] in ("encrypted-file", "unreadable-file")
    }
    assert codes.get("区自然资源局整改台账.xlsx") == "encrypted-file"
    assert codes.get("区工信局整改台账.xlsx") == "unreadable-file"
    assert codes.get("整改台账（最终版）.xlsx") == "unreadable-file"


# --------------------------------------------------------------------------- 台账明细


def _fill(cell) -> str | None:
    f = cell.fill
    if f is None or f.fill_type in (None, "none"):
        return None
    return (f.fgColor.rgb or "")[-6:].upper()


def _font(cell) -> str | None:
    colour = cell.font.color if cell.font else None
    return colour.rgb[-6:].upper() if colour is not None and isinstance(colour.rgb, str) else None


def test_every_task_unit_row_has_its_state_and_colours(run, detail):
    key = run["key"]
    bad = []
    for e in key["expected_rows"]:
        k = (e["task"], e["unit"])
        if k not in detail:
            bad.append(("missing row", k))
            continue
        v, row = detail[k]
        if v["逾期状态"] != e["逾期状态"]:
            bad.append(("逾期状态", k, e["逾期状态"], v["逾期状态"]))
        want, got = e["完成状态"], v["完成状态"]
        if (want or None) != (got or None) and not (want is None and got in ("未填报", "")):
            bad.append(("完成状态", k, want, got))
        if e["逾期天数"] is not None and str(v["逾期天数"]) != str(e["逾期天数"]):
            bad.append(("逾期天数", k, e["逾期天数"], v["逾期天数"]))
        fills = {_fill(c) for c in row}
        if fills != {e["fill"]}:
            bad.append(("fill", k, e["逾期状态"], e["fill"], fills))
        if e["fill"] is not None:
            fonts = {_font(c) for c in row}
            if fonts != {e["font"]}:
                bad.append(("font", k, e["逾期状态"], e["font"], fonts))
        done = v["实际完成日期"]
        if isinstance(done, datetime):
            done = done.date().isoformat()
        if e["done"] and done != e["done"]:
            bad.append(("实际完成日期", k, e["done"], v["实际完成日期"]))
        if e["phone"] and v["联系电话"] != e["phone"]:
            bad.append(("联系电话", k, e["phone"], v["联系电话"]))
        if e["progress"] and v["整改进展"] != e["progress"]:
            bad.append(("整改进展", k, e["progress"], v["整改进展"]))
        if e["source"] and e["source"].split("/")[-1] not in (v["来源文件"] or ""):
            bad.append(("来源文件", k, e["source"], v["来源文件"]))
    extra = set(detail) - {(e["task"], e["unit"]) for e in key["expected_rows"]}
    assert not extra, f"台账明细 rows the key does not expect: {sorted(extra)}"
    assert not bad, "\n".join(map(str, bad))


def test_texts_starting_with_equals_stay_strings(run, detail):
    assert run["key"]["eq_text"], "the builder seeded no '=' texts"
    header = [c.value for c in run["wb"]["台账明细"][1]]
    for q in run["key"]["eq_text"]:
        _, row = detail[(q["task"], q["unit"])]
        cell = row[header.index("整改进展")]
        assert cell.value == q["value"], q
        assert cell.data_type == "s", (q, cell.data_type)


# --------------------------------------------------------------------------- 未报送 and 汇总


def test_unreported_sheet_lists_units_with_no_usable_return(run):
    sheet = run["wb"]["未报送"]
    assert [c.value for c in sheet[1]] == ["责任单位", "任务数", "其中逾期", "说明"]
    rows = [tuple(c.value for c in r) for r in sheet.iter_rows(min_row=2) if r[0].value]
    expected = run["key"]["no_return_units"]
    silent = {u["unit"] for u in expected}
    assert sorted(r[:3] for r in rows if r[0] in silent) == sorted(
        (u["unit"], u["tasks"], u["overdue"]) for u in expected
    )
    # units whose return left tasks out are listed too, with how many are missing
    missing = Counter(
        e["unit"]
        for e in run["key"]["expected_rows"]
        if e["逾期状态"] == "未报送" and e["unit"] not in silent
    )
    partial = {r[0]: r for r in rows if r[0] not in silent}
    assert set(partial) == set(missing)
    for unit, count in missing.items():
        assert partial[unit][1] == count and partial[unit][3].startswith("部分报送"), partial[unit]
    note = {r[0]: r[3] or "" for r in rows}
    for u in expected:
        if u["file"]:
            assert u["file"] in note[u["unit"]], (u, note[u["unit"]])


def _summary(run) -> tuple[dict, list[dict]]:
    rows = list(run["wb"]["汇总"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "责任单位")
    tot = next(i for i, r in enumerate(rows) if r and r[0] == "任务数")
    totals = dict(zip(rows[tot], rows[tot + 1], strict=False))
    units = []
    for r in rows[
        head + 1 :
    ]:  # the unit table ends at the first blank row (the problem table is below)
        if not r or not r[0]:
            break
        units.append(dict(zip(rows[head], r, strict=False)))
    return totals, units


def test_summary_counts_overdue_rows_per_unit(run):
    totals, units = _summary(run)
    rows = run["key"]["expected_rows"]
    overdue = Counter(e["unit"] for e in rows if e["逾期状态"] == "逾期")
    assert int(totals["逾期"]) == sum(overdue.values())
    assert {u["责任单位"]: int(u["逾期"]) for u in units} == {
        u: overdue.get(u, 0) for u in {e["unit"] for e in rows}
    }
    assert sum(int(u["逾期"]) for u in units) == int(totals["逾期"])


def test_summary_counts_statuses_per_unit(run):
    _, units = _summary(run)
    rows = run["key"]["expected_rows"]
    bad = []
    for u in units:
        mine = Counter(e["完成状态"] for e in rows if e["unit"] == u["责任单位"])
        n_tasks = sum(mine.values())
        if int(u["任务数"]) != n_tasks:
            bad.append((u["责任单位"], "任务数", n_tasks, u["任务数"]))
        if int(u["已完成"]) != mine["已完成"]:
            bad.append((u["责任单位"], "已完成", mine["已完成"], u["已完成"]))
        # README's counting rule: 推进中 includes 长期坚持, 未启动 includes 未填报 and any status
        # word not recognised; rows with no return are in none of the three columns
        in_progress = mine["推进中"] + mine["长期坚持"]
        if int(u["推进中"]) != in_progress:
            bad.append((u["责任单位"], "推进中", in_progress, u["推进中"]))
        not_started = sum(
            n for word, n in mine.items() if word not in ("已完成", "推进中", "长期坚持", "", None)
        )
        if int(u["未启动"]) != not_started:
            bad.append((u["责任单位"], "未启动", not_started, u["未启动"]))
    assert not bad, bad


def test_units_whose_only_file_is_unreadable_say_so(run):
    _, units = _summary(run)
    status = {u["责任单位"]: u["报送状态"] for u in units}
    unreadable = run["key"]["unreadable_units"]
    assert unreadable
    for unit, name in unreadable.items():
        assert status[unit] == "文件无法读取", (unit, name, status[unit])
    for u in run["key"]["no_return_units"]:
        if not u["file"]:
            assert status[u["unit"]] == "未报送", (u["unit"], status[u["unit"]])


def test_ods_part_was_built(run):
    if run["key"]["notes"]:
        pytest.skip("; ".join(run["key"]["notes"]))
    assert "英俊镇台账.ods" in run["key"]["files"]
