"""Shared fixtures: the seed, small issue lists, and factories for messy returned ledgers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2025, 3, 31)


def seed_file() -> Path:
    env = os.environ.get("TOOLKIT_SEED")
    if env:
        return Path(env)
    return ROOT / "samples" / "二道区督察整改完成情况.txt"  # the public seed report, kept in the repository


@pytest.fixture(scope="session")
def seed_path() -> Path:
    path = seed_file()
    if not path.exists():
        pytest.skip(f"seed not found at {path}; set TOOLKIT_SEED")
    return path


@pytest.fixture(scope="session")
def sample_source(tmp_path_factory, seed_path) -> Path:
    """The bundled sample, rebuilt from the seed by scripts/build_sample.py into a fresh folder."""
    out = tmp_path_factory.mktemp("sample")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_sample.py"), "--seed-file", str(seed_path),
                    "--out", str(out)], check=True, capture_output=True)
    return out


@pytest.fixture
def sample_ws(sample_source, tmp_path) -> Path:
    """A private copy of the sample workspace that a test may change."""
    target = tmp_path / "ws"
    shutil.copytree(sample_source, target)
    return target


def soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found and os.environ.get("TOOLKIT_REQUIRE_SOFFICE"):
        pytest.fail("LibreOffice (soffice) is required here but not installed")
    return found


def to_pdf(path: Path, outdir: Path) -> Path:
    """Convert a workbook with LibreOffice; returns the PDF (raises if LibreOffice fails)."""
    exe = soffice()
    if exe is None:
        pytest.skip("LibreOffice not installed")
    profile = outdir / "lo-profile"
    subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(outdir), str(path)], check=True, capture_output=True, timeout=240)
    pdf = outdir / (path.stem + ".pdf")
    assert pdf.exists() and pdf.stat().st_size > 1000, f"LibreOffice produced no PDF for {path.name}"
    return pdf


HEADER = ["任务编号", "问题序号", "问题标题", "措施序号", "整改措施", "责任单位", "完成时限", "完成状态", "整改进展",
          "实际完成日期", "佐证材料", "存在问题", "填报人", "联系电话"]


@pytest.fixture
def small_ws(tmp_path) -> Path:
    """A workspace with five tasks from the seed's 序号五/六/十三 and two returned ledgers."""
    import openpyxl

    from toolkit.core.model import Task
    from toolkit.read.issues_import import write_issue_list

    ws = tmp_path / "small"
    (ws / "inbox").mkdir(parents=True)
    tasks = [
        Task("5-1", 5, "秸秆综合利用难题需深入破解", 1, "成立区农作物秸秆综合利用工作领导小组", ("区农业农村局",), None,
             "长期坚持", row=2),
        Task("5-2", 5, "秸秆综合利用难题需深入破解", 2, "2024年7月底前，区农业农村局联合相关部门制定下发秸秆综合利用工作方案",
             ("区农业农村局",), date(2024, 7, 31), row=3),
        Task("6-1", 6, "建筑垃圾资源化利用仍要加强", 1, "区城市管理局积极落实市局要求", ("区城市管理局",),
             date(2025, 4, 3), row=4),
        Task("13-1", 13, "医疗废物贮运管理存在薄弱环节", 1, "2024年6月底前，组织辖区生态环境分局、区卫健局等部门集中开展1次会商协调会议",
             ("区生态环境分局", "区卫健局"), date(2024, 6, 30), row=5),
        Task("13-2", 13, "医疗废物贮运管理存在薄弱环节", 2, "区卫健局整改措施", ("区卫健局",), date(2025, 6, 30), row=6),
    ]
    write_issue_list(tasks, ws / "issues.xlsx")
    (ws / "toolkit.toml").write_text('as_of = "2025-03-31"\n', encoding="utf-8")

    def ledger(name: str, rows: list[list]) -> None:
        wb = openpyxl.Workbook()
        sheet = wb.active
        sheet.title = "台账"
        sheet.append([name.split(".")[0] + " 整改台账"])
        sheet.append(HEADER)
        for line in rows:
            sheet.append(line)
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # what a unit typed as text, not a formula
        wb.save(ws / "inbox" / name)

    ledger("区农业农村局.xlsx", [
        ["5-1", 5, "", 1, "", "区农业农村局", "", "长期坚持", "已成立领导小组", None, "", "", "李四", "13904311234"],
        ["5-2", 5, "", 2, "", "区农业农村局", "", "已完成", "=SUM(A1:A3) 方案已印发", date(2024, 8, 15), "", "", "李四", "0431-8888"],
    ])
    ledger("区卫健局.xlsx", [
        ["13-1", 13, "", 1, "", "", "", "推进中", "已召开会议", None, "", "", "王五", ""],
        ["13-2", 13, "", 2, "", "", "", "已完成", "已制定登记表", date(2025, 3, 1), "", "", "王五", ""],
    ])
    return ws


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """In CI (CI=true) every skipped test fails the run: a skip there means a missing install step."""
    skipped = terminalreporter.stats.get("skipped", [])
    if os.environ.get("CI") and skipped:
        terminalreporter.write_line(f"CI: {len(skipped)} 个测试被跳过；CI 中不允许跳过（见上面的原因）", red=True)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter is not None and reporter.stats.get("skipped") and exitstatus == 0:
        session.exitstatus = 1
