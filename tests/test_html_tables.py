"""“Web page .xls”: HTML tables saved with an Excel name, read as a browser would show them."""

from __future__ import annotations

import pytest

from toolkit.core.errors import ReadError
from toolkit.read.html_tables import read_html_tables
from toolkit.read.sheets import read_grids

HEADER = ["问题序号", "措施序号", "整改措施", "完成状态"]


def test_cells_without_end_tags_keep_every_value():
    # HTML lets </td>, </th> and </tr> out; every value must still land in its own cell
    page = (
        "<html><body><table>"
        "<tr><th>问题序号<th>措施序号<th>整改措施<th>完成状态"
        "<tr><td>1<td>1<td>成立领导小组<td>已完成"
        "<tr><td>1<td>2<td>印发方案<br>组织培训<td>推进中"
        "</table></body></html>"
    )
    [grid] = read_html_tables(page.encode("utf-8"), "台账")
    assert grid.rows == [
        HEADER,
        ["1", "1", "成立领导小组", "已完成"],
        ["1", "2", "印发方案\n组织培训", "推进中"],
    ]


def test_a_table_nested_in_a_cell_is_a_table_of_its_own():
    page = (
        "<table>"
        "<tr><th>问题序号</th><th>措施序号</th><th>整改措施</th><th>完成状态</th></tr>"
        "<tr><td>1</td><td>1</td><td>成立领导小组"
        "<table><tr><td>附：成员名单</td><td>张三</td></tr><tr><td>李四</td></tr></table>"
        "</td><td>已完成</td></tr>"
        "<tr><td>1</td><td>2</td><td>印发方案</td><td>推进中</td></tr>"
        "</table>"
    )
    outer, inner = read_html_tables(page.encode("utf-8"), "台账")
    assert outer.name == "台账"
    assert outer.rows == [
        HEADER,
        ["1", "1", "成立领导小组", "已完成"],
        ["1", "2", "印发方案", "推进中"],
    ]
    assert inner.name == "台账_2"
    assert inner.rows == [["附：成员名单", "张三"], ["李四"]]


def test_spans_repeat_across_and_carry_down():
    page = (
        "<table><tr><th>问题序号</th><th>措施序号</th><th colspan=2>整改措施</th></tr>"
        "<tr><td rowspan=2>3</td><td>1</td><td>甲</td><td>乙</td></tr>"
        "<tr><td>2</td><td>丙</td><td>丁</td></tr></table>"
    )
    [grid] = read_html_tables(page.encode("utf-8"), "台账")
    assert grid.rows == [
        ["问题序号", "措施序号", "整改措施", "整改措施"],
        ["3", "1", "甲", "乙"],
        ["3", "2", "丙", "丁"],
    ]


PROGRESS = "已完成整改，臺賬歸檔"  # traditional characters so Big5 can hold them too


@pytest.mark.parametrize("charset", ["big5", "gbk", "gb2312", "utf-8"])
@pytest.mark.parametrize(
    "meta",
    ['<meta charset="{}">', '<meta http-equiv="Content-Type" content="text/html; charset={}">'],
)
def test_the_declared_charset_is_honoured(charset, meta):
    text = PROGRESS if charset != "gb2312" else "已完成整改，台账归档"  # GB2312 has simplified only
    page = (
        f"<html><head>{meta.format(charset)}</head><body><table>"
        f"<tr><td>已完成</td><td>{text}</td></tr>"
        "</table></body></html>"
    )
    [grid] = read_html_tables(page.encode(charset), "台账")
    assert grid.rows == [["已完成", text]]


def test_a_wrong_declaration_falls_back_to_a_guess():
    page = '<meta charset="utf-8"><table><tr><td>整改进展</td></tr><tr><td>已完成整改</td></tr></table>'
    [grid] = read_html_tables(page.encode("gbk"), "台账")
    assert grid.rows == [["整改进展"], ["已完成整改"]]


def test_an_undeclared_gbk_page_is_guessed():
    page = "<table><tr><td>整改进展</td></tr><tr><td>已完成整改</td></tr></table>"
    [grid] = read_html_tables(page.encode("gbk"), "台账")
    assert grid.rows == [["整改进展"], ["已完成整改"]]


def test_a_web_page_named_xls_is_read_as_html(tmp_path):
    path = tmp_path / "区卫健局.xls"
    path.write_bytes("<meta charset=big5><table><tr><td>整改進展</td></tr></table>".encode("big5"))
    [grid] = read_grids(path)
    assert grid.rows == [["整改進展"]]


@pytest.mark.parametrize(
    "page", [b"<html><body><p>no table here</p></body></html>", b"<table></table>"]
)
def test_a_page_without_table_rows_is_unreadable(page):
    with pytest.raises(ReadError, match="没有表格"):
        read_html_tables(page, "台账")


def test_deep_nesting_does_not_crash():
    page = "<table><tr><td>" + "<b>" * 5000 + "深" + "</b>" * 5000 + "</td></tr></table>"
    grids = read_html_tables(page.encode("utf-8"), "台账")
    assert grids[0].rows[0][0] in ("深", "")
