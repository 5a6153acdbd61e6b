"""Read a generated ledger through LibreOffice's own engine and report what it sees, as JSON.

Run by LibreOffice's Python (the system python3 with Debian's python3-uno), not the project's venv:

    soffice --headless --invisible --norestore -env:UserInstallation=file:///tmp/lo-profile \\
        --accept="pipe,name=lo-probe;urp;" &
    /usr/bin/python3 tests/lo_probe.py --connect "pipe,name=lo-probe" LEDGER.xlsx

The probe connects (with retries while soffice starts), loads the workbook hidden, prints one JSON
object on stdout, closes the document and terminates the office. Starting soffice, and killing it
if it lingers, is the caller's job (tests/test_template_libreoffice.py).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue

SHEET = "台账"
COLUMNS = 14
ROW = 2  # 0-based: Excel row 3, the first task
STATUS_COLUMN = 7  # H 完成状态
DONE_DATE_COLUMN = 9  # J 实际完成日期


def prop(name: str, value) -> PropertyValue:
    item = PropertyValue()
    item.Name, item.Value = name, value
    return item


def create(context, service: str):
    return context.ServiceManager.createInstanceWithContext(service, context)


def connect(connection: str, timeout: float):
    """The office's component context, retrying until soffice accepts connections."""
    local = uno.getComponentContext()
    resolver = create(local, "com.sun.star.bridge.UnoUrlResolver")
    deadline = time.monotonic() + timeout
    while True:
        try:
            return resolver.resolve(f"uno:{connection};urp;StarOffice.ComponentContext")
        except Exception:  # NoConnectException while soffice is still starting
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)


def letter(column: int) -> str:
    return chr(ord("A") + column)


def enum_value(value) -> str:
    return str(getattr(value, "value", value))


def list_values(formula: str) -> list[str]:
    """'"a";"b"' → ['a', 'b']: LibreOffice's inline list (its separator follows the locale)."""
    return [match.replace('""', '"') for match in re.findall(r'"((?:[^"]|"")*)"', formula)]


def validation_of(cell) -> dict:
    validation = cell.getPropertyValue("Validation")
    formula1 = validation.getFormula1()
    return {
        "type": enum_value(validation.getPropertyValue("Type")),
        "operator": enum_value(validation.getOperator()),
        "formula1": formula1,
        "formula2": validation.getFormula2(),
        "list_values": list_values(formula1),
        "show_list": int(validation.getPropertyValue("ShowList")),
        "show_error": bool(validation.getPropertyValue("ShowErrorMessage")),
        "error_style": enum_value(validation.getPropertyValue("ErrorAlertStyle")),
        "error_message": validation.getPropertyValue("ErrorMessage"),
        "ignore_blank": bool(validation.getPropertyValue("IgnoreBlankCells")),
    }


def type_into(context, document, cell, text: str) -> dict:
    """Enter `text` into `cell` the way the user interface does (.uno:EnterString on the selection).

    Unlike the cell API, this path honours sheet protection: a locked cell keeps its value.
    """
    controller = document.getCurrentController()
    controller.select(cell)
    dispatcher = create(context, "com.sun.star.frame.DispatchHelper")
    before = cell.getString()
    dispatcher.executeDispatch(
        controller.getFrame(), ".uno:EnterString", "", 0, (prop("StringName", text),)
    )
    after = cell.getString()
    return {"before": before, "after": after, "accepted": after == text}


def try_write(cell) -> dict:
    """Write through the cell API and say what happened; the API is not the user interface."""
    before = cell.getString()
    try:
        cell.setString("PROBE")
        outcome = {"raised": None}
    except Exception as exc:  # what LibreOffice does on a protected cell, if anything
        outcome = {"raised": type(exc).__name__ + ": " + str(getattr(exc, "Message", exc))}
    outcome["before"] = before
    outcome["after"] = cell.getString()
    return outcome


def probe(context, document) -> dict:
    sheets = document.getSheets()
    names = list(sheets.getElementNames())
    report: dict = {
        "sheets": names,
        "visible": {
            name: bool(sheets.getByName(name).getPropertyValue("IsVisible")) for name in names
        },
    }
    sheet = sheets.getByName(SHEET)
    report["protected"] = bool(sheet.isProtected())
    report["locked"] = {}
    report["hidden_formula"] = {}
    for column in range(COLUMNS):
        protection = sheet.getCellByPosition(column, ROW).getPropertyValue("CellProtection")
        report["locked"][letter(column)] = bool(protection.IsLocked)
        report["hidden_formula"][letter(column)] = bool(protection.IsFormulaHidden)
    report["status_validation"] = validation_of(sheet.getCellByPosition(STATUS_COLUMN, ROW))
    report["done_date_validation"] = validation_of(sheet.getCellByPosition(DONE_DATE_COLUMN, ROW))
    report["A1"] = sheet.getCellByPosition(0, 0).getString()
    report["A2"] = sheet.getCellByPosition(0, 1).getString()
    report["A3"] = sheet.getCellByPosition(0, ROW).getString()
    report["rows_with_task_id"] = [
        sheet.getCellByPosition(0, row).getString()
        for row in range(ROW, ROW + 200)
        if sheet.getCellByPosition(0, row).getString()
    ]

    # Every write below goes to the loaded copy only: the document is closed without saving.
    locked_cell = sheet.getCellByPosition(0, ROW)  # A3 任务编号
    open_cell = sheet.getCellByPosition(STATUS_COLUMN + 1, ROW)  # I3 整改进展
    report["user_entry"] = {
        "locked": type_into(context, document, locked_cell, "PROBE-LOCKED"),
        "unlocked": type_into(context, document, open_cell, "PROBE"),
    }
    report["api_write_locked"] = try_write(sheet.getCellByPosition(1, ROW))  # B3 问题序号
    try:
        sheet.unprotect("")
        raised = None
    except Exception as exc:  # IllegalArgumentException when a password is set
        raised = type(exc).__name__ + ": " + str(getattr(exc, "Message", exc))
    report["unprotect_empty_password"] = {
        "raised": raised,
        "protected_after": bool(sheet.isProtected()),
        "locked_entry_after": type_into(context, document, locked_cell, "PROBE-UNPROTECTED"),
    }
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ledger", type=Path)
    parser.add_argument(
        "--connect", required=True, help='"pipe,name=lo-probe" or "socket,host=127.0.0.1,port=2002"'
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=45.0,
        help="seconds to wait for soffice to accept the connection",
    )
    args = parser.parse_args()

    context = connect(args.connect, args.timeout)
    desktop = create(context, "com.sun.star.frame.Desktop")
    url = uno.systemPathToFileUrl(str(args.ledger.resolve()))
    document = None
    try:
        document = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
        if document is None:
            raise RuntimeError(f"LibreOffice could not load {args.ledger}")
        report = probe(context, document)
    finally:
        if document is not None:
            try:
                document.close(True)
            except Exception:
                document.dispose()
        try:
            desktop.terminate()
        except Exception:  # the bridge goes away while the office shuts down: expected
            pass
    json.dump(report, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
