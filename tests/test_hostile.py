"""Hostile and broken inputs, and safe output: one inbox holding every kind of broken file beside good
ledgers, merged once through the CLI; then the outbox failing (not writable, disk full).

Every broken file is built here by code (nothing downloaded). Each must give its finding, located
down to the cell where the problem is a cell, while the good ledgers are merged as usual.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import struct
import subprocess
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest
from conftest import write_ledger
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.core.model.issue_list import Task, UnitBook
from toolkit.core.normalize import column_letter
from toolkit.core.settings import Settings
from toolkit.read.ledger import read_ledger

ROOT = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------- the workspace's issue list

TASKS = [
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
        "制定下发秸秆综合利用工作方案",
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
        "7-1",
        7,
        "城镇污水收集处理存在短板",
        1,
        "完成老旧管网改造",
        ("区住建局",),
        date(2024, 12, 31),
        row=5,
    ),
    Task(
        "8-1",
        8,
        "重点项目环评落实不到位",
        1,
        "开展项目环评落实情况排查",
        ("区发改局",),
        date(2024, 10, 31),
        row=6,
    ),
    Task(
        "9-1",
        9,
        "河湖长制落实不到位",
        1,
        "开展河道清四乱专项行动",
        ("区河长办",),
        date(2024, 9, 30),
        row=7,
    ),
    Task(
        "10-1",
        10,
        "工业企业污染治理不彻底",
        1,
        "督促企业完成提标改造",
        ("区工信局",),
        date(2024, 11, 30),
        row=8,
    ),
    Task(
        "11-1",
        11,
        "矿山生态修复进展缓慢",
        1,
        "完成废弃矿山治理",
        ("区自然资源局",),
        date(2024, 8, 31),
        row=9,
    ),
    Task(
        "12-1",
        12,
        "农村人居环境整治不彻底",
        1,
        "开展村庄清洁行动",
        ("英俊镇",),
        date(2024, 10, 31),
        row=10,
    ),
    Task(
        "13-1",
        13,
        "医疗废物贮运管理存在薄弱环节",
        1,
        "组织会商协调会议",
        ("区生态环境分局", "区卫健局"),
        date(2024, 6, 30),
        row=11,
    ),
    Task(
        "13-2",
        13,
        "医疗废物贮运管理存在薄弱环节",
        2,
        "统一制定医疗废物贮运登记表",
        ("区卫健局",),
        date(2025, 6, 30),
        row=12,
    ),
    Task(
        "14-1",
        14,
        "生态环境保护宣传教育不足",
        1,
        "把生态文明纳入干部培训",
        ("区委党校",),
        date(2024, 12, 31),
        row=13,
    ),
    Task(
        "15-1",
        15,
        "园区环境基础设施不完善",
        1,
        "建成园区污水集中处理设施",
        ("二道经济开发区",),
        date(2025, 12, 31),
        row=14,
    ),
]

# texts a unit typed that a spreadsheet would take for a formula or a link if written carelessly
INJECTIONS = {
    "equals": "=1+1",
    "plus": "+1+2",
    "minus": "-3+4",
    "at": "@SUM(A1:A3)",
    "tab": "\t=SUM(A1:A3)",
    "cr": "\r=2+3",
    "url": "http://example.com",
    "hyperlink": '=HYPERLINK("http://example.com","点此查看")',
}
LONG_TEXT = "召开会议研究部署，逐项推进整改。" * 2500  # 40,000 characters: over Excel's 32,767
XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# ---------------------------------------------------------------- building files by hand


class Err(str):
    """An error cell (t="e"), the way Excel stores #REF! and #N/A."""


class Formula(str):
    """A formula with no cached value, as written by scripts that never ran Excel."""


class RawXml(str):
    """A shared string put into the XML as is: escapes, entity references."""


class InlineXml(str):
    """An inline string put into the sheet XML as is."""


def raw_xlsx(
    rows: list[list],
    *,
    sheet_doctype: str = "",
    sst_doctype: str = "",
    dimension: str = "",
    tail_xml: str = "",
    sheet_name: str = "台账",
) -> bytes:
    """A minimal .xlsx written by hand, so the sheet XML can hold what openpyxl refuses to write."""
    strings: list[str] = []

    def shared(text: str) -> int:
        if text not in strings:
            strings.append(text)
        return strings.index(text)

    lines = []
    for r, values in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(values):
            ref = f"{column_letter(c)}{r}"
            if value is None or value == "":
                continue
            if isinstance(value, Err):
                cells.append(f'<c r="{ref}" t="e"><v>{escape(value)}</v></c>')
            elif isinstance(value, Formula):
                cells.append(f'<c r="{ref}"><f>{escape(value)}</f></c>')
            elif isinstance(value, InlineXml):
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
            elif isinstance(value, RawXml):
                cells.append(f'<c r="{ref}" t="s"><v>{shared(value)}</v></c>')
            elif isinstance(value, str):
                cells.append(f'<c r="{ref}" t="s"><v>{shared(escape(value))}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        lines.append(f'<row r="{r}">{"".join(cells)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    parts = {
        "[Content_Types].xml": f'{head}<Types xmlns="{pkg}/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/></Types>',
        "_rels/.rels": f'{head}<Relationships xmlns="{pkg}/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'{head}<workbook {ns} xmlns:r="{rel}"><sheets>'
        f'<sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'{head}<Relationships xmlns="{pkg}/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f"{head}{sheet_doctype}<worksheet {ns}>{dim}<sheetData>{''.join(lines)}"
        f"{tail_xml}</sheetData></worksheet>",
        "xl/sharedStrings.xml": f'{head}{sst_doctype}<sst {ns} count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f'<si><t xml:space="preserve">{s}</t></si>' for s in strings)
        + "</sst>",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def compound_file(streams: list[tuple[str, bytes]], free_tail: int = 0) -> bytes:
    """A minimal OLE2 compound file (v3, 512-byte sectors): FAT, the streams, the directory, then
    free_tail unused sectors. Streams are padded to 4096 bytes so none lives in the mini stream."""
    size = 512
    fat: list[int] = [FATSECT]  # sector 0 holds the FAT itself
    chunks: list[bytes] = []
    entries = []
    for name, data in streams:
        data = data.ljust(max(len(data), 4096), b"\0")
        data += b"\0" * (-len(data) % size)
        start, count = len(fat), len(data) // size
        fat += [start + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
        chunks.append(data)
        entries.append((name, start, len(data)))
    directory_sector = len(fat)
    fat.append(ENDOFCHAIN)
    fat += [FREESECT] * free_tail
    assert len(fat) <= size // 4, "one FAT sector is enough for these test files"
    fat += [FREESECT] * (size // 4 - len(fat))

    def entry(name: str, kind: int, right: int, child: int, start: int, length: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(encoded), kind, 1, NOSTREAM, right, child)
            + b"\0" * 36
            + struct.pack("<IQ", start, length)
        )

    # siblings form a tree ordered by (name length, name); a chain to the right is a valid one
    order = sorted(range(len(entries)), key=lambda i: (len(entries[i][0]), entries[i][0].upper()))
    directory = entry("Root Entry", 5, NOSTREAM, order[0] + 1, ENDOFCHAIN, 0)
    for i, (name, start, length) in enumerate(entries):
        after = order.index(i) + 1
        directory += entry(
            name, 2, order[after] + 1 if after < len(order) else NOSTREAM, NOSTREAM, start, length
        )
    directory = directory.ljust(size * -(-len(directory) // size), b"\0")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<9I", 0, 1, directory_sector, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", FREESECT) * 108
    )
    return (
        header
        + struct.pack(f"<{size // 4}I", *fat)
        + b"".join(chunks)
        + directory
        + os.urandom(size * free_tail)
    )


def encrypted_xlsx(package_size: int = 8192, free_tail: int = 0) -> bytes:
    """What Excel saves for a password-protected .xlsx: an OLE2 file with EncryptionInfo and
    EncryptedPackage streams (agile encryption: version 4.4, an XML descriptor)."""
    info = struct.pack("<HHI", 4, 4, 0x40) + (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption">'
        b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        b'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/>'
        b"</encryption>"
    )
    package = struct.pack("<Q", package_size - 8) + os.urandom(package_size - 8)
    return compound_file([("EncryptionInfo", info), ("EncryptedPackage", package)], free_tail)


def encrypted_xls() -> bytes:
    """A BIFF8 workbook (xlwt) with a FILEPASS record (RC4) right after the workbook's BOF."""
    xlwt = pytest.importorskip("xlwt")
    from xlwt import CompoundDoc

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    for c, value in enumerate(["任务编号", "问题序号", "整改措施", "完成状态"]):
        sheet.write(0, c, value)
    for c, value in enumerate(["13-2", 13, "登记表", "已完成"]):
        sheet.write(1, c, value)
    biff = book.get_biff_data()
    kind, length = struct.unpack_from("<HH", biff, 0)
    assert kind == 0x0809  # BOF
    body = struct.pack("<3H", 1, 1, 1) + os.urandom(48)  # RC4: version 1.1, salt, verifier, hash
    stream = biff[: 4 + length] + struct.pack("<HH", 0x002F, len(body)) + body + biff[4 + length :]
    out = io.BytesIO()
    CompoundDoc.XlsDoc().save(out, stream)
    return out.getvalue()


LAUGHS = '<!ENTITY lol "lollollollollollollollollollol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
    for i in range(1, 10)
)
RAW_HEADER = [
    "任务编号",
    "问题序号",
    "措施序号",
    "整改措施",
    "责任单位",
    "完成状态",
    "整改进展",
    "实际完成日期",
    "佐证材料",
    "存在问题",
]
COL = {name: column_letter(i) for i, name in enumerate(RAW_HEADER)}


def raw_ledger(unit: str, *rows: list, **options) -> bytes:
    return raw_xlsx([[f"{unit} 整改台账（截至2025年3月31日）"], RAW_HEADER, *rows], **options)


def zip_bomb(mb: int = 50) -> bytes:
    """A ledger whose sheet part inflates to `mb` MB of zeros (a comment in the XML)."""
    good = raw_ledger(
        "区卫健局", ["13-2", 13, 2, "登记表", "区卫健局", "已完成", "炸弹", "2025-03-01"]
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(good)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</worksheet>", b"<!--" + b"0" * (mb * 2**20) + b"--></worksheet>"
                )
            archive.writestr(info.filename, data)
    return out.getvalue()


def understate_sizes(data: bytes, member: str, size: int = 10_000) -> bytes:
    """The same zip, lying in its headers about how large `member` is once inflated."""
    out, name = bytearray(data), member.encode()
    for signature, size_at, name_len_at, name_at in (
        (b"PK\x01\x02", 24, 28, 46),
        (b"PK\x03\x04", 22, 26, 30),
    ):
        i = out.find(signature)
        while i >= 0:
            length = struct.unpack_from("<H", out, i + name_len_at)[0]
            if bytes(out[i + name_at : i + name_at + length]) == name:
                struct.pack_into("<I", out, i + size_at, size)
            i = out.find(signature, i + 4)
    return bytes(out)


def template_ledger(
    path: Path, unit: str, rows: list[list], meta_time: str = "2025-03-20 10:00:00"
) -> None:
    """A returned template: title, header in row 2, a hidden _meta sheet; '=' texts kept as text."""
    write_ledger(
        path,
        rows,
        title=f"{unit} 整改台账（截至2025年3月31日）",
        header=RAW_HEADER + ["填报人", "联系电话"],
        meta={"单位": unit, "模板版本": "1", "生成时间": meta_time},
    )


# ---------------------------------------------------------------- the hostile inbox

BROKEN = {  # file → the finding code it must give
    "截断.xlsx": "unreadable-file",
    "不是压缩包.xlsx": "unreadable-file",
    "空文件.xlsx": "unreadable-file",
    "加密.xlsx": "encrypted-file",
    "加密.xls": "encrypted-file",
    "实体炸弹.xlsx": "unreadable-file",
    "实体炸弹_共享字符串.xlsx": "unreadable-file",
    "外部实体.xlsx": "unreadable-file",
    "外部实体_共享字符串.xlsx": "unreadable-file",
    "压缩炸弹.xlsx": "file-too-large",
    "无权限.xlsx": "unreadable-file",
}
LYING_BOMB = (
    "压缩炸弹_谎报大小.xlsx"  # refused either way: by declared size, or when it overflows it
)
GOOD_FILES = {  # file → unit
    "区农业农村局.xlsx": "区农业农村局",
    "区卫健局.xlsx": "区卫健局",
    "区城市管理局_长文本.csv": "区城市管理局",
    "区住建局.xlsx": "区住建局",
    "区发改局.xlsx": "区发改局",
    "区河长办.xlsx": "区河长办",
    "区工信局.xlsx": "区工信局",
    "区自然资源局.xlsx": "区自然资源局",
    "=英俊镇(BOM).csv": "英俊镇",
    "区委党校_GB18030.csv": "区委党校",
    "二道经济开发区.xlsx": "二道经济开发区",
}
MILLION = "二道经济开发区.xlsx"


def build_workspace(ws: Path) -> None:
    from toolkit.write.issue_list import write_issue_list

    inbox = ws / "inbox"
    inbox.mkdir(parents=True)
    write_issue_list(list(TASKS), ws / "issues.xlsx")
    (ws / "toolkit.toml").write_text(
        'as_of = "2025-03-31"\n\n[limits]\nmax_unzipped_mb = 5\n', encoding="utf-8"
    )

    # two good template ledgers, carrying texts that must never become formulas or links
    i = INJECTIONS
    template_ledger(
        inbox / "区农业农村局.xlsx",
        "区农业农村局",
        [
            [
                "5-1",
                5,
                1,
                "",
                "区农业农村局",
                "长期坚持",
                i["equals"],
                "",
                i["plus"],
                i["minus"],
                i["at"],
                i["url"],
            ],
            [
                "5-2",
                5,
                2,
                "",
                "区农业农村局",
                "已完成",
                i["tab"],
                datetime(2024, 8, 15),
                i["cr"],
                "",
                "李四",
                "0431-8888",
            ],
        ],
    )
    template_ledger(
        inbox / "区卫健局.xlsx",
        "区卫健局",
        [
            [
                "13-1",
                13,
                1,
                "",
                "区生态环境分局、区卫健局",
                "推进中",
                i["hyperlink"],
                "",
                "",
                "",
                "王五",
                "",
            ],
            [
                "13-2",
                13,
                2,
                "",
                "区卫健局",
                '=IF(1,"已完成")',
                "已制定登记表",
                "=TODAY()",
                "",
                "",
                "王五",
                "",
            ],
        ],
    )
    # cell problems, each at a known cell (row 3 is the first data row)
    (inbox / "区住建局.xlsx").write_bytes(
        raw_ledger(
            "区住建局",
            [
                "7-1",
                7,
                1,
                "完成老旧管网改造",
                "区住建局",
                "推进中",
                Err("#N/A"),
                Err("#REF!"),
                "",
                "",
            ],
        )
    )
    (inbox / "区发改局.xlsx").write_bytes(
        raw_ledger(
            "区发改局",
            [
                "8-1",
                8,
                1,
                "开展排查",
                "区发改局",
                Formula('IF(1,"已完成")'),
                "排查完毕",
                Formula("TODAY()"),
                "",
                "",
            ],
        )
    )
    (inbox / "区河长办.xlsx").write_bytes(
        raw_ledger(
            "区河长办",
            [
                "9-1",
                9,
                1,
                "清四乱",
                "区河长办",
                "推进中",
                RawXml("开展_x0007_专项_x001B_行动"),
                "",
                "",
                RawXml("无&#1;"),
            ],
        )
    )
    (inbox / "区工信局.xlsx").write_bytes(
        raw_xlsx(
            [
                ["区工信局 整改台账"],
                RAW_HEADER + ["完成状态"],
                [
                    "10-1",
                    10,
                    1,
                    "提标改造",
                    "区工信局",
                    "推进中",
                    "已完成两家",
                    "",
                    "",
                    "",
                    "已完成",
                ],
            ]
        )
    )
    (inbox / "区自然资源局.xlsx").write_bytes(raw_xlsx([["区自然资源局 整改台账"], RAW_HEADER]))
    (inbox / MILLION).write_bytes(
        raw_ledger(
            "二道经济开发区",
            ["15-1", 15, 1, "建设设施", "二道经济开发区", "推进中", "主体完工", "", "", ""],
            dimension="A1:Z1048576",
            tail_xml='<row r="1048576" s="1" customFormat="1"><c r="Z1048576" s="1"/></row>',
        )
    )
    # text over the cell limit: only a CSV can carry it
    (inbox / "区城市管理局_长文本.csv").write_text(
        f"任务编号,完成状态,整改进展\n6-1,推进中,{LONG_TEXT}\n", encoding="utf-8"
    )
    # CSV with a BOM and every kind of line ending; CSV in GB18030
    (inbox / "=英俊镇(BOM).csv").write_bytes(
        b"\xef\xbb\xbf"
        + (
            "任务编号,责任单位,完成状态,整改进展,实际完成日期\r\n"
            '12-1,英俊镇,完成,"清理垃圾\r\n120吨",2024年10月20日\r'
        ).encode()
    )
    (inbox / "区委党校_GB18030.csv").write_bytes(
        "任务编号,完成状态,整改进展\n14-1,正在推进,已纳入2025年春季班课程𠀀\n".encode("gb18030")
    )

    # files that cannot be read at all
    whole = raw_ledger(
        "区卫健局", ["13-2", 13, 2, "登记表", "区卫健局", "已完成", "x", "2025-03-01"]
    )
    (inbox / "截断.xlsx").write_bytes(whole[: len(whole) // 2])
    (inbox / "不是压缩包.xlsx").write_bytes(bytes(range(256)) * 16)
    (inbox / "空文件.xlsx").write_bytes(b"")
    (inbox / "加密.xlsx").write_bytes(encrypted_xlsx())
    (inbox / "加密.xls").write_bytes(encrypted_xls())
    row = ["13-2", 13, 2, "登记表", "区卫健局", "已完成", RawXml("&lol9;"), "2025-03-01"]
    (inbox / "实体炸弹.xlsx").write_bytes(
        raw_ledger(
            "区卫健局",
            [*row[:6], InlineXml("&lol9;")],
            sheet_doctype=f"<!DOCTYPE worksheet [{LAUGHS}]>",
        )
    )
    (inbox / "实体炸弹_共享字符串.xlsx").write_bytes(
        raw_ledger("区卫健局", row, sst_doctype=f"<!DOCTYPE sst [{LAUGHS}]>")
    )
    xxe = '[<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    (inbox / "外部实体.xlsx").write_bytes(
        raw_ledger(
            "区卫健局", [*row[:6], InlineXml("&xxe;")], sheet_doctype=f"<!DOCTYPE worksheet {xxe}"
        )
    )
    (inbox / "外部实体_共享字符串.xlsx").write_bytes(
        raw_ledger("区卫健局", [*row[:6], RawXml("&xxe;")], sst_doctype=f"<!DOCTYPE sst {xxe}")
    )
    bomb = zip_bomb(50)
    assert len(bomb) < 200_000  # ~50 MB of zeros deflates to ~50 KB
    (inbox / "压缩炸弹.xlsx").write_bytes(bomb)
    (inbox / LYING_BOMB).write_bytes(understate_sizes(bomb, "xl/worksheets/sheet1.xml"))
    (inbox / "无权限.xlsx").write_bytes(
        raw_ledger("区卫健局", ["13-2", 13, 2, "登记表", "区卫健局", "已完成", "x", "2025-03-01"])
    )
    (inbox / "无权限.xlsx").chmod(0)


def deny_reading(monkeypatch: pytest.MonkeyPatch, name: str, folder: Path) -> None:
    """Root reads any file whatever its mode: make opening this one fail as it would for a clerk.
    Readers started by spawn are fresh interpreters the monkeypatch does not reach: a
    sitecustomize on their PYTHONPATH puts the same guard in each."""
    import builtins

    real_open = io.open

    def guarded(file, *args, **kwargs):
        if not isinstance(file, int) and os.path.basename(os.fspath(file)) == name:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)
    monkeypatch.setattr(io, "open", guarded)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SPAWNED_GUARD, encoding="utf-8")
    monkeypatch.setenv("TOOLKIT_TEST_DENY_READING", name)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH")) if p)
    )


SPAWNED_GUARD = """
import builtins, errno, io, os

_name = os.environ.get("TOOLKIT_TEST_DENY_READING")
if _name:
    _real_open = io.open

    def _guarded(file, *args, **kwargs):
        if not isinstance(file, int) and os.path.basename(os.fspath(file)) == _name:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return _real_open(file, *args, **kwargs)

    builtins.open = io.open = _guarded
"""


def digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and os.access(p, os.R_OK)
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    ws = tmp_path_factory.mktemp("hostile") / "ws"
    build_workspace(ws)
    before = digest(ws / "inbox")
    with pytest.MonkeyPatch.context() as mp:
        if os.access(ws / "inbox" / "无权限.xlsx", os.R_OK):  # running as root
            deny_reading(mp, "无权限.xlsx", ws.parent / "guard")
        result = CliRunner().invoke(app, ["merge", "-w", str(ws), "--json"])
    if result.exit_code != 0:
        pytest.fail(f"merge failed (exit {result.exit_code}):\n{result.output}")
    data = json.loads(result.stdout)
    output = Path(data["output"])
    return dict(ws=ws, data=data, output=output, wb=openpyxl.load_workbook(output), before=before)


def found(run, code: str, file: str) -> list[dict]:
    return [f for f in run["data"]["findings"] if f["code"] == code and f["file"] == file]


def detail_rows(run) -> dict[tuple[str, str], dict]:
    sheet = run["wb"]["台账明细"]
    header = [c.value for c in sheet[1]]
    rows = {}
    for cells in sheet.iter_rows(min_row=2):
        line = dict(zip(header, cells, strict=False))
        rows[(line["任务编号"].value, line["责任单位"].value)] = line
    return rows


def findings_sheet(run) -> list[dict]:
    sheet = run["wb"]["校验问题"]
    header = [c.value for c in sheet[1]]
    return [
        dict(zip(header, [c.value for c in r], strict=False)) for r in sheet.iter_rows(min_row=2)
    ]


# ---------------------------------------------------------------- the merge goes on


def test_merge_exits_0_and_leaves_the_inbox_alone(hostile):
    assert digest(hostile["ws"] / "inbox") == hostile["before"]


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_file_gives_its_finding(hostile, name):
    code = BROKEN[name]
    got = found(hostile, code, name)
    assert got, (name, [f for f in hostile["data"]["findings"] if f["file"] == name])
    assert got[0]["message"] and got[0]["level"] == "错误"
    assert not found(hostile, "file-read", name)  # nothing was taken from it
    if name == "无权限.xlsx":
        assert "权限" in got[0]["message"]


def test_zip_bomb_that_lies_about_its_size_is_refused(hostile):
    codes = {f["code"] for f in hostile["data"]["findings"] if f["file"] == LYING_BOMB}
    assert codes & {"file-too-large", "unreadable-file"}, codes
    assert not found(hostile, "file-read", LYING_BOMB)


def test_good_ledgers_are_merged(hostile):
    for name, unit in GOOD_FILES.items():
        got = found(hostile, "file-read", name)
        assert got and unit in got[0]["message"], (
            name,
            [f for f in hostile["data"]["findings"] if f["file"] == name],
        )
    rows = detail_rows(hostile)
    expected = {  # (task, unit): (完成状态, 整改进展 or None to skip, 来源文件 starts with)
        ("5-1", "区农业农村局"): ("长期坚持", INJECTIONS["equals"], "区农业农村局.xlsx"),
        ("5-2", "区农业农村局"): ("已完成", None, "区农业农村局.xlsx"),
        ("13-1", "区卫健局"): ("推进中", INJECTIONS["hyperlink"], "区卫健局.xlsx"),
        ("13-2", "区卫健局"): ('=IF(1,"已完成")', "已制定登记表", "区卫健局.xlsx"),
        ("6-1", "区城市管理局"): ("推进中", None, "区城市管理局_长文本.csv"),
        ("7-1", "区住建局"): ("推进中", None, "区住建局.xlsx"),
        ("8-1", "区发改局"): ("未填报", "排查完毕", "区发改局.xlsx"),
        ("9-1", "区河长办"): ("推进中", "开展专项行动", "区河长办.xlsx"),
        ("10-1", "区工信局"): ("推进中", "已完成两家", "区工信局.xlsx"),
        ("12-1", "英俊镇"): ("已完成", "清理垃圾\n120吨", "=英俊镇(BOM).csv"),
        ("14-1", "区委党校"): ("推进中", "已纳入2025年春季班课程𠀀", "区委党校_GB18030.csv"),
        ("15-1", "二道经济开发区"): ("推进中", "主体完工", MILLION),
    }
    for key, (status, progress, source) in expected.items():
        line = rows[key]
        assert line["完成状态"].value == status, key
        if progress is not None:
            assert line["整改进展"].value == progress, key
        assert line["来源文件"].value.startswith(source), key
    assert rows[("12-1", "英俊镇")]["实际完成日期"].value == datetime(2024, 10, 20)
    assert rows[("11-1", "区自然资源局")]["逾期状态"].value == "未报送"


def test_header_with_no_rows_is_read_and_its_tasks_reported_missing(hostile):
    name = "区自然资源局.xlsx"
    assert "读取 0 行" in found(hostile, "file-read", name)[0]["message"]
    missing = found(hostile, "missing-task", name)
    assert [f["value"] for f in missing] == ["11-1"]


@pytest.mark.parametrize(
    "code, file, row, column, value",
    [
        ("cell-error", "区住建局.xlsx", 3, COL["整改进展"], "#N/A"),
        ("cell-error", "区住建局.xlsx", 3, COL["实际完成日期"], "#REF!"),
        ("formula-no-value", "区发改局.xlsx", 3, COL["完成状态"], None),
        ("formula-no-value", "区发改局.xlsx", 3, COL["实际完成日期"], None),
        ("control-chars", "区河长办.xlsx", 3, COL["整改进展"], "开展专项行动"),
        ("control-chars", "区河长办.xlsx", 3, COL["存在问题"], "无"),
        ("duplicate-column", "区工信局.xlsx", 2, "K", "完成状态"),
        ("text-too-long", "区城市管理局_长文本.csv", 2, "C", None),
    ],
)
def test_cell_problems_are_reported_at_their_cell(hostile, code, file, row, column, value):
    sheet = "区城市管理局_长文本" if file.endswith(".csv") else "台账"
    where = [(f["sheet"], f["row"], f["column"], f["value"]) for f in found(hostile, code, file)]
    assert any(
        s == sheet
        and r == row
        and re.match(rf"{column}\b|{column}（", c)
        and (value is None or v == value)
        for s, r, c, v in where
    ), where
    in_sheet = [f for f in findings_sheet(hostile) if f["代码"] == code and f["文件"] == file]
    assert any(
        f["工作表"] == sheet and f["行"] == row and str(f["列"]).startswith(column)
        for f in in_sheet
    )


def test_bad_cells_are_blank_in_the_merged_row(hostile):
    rows = detail_rows(hostile)
    assert rows[("7-1", "区住建局")]["整改进展"].value is None
    assert rows[("7-1", "区住建局")]["实际完成日期"].value is None
    assert rows[("10-1", "区工信局")]["完成状态"].value == "推进中"  # the first of the two columns


def test_long_text_is_cut_in_the_cell_and_kept_whole_beside(hostile):
    cell = detail_rows(hostile)[("6-1", "区城市管理局")]["整改进展"].value
    assert len(cell) <= 32767 and LONG_TEXT.startswith(cell[:1000])
    output = hostile["output"]
    side = output.with_name(output.stem + "_长文本.txt")
    assert side.exists(), sorted(p.name for p in output.parent.iterdir())
    assert LONG_TEXT in side.read_text(encoding="utf-8")
    finding = [f for f in findings_sheet(hostile) if f["代码"] == "text-too-long"]
    assert finding and "_长文本.txt" in finding[0]["说明"]


def test_nothing_from_etc_passwd_and_no_expanded_entity_anywhere(hostile):
    outbox = hostile["ws"] / "outbox"
    with zipfile.ZipFile(hostile["output"]) as archive:
        blobs = [archive.read(name) for name in archive.namelist()]
    blobs += [p.read_bytes() for p in outbox.iterdir() if p.suffix == ".txt"]
    blobs.append(json.dumps(hostile["data"], ensure_ascii=False).encode())
    for blob in blobs:
        assert b"root:" not in blob
        assert b"lollollol" not in blob


def test_every_inbox_file_is_accounted_for(hostile):
    named = {f["file"] for f in hostile["data"]["findings"]}
    inbox = hostile["ws"] / "inbox"
    assert {p.name for p in inbox.iterdir()} <= named


def test_million_row_used_range_gives_only_its_real_rows(hostile):
    # how long it takes is bench/bench.py's `usedrange` scale, not a test's business
    path = hostile["ws"] / "inbox" / MILLION
    ledger = read_ledger(path, MILLION, Settings(), UnitBook(["二道经济开发区"], {}))
    assert ledger.ok and [r.row for r in ledger.rows] == [3]
    assert not [f for f in ledger.findings if f.code == "file-too-large"]


def test_bombs_finish_in_bounded_memory(hostile, tmp_path):
    """The same inbox merged by `python -m toolkit` in a child process: its peak memory."""
    probe = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run([sys.executable, '-m', 'toolkit', 'merge', '--json', '-w', sys.argv[1]],"
        " capture_output=True)\n"
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.stdout.flush(); sys.stdout.buffer.write(r.stdout)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(hostile["ws"])],
        capture_output=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    first, _, rest = done.stdout.partition(b"\n")
    code, peak_kb = first.split()
    assert int(code) == 0, done.stderr.decode(errors="replace")
    assert int(peak_kb) < 600 * 1024, f"peak RSS {int(peak_kb) // 1024} MB"
    data = json.loads(rest)
    for name, expected in BROKEN.items():
        if name != "无权限.xlsx":  # readable outside the monkeypatched run when running as root
            assert any(f["code"] == expected and f["file"] == name for f in data["findings"]), name
    with zipfile.ZipFile(data["output"]) as archive:
        assert all(b"root:" not in archive.read(n) for n in archive.namelist())


# ---------------------------------------------------------------- safe output


def test_unit_texts_stay_text_never_formulas_or_links(hostile):
    wb = hostile["wb"]
    rows = detail_rows(hostile)
    cells = [
        rows[("5-1", "区农业农村局")][name]
        for name in ("整改进展", "佐证材料", "存在问题", "填报人", "联系电话")
    ]
    cells += [rows[("5-2", "区农业农村局")][name] for name in ("整改进展", "佐证材料")]
    cells += [
        rows[("13-1", "区卫健局")]["整改进展"],
        rows[("13-2", "区卫健局")]["完成状态"],
        rows[("13-2", "区卫健局")]["实际完成日期"],
        rows[("12-1", "英俊镇")]["来源文件"],
    ]
    sent = list(INJECTIONS.values()) + ['=IF(1,"已完成")', "=TODAY()"]
    for cell in cells:
        assert cell.data_type == "s", (cell.coordinate, cell.value)
        assert any(cell.value in (text, text.strip()) for text in sent) or cell.value.startswith(
            "=英俊镇"
        ), cell.value
    assert {c.value for c in cells} >= {"=1+1", "+1+2", "-3+4", "@SUM(A1:A3)", "http://example.com"}
    summary_files = [
        c.value for c in wb["汇总"]["J"] if isinstance(c.value, str) and c.value.startswith("=")
    ]
    assert summary_files == ["=英俊镇(BOM).csv"]
    assert all(c.data_type == "s" for c in wb["汇总"]["J"] if c.value)
    findings = [
        c
        for row in wb["校验问题"].iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value[:1] in "=+-@"
    ]
    assert findings and all(c.data_type == "s" for c in findings)
    for sheet in wb.worksheets:
        assert not any(cell.hyperlink for row in sheet.iter_rows() for cell in row), sheet.title
    with zipfile.ZipFile(hostile["output"]) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name)
                assert not re.search(rb"<(\w+:)?f[ >/]", xml), name
                assert b"<hyperlink" not in xml, name
            assert "hyperlink" not in name.lower()


def test_control_characters_never_reach_the_output(hostile):
    with zipfile.ZipFile(hostile["output"]) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8", "replace")
            assert not XML_FORBIDDEN.search(text), name
            assert "_x0007_" not in text and "_x001B_" not in text, name


# ---------------------------------------------------------------- output that cannot be written


def earlier_outbox(ws: Path) -> dict[str, str]:
    """A first, successful merge and a note of the clerk's: the files a failed run must not touch."""
    assert CliRunner().invoke(app, ["merge", "-w", str(ws)]).exit_code == 0
    (ws / "outbox" / "给领导的说明.txt").write_text("上次的汇总，已发送", encoding="utf-8")
    return digest(ws / "outbox")


def one_line_message(result) -> str:
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message, message
    assert re.search(r"[\u4e00-\u9fff]", message), message
    return message


def test_outbox_that_is_a_file_exits_2_with_one_line(small_ws):
    (small_ws / "outbox").write_text("一个文件占了 outbox 的名字", encoding="utf-8")
    result = CliRunner().invoke(app, ["merge", "-w", str(small_ws), "--json"])
    assert result.exit_code == 2
    message = one_line_message(result)
    assert "无法创建输出目录" in message and "outbox" in message
    assert result.stdout == ""
    assert (small_ws / "outbox").read_text(encoding="utf-8") == "一个文件占了 outbox 的名字"


@pytest.mark.parametrize(
    "err, words", [(errno.EACCES, "可写"), (errno.EROFS, "可写"), (errno.ENOSPC, "磁盘空间不足")]
)
def test_outbox_not_writable_leaves_earlier_files_and_no_temp(small_ws, monkeypatch, err, words):
    before = earlier_outbox(small_ws)

    def refuse(*args, **kwargs):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(
        os, "link", refuse
    )  # the rename into place fails: read-only folder, full disk
    monkeypatch.setattr(os, "rename", refuse)
    monkeypatch.setattr(os, "replace", refuse)
    result = CliRunner().invoke(app, ["merge", "-w", str(small_ws)])
    assert result.exit_code == 2
    assert words in one_line_message(result)
    assert (
        digest(small_ws / "outbox") == before
    )  # nothing new, nothing half-written, nothing changed


def test_disk_full_while_writing_leaves_earlier_files_and_no_temp(small_ws, monkeypatch):
    import xlsxwriter

    before = earlier_outbox(small_ws)

    def close(self):
        Path(self.filename).write_bytes(
            b"PK\x03\x04 half a workbook"
        )  # what a full disk leaves behind
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xlsxwriter.Workbook, "close", close)
    result = CliRunner().invoke(app, ["merge", "-w", str(small_ws)])
    assert result.exit_code == 2
    assert "磁盘空间不足" in one_line_message(result)
    assert digest(small_ws / "outbox") == before


def test_workbook_is_written_under_a_temporary_name_then_renamed(small_ws, monkeypatch):
    import xlsxwriter

    seen: list[tuple[str, list[str]]] = []
    real_close = xlsxwriter.Workbook.close

    def close(self):
        seen.append((self.filename, sorted(p.name for p in (small_ws / "outbox").iterdir())))
        return real_close(self)

    monkeypatch.setattr(xlsxwriter.Workbook, "close", close)
    result = CliRunner().invoke(app, ["merge", "-w", str(small_ws), "--json"])
    assert result.exit_code == 0, result.output
    output = Path(json.loads(result.stdout)["output"])
    ((temp, listing),) = seen
    assert Path(temp).parent == output.parent and Path(temp).name != output.name
    assert output.name not in listing  # the final name appears only once the workbook is whole
    assert not Path(temp).exists()
    assert sorted(p.name for p in output.parent.iterdir()) == [output.name]


# ---------------------------------------------------------------- known bugs (strict xfails)


def _stray_cell_workspace(tmp_path: Path, ref: str) -> Settings:
    ws = tmp_path / "ws"
    (ws / "inbox").mkdir(parents=True)
    (ws / "inbox" / "区卫健局.xlsx").write_bytes(
        raw_ledger(
            "区卫健局",
            ["13-2", 13, 2, "登记表", "区卫健局", "已完成", "已制定", "2025-03-01"],
            tail_xml=f'<row r="1048576"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>',
        )
    )
    return Settings(workspace=ws)


@pytest.mark.parametrize("ref", ["A1048576", "XFD1048576"])
def test_one_stray_cell_in_the_last_row_gives_only_the_real_rows(tmp_path, ref):
    # a reader that walked the used range cell by cell would hit the per-file time limit and lose the file
    import faulthandler

    from toolkit.read.inbox import read_inbox

    settings = _stray_cell_workspace(tmp_path, ref)
    enabled = faulthandler.is_enabled()
    faulthandler.disable()  # a reader that aborts in its worker would dump pytest's stack on the terminal
    try:
        (ledger,) = read_inbox(settings, UnitBook(["区卫健局"], {}))
    finally:
        if enabled:
            faulthandler.enable(file=sys.__stderr__)
    assert ledger.ok and [r.row for r in ledger.rows] == [3], ledger.findings
    assert not [f for f in ledger.findings if f.level == "错误"], ledger.findings
    far = [f for f in ledger.findings if f.code == "far-cell"]
    assert len(far) == 1 and far[0].row == 1048576 and far[0].value == "x"  # reported, not lost


def test_csv_cell_over_the_csv_module_limit_is_read_whole(tmp_path):
    long_text = '召开会议，研究部署"整改"。' * 12000  # 168,000 characters
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(["任务编号", "完成状态", "整改进展", "存在问题"])
    writer.writerow(["6-1", "推进中", long_text, "无"])
    writer.writerow(["6-1", "已完成", "多行\n文字, 有逗号", "无"])
    path = tmp_path / "区城市管理局.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    ledger = read_ledger(path, path.name, Settings(), UnitBook(["区城市管理局"], {}))
    assert [r.row for r in ledger.rows] == [2, 3]
    assert ledger.rows[0].values["整改进展"] == long_text
    assert ledger.rows[1].values["整改进展"] == "多行\n文字, 有逗号"
    assert ledger.rows[1].values["存在问题"] == "无"


def csv_writer(buffer: io.StringIO):
    import csv

    return csv.writer(buffer, lineterminator="\r\n")


def test_disk_full_while_writing_the_long_text_file_leaves_no_new_files(small_ws, monkeypatch):
    import builtins

    (small_ws / "inbox" / "区卫健局.xlsx").unlink()
    (small_ws / "inbox" / "区卫健局.csv").write_text(
        f"任务编号,完成状态,整改进展\n13-1,推进中,{LONG_TEXT}\n13-2,已完成,已制定登记表\n",
        encoding="utf-8",
    )
    before = earlier_outbox(small_ws)

    class Full:
        """A file on a disk that fills up after the first kilobyte."""

        def __init__(self, real):
            self.real = real

        def write(self, data):
            self.real.write(data[:1000])
            self.real.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.real, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.real.close()

    real_open = io.open

    def full_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        if (
            not isinstance(file, int)
            and "长文本" in os.fspath(file)
            and ("w" in mode or "a" in mode)
        ):
            return Full(handle)
        return handle

    monkeypatch.setattr(builtins, "open", full_open)
    monkeypatch.setattr(io, "open", full_open)
    result = CliRunner().invoke(app, ["merge", "-w", str(small_ws)])
    if result.exit_code == 2:
        assert "磁盘空间不足" in one_line_message(result)
        assert (
            digest(small_ws / "outbox") == before
        )  # the message says nothing was written: then nothing is
    else:
        assert result.exit_code == 0, result.output
        sides = [p for p in (small_ws / "outbox").glob("*_长文本.txt") if p.name not in before]
        assert sides and LONG_TEXT in sides[0].read_text(encoding="utf-8")
