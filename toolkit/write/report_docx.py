"""The report as a Word document (python-docx): A4 landscape, title in 黑体, body in 仿宋, the table in
宋体, its header row repeated on every page, page numbers in the footer (— 1 —, GB/T 9704)."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement  # its home since python-docx 1.0
from docx.shared import Mm, Pt, RGBColor

from toolkit.core.words import (
    DEADLINE,
    MEASURE,
    ROLE_LEADER,
    ROLE_NO,
    ROLE_OTHER,
    ROLE_PROBLEM,
    ROLE_PROGRESS,
    TARGET,
    UNIT,
)
from toolkit.write.report import Paragraph, ReportTable, Run

# column widths by role, as shares of the table width (a column of role 其他 gets a middle share)
WEIGHTS = {
    ROLE_NO: 6,
    ROLE_PROBLEM: 24,
    TARGET: 16,
    MEASURE: 30,
    ROLE_PROGRESS: 34,
    UNIT: 11,
    ROLE_LEADER: 8,
    DEADLINE: 9,
    ROLE_OTHER: 10,
}
PAGE = (Mm(297), Mm(210))
# GB/T 9704 gives 37/35 mm top/bottom for portrait pages; on a landscape table page that leaves too
# little height, so the top and bottom are narrower and the sides keep 9704's 28/26 mm
MARGINS = {"top": Mm(25), "bottom": Mm(22), "left": Mm(28), "right": Mm(26)}


def _font(run, name: str, size: float, bold: bool = False, color: str = "") -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold or None
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    if color:
        run.font.color.rgb = RGBColor.from_string(color)


def _spacing(paragraph, before: float = 0, after: float = 0, line: float | None = None) -> None:
    fmt = paragraph.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if line is not None:
        fmt.line_spacing = Pt(line)


def _page_number_footer(section, font: str) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run("— "), font, 14)
    run = paragraph.add_run()
    _font(run, font, 14)
    for kind, text in (
        ("begin", None),
        (None, " PAGE "),
        ("separate", None),
        (None, "1"),
        ("end", None),
    ):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "1":
            element = OxmlElement("w:t")
            element.text = text
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._element.append(element)
    _font(paragraph.add_run(" —"), font, 14)


def _repeat_header(row) -> None:
    props = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    props.append(flag)


def _table_style(
    document, name: str, font: str, size: float, bold: bool = False, center: bool = False
):
    """A paragraph style for table text: fonts and spacing set once, not on every run (fast)."""
    from docx.enum.style import WD_STYLE_TYPE

    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.font.name, style.font.size, style.font.bold = font, Pt(size), bold or None
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    fmt = style.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(0), Pt(size * 1.35)
    if center:
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return style


def _fill_cell(cell, paragraphs: list[Paragraph], style, report: ReportTable) -> None:
    color = report.style.get("mark_color") or ""
    mark_bold = bool(report.style.get("mark_bold", True))
    first = True
    for runs in paragraphs or [[]]:
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        paragraph._p.style = style.style_id  # by id: python-docx looks a style object up slowly
        first = False
        for piece in runs:
            if not piece.text:
                continue
            run = paragraph.add_run(piece.text)
            if piece.marked:
                run.font.bold = mark_bold or None
                if color:
                    run.font.color.rgb = RGBColor.from_string(color)


def write_report_docx(report: ReportTable, path: Path) -> None:
    style = report.style
    body_font = style.get("body_font") or "仿宋_GB2312"
    title_font = style.get("title_font") or "黑体"
    document = Document()
    _page_setup(document, body_font)
    title = document.paragraphs[0] if document.paragraphs else document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(title, after=4, line=30)
    _font(title.add_run(report.title), title_font, 18)
    dated = document.add_paragraph()
    dated.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(dated, after=8)
    _font(dated.add_run(report.date_line), body_font, 14)
    _table(document, report)
    if report.notes:
        head = document.add_paragraph()
        _spacing(head, before=10, line=26)
        _font(head.add_run("备注："), title_font, 14)
        for note in report.notes:
            paragraph = document.add_paragraph()
            _spacing(paragraph, line=26)
            paragraph.paragraph_format.first_line_indent = Pt(28)
            _font(paragraph.add_run(note), body_font, 14)
    signed = document.add_paragraph()
    signed.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _spacing(signed, before=18, line=26)
    if report.office:
        _font(signed.add_run(report.office), body_font, 16)
        signed.add_run().add_break()
    _font(signed.add_run(report.signature), body_font, 16)
    document.core_properties.title = report.title
    document.save(str(path))


def _page_setup(document, body_font: str) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = PAGE
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.footer_distance = Mm(12)
    normal = document.styles["Normal"]
    normal.font.name = body_font
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), body_font)
    _page_number_footer(section, "宋体")


def _table(document, report: ReportTable) -> None:
    width = PAGE[0] - MARGINS["left"] - MARGINS["right"]
    weights = [WEIGHTS.get(role, WEIGHTS[ROLE_OTHER]) for role in report.roles]
    widths = [int(width * w / sum(weights)) for w in weights]
    table = document.add_table(rows=1, cols=len(report.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, w in zip(table.columns, widths, strict=True):
        column.width = w
    table_font = report.style.get("table_font") or "宋体"
    head_style = _table_style(
        document, "报告表头", report.style.get("title_font") or "黑体", 12, bold=True, center=True
    )
    text_style = _table_style(document, "报告表格", table_font, 10.5)
    number_style = _table_style(document, "报告表格序号", table_font, 10.5, center=True)
    header = table.rows[0]
    _repeat_header(header)
    for cell, text, w in zip(header.cells, report.headers, widths, strict=True):
        cell.width = w
        _fill_cell(cell, [[Run(text)]], head_style, report)
    for row in report.rows:
        cells = table.add_row().cells
        for cell, paragraphs, role, w in zip(cells, row.cells, report.roles, widths, strict=True):
            cell.width = w
            _fill_cell(cell, paragraphs, number_style if role == ROLE_NO else text_style, report)
