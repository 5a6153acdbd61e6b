"""The blank ledger template and per-unit ledgers, read back with openpyxl."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from toolkit.core.errors import WorkspaceError
from toolkit.core.model.issue_list import Task
from toolkit.core.words import STATUSES
from toolkit.write.ledger import write_unit_ledger
from toolkit.write.template import (
    LEDGER_COLUMNS,
    LOCKED_COLUMNS,
    META_KEYS,
    TITLE_PLACEHOLDER,
    write_blank_template,
)

AS_OF = date(2025, 3, 31)
GENERATED = datetime(2025, 3, 31, 9, 30, 5)
UNIT = "区农业农村局"


def letter(name: str) -> str:
    return "ABCDEFGHIJKLMNO"[LEDGER_COLUMNS.index(name)]


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "templates" / "ledger.xlsx"
    write_blank_template(path, created=datetime(2025, 3, 31))
    return path


@pytest.fixture
def tasks() -> list[Task]:
    return [
        Task(
            "5-1",
            5,
            "秸秆综合利用难题需深入破解",
            1,
            "成立区农作物秸秆综合利用工作领导小组。",
            ("区农业农村局", "区发改局"),
            date(2024, 7, 31),
            "2024年7月底前",
        ),
        Task(
            "5-2",
            5,
            "秸秆综合利用难题需深入破解",
            2,
            "=SUM(A1) 加强跟踪调度",
            ("区农业农村局",),
            None,
            "长期坚持",
        ),
        Task(
            "27-1",
            27,
            "部分市、区黑土地保护措施落实不严格",
            1,
            "加强农田生态环境保护。" * 30,
            ("区农业农村局",),
            date(2024, 6, 30),
            "2024年6月底前",
        ),
    ]


@pytest.fixture
def ledger(tmp_path: Path, template: Path, tasks: list[Task]) -> Path:
    out = tmp_path / "out" / "区农业农村局-整改台账.xlsx"
    write_unit_ledger(template, out, UNIT, tasks, "0123456789abcdef", AS_OF, GENERATED)
    return out


def validations(sheet) -> dict[str, tuple[str, str]]:
    """column letter → (type, sqref)."""
    return {str(v.sqref)[0]: (v.type, str(v.sqref)) for v in sheet.data_validations.dataValidation}


def test_blank_template_structure(template: Path) -> None:
    workbook = load_workbook(template)
    assert workbook.sheetnames == ["台账", "_meta"]
    sheet = workbook["台账"]
    assert workbook.active.title == "台账"
    assert sheet["A1"].value == TITLE_PLACEHOLDER
    assert {"A1:L1", "N1:O1"} <= {str(r) for r in sheet.merged_cells.ranges}
    assert [c.value for c in sheet[2]] == LEDGER_COLUMNS
    assert sheet["A2"].font.b and sheet["A2"].alignment.wrap_text
    assert sheet["A2"].fill.fgColor.rgb.endswith("DDEBF7")
    assert sheet["A2"].border.left.style == "thin"
    assert sheet.max_row == 2
    assert sheet.freeze_panes == "A3"
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToHeight == 0

    assert sheet.protection.sheet is True
    assert not sheet.protection.password
    assert sheet.protection.formatColumns is False  # False: allowed to the unit
    assert sheet.protection.formatRows is False
    assert sheet.protection.autoFilter is False
    for name in LEDGER_COLUMNS:
        locked = sheet.column_dimensions[letter(name)].protection.locked
        assert locked is (name in LOCKED_COLUMNS), name

    checks = validations(sheet)
    assert checks["N"] == ("date", "N1")  # the one 填报日期 cell of the ledger
    assert checks[letter("完成状态")] == ("list", "H3:H1000")
    assert checks[letter("实际完成日期")] == ("date", "J3:J1000")
    assert checks[letter("申请延期至")] == ("date", "K3:K1000")
    status = next(v for v in sheet.data_validations.dataValidation if v.type == "list")
    assert status.formula1 == '"' + ",".join(STATUSES) + '"'

    meta = workbook["_meta"]
    assert meta.sheet_state == "hidden"
    rows = list(meta.values)
    assert rows[0] == ("项目", "值")
    assert [r[0] for r in rows[1:]] == META_KEYS
    assert dict(rows[1:]) == {
        "单位": None,
        "模板版本": "1",
        "问题清单指纹": None,
        "生成时间": None,
        "截至日期": None,
    }


def test_unit_ledger_read_back(ledger: Path, tasks: list[Task]) -> None:
    workbook = load_workbook(ledger)
    assert workbook.sheetnames == ["台账", "_meta"]
    sheet = workbook["台账"]
    assert sheet["A1"].value == "区农业农村局 整改台账（截至2025年3月31日）"
    assert [c.value for c in sheet[2]] == LEDGER_COLUMNS
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3, max_row=sheet.max_row)]
    assert len(rows) == 3
    assert rows[0][:7] == [
        "5-1",
        5,
        "秸秆综合利用难题需深入破解",
        1,
        "成立区农作物秸秆综合利用工作领导小组。",
        "区农业农村局、区发改局",
        datetime(2024, 7, 31),
    ]
    assert rows[0][7:] == [None] * 8
    assert rows[1][6] == "长期坚持"
    assert rows[2][0] == "27-1"
    assert sheet["G3"].number_format == "yyyy-mm-dd" and sheet["G3"].is_date
    assert sheet["J3"].number_format == "yyyy-mm-dd"

    for row in range(3, 6):
        for index, name in enumerate(LEDGER_COLUMNS):
            cell = sheet.cell(row=row, column=index + 1)
            assert cell.protection.locked is (name in LOCKED_COLUMNS), (row, name)
    assert sheet.protection.sheet is True and not sheet.protection.password
    assert sheet.freeze_panes == "A3"
    assert sheet.row_dimensions[5].height > sheet.row_dimensions[3].height  # long text, taller row

    checks = validations(sheet)
    assert checks["H"] == ("list", "H3:H1000")
    assert checks["J"] == ("date", "J3:J1000")

    meta = workbook["_meta"]
    assert meta.sheet_state == "hidden"
    assert dict(list(meta.values)[1:]) == {
        "单位": "区农业农村局",
        "模板版本": "1",
        "问题清单指纹": "0123456789abcdef",
        "生成时间": "2025-03-31 09:30:05",
        "截至日期": "2025-03-31",
    }
    assert workbook.properties.created == GENERATED
    assert workbook.properties.modified == GENERATED


def test_text_starting_with_equals_stays_text(ledger: Path) -> None:
    sheet = load_workbook(ledger)["台账"]
    cell = sheet["E4"]
    assert cell.value == "=SUM(A1) 加强跟踪调度"
    assert cell.data_type == "s"
    xml = zipfile.ZipFile(ledger).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml


def test_validations_grow_with_many_tasks(tmp_path: Path, template: Path) -> None:
    many = [
        Task(f"1-{n}", 1, "标题", n, f"措施{n}", (UNIT,), date(2024, 12, 31))
        for n in range(1, 1201)
    ]
    out = tmp_path / "big.xlsx"
    write_unit_ledger(template, out, UNIT, many, "f" * 16, AS_OF, GENERATED)
    sheet = load_workbook(out)["台账"]
    assert sheet.max_row == 1202
    assert validations(sheet)["H"] == ("list", "H3:H1202")
    assert sheet.cell(row=1202, column=8).protection.locked is False


def test_missing_or_wrong_template_is_a_clear_error(tmp_path: Path, tasks: list[Task]) -> None:
    with pytest.raises(WorkspaceError, match="找不到台账模板"):
        write_unit_ledger(
            tmp_path / "none.xlsx", tmp_path / "o.xlsx", UNIT, tasks, "x", AS_OF, GENERATED
        )
    other = tmp_path / "other.xlsx"
    Workbook().save(other)
    with pytest.raises(WorkspaceError, match="没有名为“台账”的工作表"):
        write_unit_ledger(other, tmp_path / "o.xlsx", UNIT, tasks, "x", AS_OF, GENERATED)
    assert not (tmp_path / "o.xlsx").exists()


def test_same_input_same_cells(tmp_path: Path, template: Path, tasks: list[Task]) -> None:
    def cells(path: Path) -> list:
        workbook = load_workbook(path)
        return [list(ws.values) for ws in workbook.worksheets]

    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for out in (first, second):
        write_unit_ledger(template, out, UNIT, tasks, "abc", AS_OF, GENERATED)
    assert cells(first) == cells(second)


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)
def test_ledger_converts_to_pdf(tmp_path: Path, ledger: Path) -> None:
    outdir = tmp_path / "pdf"
    profile = (tmp_path / "lo-profile").as_uri()
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(ledger),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = outdir / (ledger.stem + ".pdf")
    assert pdf.exists(), result.stdout + result.stderr
    assert pdf.stat().st_size > 1000


def test_reported_date_cell_is_filled_in_and_read_back(ledger: Path, tmp_path: Path) -> None:
    from toolkit.core.model.issue_list import UnitBook
    from toolkit.core.settings import Settings
    from toolkit.read.ledger import read_ledger

    workbook = load_workbook(ledger)
    sheet = workbook["台账"]
    assert sheet["M1"].value == "填报日期" and sheet["M1"].protection.locked
    assert sheet["N1"].protection.locked is False and sheet["N1"].number_format == "yyyy-mm-dd"
    assert ("date", "N1") in {(v.type, str(v.sqref)) for v in sheet.data_validations.dataValidation}
    assert read_ledger(ledger, ledger.name, Settings(), UnitBook([UNIT])).reported is None
    sheet["N1"].value = datetime(2025, 3, 28)
    sheet["C3"].value = "秸秆"  # an edit, so the unit's save is a different file
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    read = read_ledger(filled, filled.name, Settings(), UnitBook([UNIT]))
    assert read.ok and read.unit == UNIT and read.reported == date(2025, 3, 28)
    assert len(read.rows) == 3
