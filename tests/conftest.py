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


def sample_units() -> tuple[list[str], dict[str, str]]:
    """The sample district's units and other spellings, as its clerk lists them (samples/二道区单位.toml)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    text = (ROOT / "samples" / "二道区单位.toml").read_text(encoding="utf-8")
    units = tomllib.loads(text)["units"]
    return list(units["names"]), dict(units["aliases"])


def seed_file() -> Path:
    env = os.environ.get("TOOLKIT_SEED")
    if env:
        return Path(env)
    return (
        ROOT / "samples" / "二道区督察整改完成情况.txt"
    )  # the public seed report, kept in the repository


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
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "build_sample.py"),
            "--seed-file",
            str(seed_path),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
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
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    pdf = outdir / (path.stem + ".pdf")
    assert pdf.exists() and pdf.stat().st_size > 1000, (
        f"LibreOffice produced no PDF for {path.name}"
    )
    return pdf


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


def keep_as_text(sheet) -> None:
    """What a unit typed starting with "=" is text, not a formula: mark those cells as strings."""
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"


def write_ledger(
    path: Path,
    rows: list[list],
    *,
    title: str | None = None,
    header: list[str] | None = HEADER,
    sheet: str = "台账",
    meta: dict[str, str] | None = None,
    merges=(),
    before: tuple[str, list[list]] | None = None,
    drop_down: bool = False,
    protect: bool = False,
) -> Path:
    """The one factory for a returned ledger (.xlsx, with openpyxl), messy as units send them.

    title    a line above the header, e.g. "区卫健局 整改台账（截至2025年3月31日）"
    header   the column names (default: the template's 14); None when `rows` carry their own
    rows     the data rows in header order; texts starting with "=" stay text
    meta     the hidden _meta sheet's 项目/值 pairs, as a template carries them
    merges   ranges to merge: "A1:N1" or (first row, first column, last row, last column)
    before   (name, rows) of a sheet in front of the ledger sheet
    drop_down, protect: the template's 完成状态 list on column H, and sheet protection
    """
    import openpyxl
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    ws = book.active
    if before:
        ws.title = before[0]
        for line in before[1]:
            ws.append(line)
        ws = book.create_sheet(sheet)
    else:
        ws.title = sheet
    for line in (
        ([[title]] if title is not None else [])
        + ([header] if header is not None else [])
        + list(rows)
    ):
        ws.append(line)
    keep_as_text(ws)
    for merge in merges:
        if isinstance(merge, str):
            ws.merge_cells(merge)
        else:
            ws.merge_cells(
                start_row=merge[0], start_column=merge[1], end_row=merge[2], end_column=merge[3]
            )
    if drop_down:
        validation = DataValidation(
            type="list", formula1='"已完成,推进中,未启动,长期坚持"', allow_blank=True
        )
        validation.sqref = "H3:H1000"
        ws.add_data_validation(validation)
    ws.protection.sheet = protect
    if meta is not None:
        sheet_meta = book.create_sheet("_meta")
        for pair in [["项目", "值"], *([key, value] for key, value in meta.items())]:
            sheet_meta.append(pair)
        sheet_meta.sheet_state = "hidden"
    book.save(path)
    return path


@pytest.fixture
def make_ledger(tmp_path):
    """write_ledger into tmp_path: make_ledger("区卫健局.xlsx", rows, title=…)."""
    return lambda name, rows, **options: write_ledger(tmp_path / name, rows, **options)


@pytest.fixture
def small_ws(tmp_path) -> Path:
    """A workspace with five tasks from the seed's 序号五/六/十三 and two returned ledgers."""
    from toolkit.core.model.issue_list import Task
    from toolkit.write.issue_list import write_issue_list

    ws = tmp_path / "small"
    (ws / "inbox").mkdir(parents=True)
    tasks = [
        Task(
            "5-1",
            5,
            "秸秆综合利用难题需深入破解",
            1,
            "成立区农作物秸秆综合利用工作领导小组",
            ("区农业农村局",),
            None,
            "长期坚持",
            row=2,
        ),
        Task(
            "5-2",
            5,
            "秸秆综合利用难题需深入破解",
            2,
            "2024年7月底前，区农业农村局联合相关部门制定下发秸秆综合利用工作方案",
            ("区农业农村局",),
            date(2024, 7, 31),
            row=3,
        ),
        Task(
            "6-1",
            6,
            "建筑垃圾资源化利用仍要加强",
            1,
            "区城市管理局积极落实市局要求",
            ("区城市管理局",),
            date(2025, 4, 3),
            row=4,
        ),
        Task(
            "13-1",
            13,
            "医疗废物贮运管理存在薄弱环节",
            1,
            "2024年6月底前，组织辖区生态环境分局、区卫健局等部门集中开展1次会商协调会议",
            ("区生态环境分局", "区卫健局"),
            date(2024, 6, 30),
            row=5,
        ),
        Task(
            "13-2",
            13,
            "医疗废物贮运管理存在薄弱环节",
            2,
            "区卫健局整改措施",
            ("区卫健局",),
            date(2025, 6, 30),
            row=6,
        ),
    ]
    write_issue_list(tasks, ws / "issues.xlsx")
    (ws / "toolkit.toml").write_text('as_of = "2025-03-31"\n', encoding="utf-8")

    def ledger(name: str, rows: list[list]) -> None:
        write_ledger(ws / "inbox" / name, rows, title=name.split(".")[0] + " 整改台账")

    ledger(
        "区农业农村局.xlsx",
        [
            [
                "5-1",
                5,
                "",
                1,
                "",
                "区农业农村局",
                "",
                "长期坚持",
                "已成立领导小组",
                None,
                "",
                "",
                "李四",
                "13904311234",
            ],
            [
                "5-2",
                5,
                "",
                2,
                "",
                "区农业农村局",
                "",
                "已完成",
                "=SUM(A1:A3) 方案已印发",
                date(2024, 8, 15),
                "",
                "",
                "李四",
                "0431-8888",
            ],
        ],
    )
    ledger(
        "区卫健局.xlsx",
        [
            ["13-1", 13, "", 1, "", "", "", "推进中", "已召开会议", None, "", "", "王五", ""],
            [
                "13-2",
                13,
                "",
                2,
                "",
                "",
                "",
                "已完成",
                "已制定登记表",
                date(2025, 3, 1),
                "",
                "",
                "王五",
                "",
            ],
        ],
    )
    return ws


def sheet_charts(path: Path, sheet: str) -> int:
    """How many charts a sheet of an .xlsx shows, read from the package itself (sheet → drawing → charts)."""
    import posixpath
    import zipfile
    from xml.etree import ElementTree

    rel_ns = "{http://schemas.openxmlformats.org/package/2006/relationships}"

    def targets(archive: zipfile.ZipFile, part: str, kind: str) -> list[str]:
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        if rels not in archive.namelist():
            return []
        root = ElementTree.fromstring(archive.read(rels))
        return [
            posixpath.normpath(posixpath.join(folder, r.get("Target")))
            for r in root.iter(rel_ns + "Relationship")
            if r.get("Type", "").endswith("/" + kind)
        ]

    with zipfile.ZipFile(path) as archive:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rid = next(
            s.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
            for s in book.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet")
            if s.get("name") == sheet
        )
        root = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        part = next(
            posixpath.normpath(posixpath.join("xl", r.get("Target")))
            for r in root.iter(rel_ns + "Relationship")
            if r.get("Id") == rid
        )
        return sum(
            len(targets(archive, drawing, "chart")) for drawing in targets(archive, part, "drawing")
        )


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """In CI (CI=true) every skipped test fails the run: a skip there means a missing install step."""
    skipped = terminalreporter.stats.get("skipped", [])
    if os.environ.get("CI") and skipped:
        terminalreporter.write_line(
            f"CI: {len(skipped)} 个测试被跳过；CI 中不允许跳过（见上面的原因）", red=True
        )


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if (
        os.environ.get("CI")
        and reporter is not None
        and reporter.stats.get("skipped")
        and exitstatus == 0
    ):
        session.exitstatus = 1
