"""The one vocabulary: status words, overdue states, levels, sheet and column names a clerk sees."""

from __future__ import annotations

OVERDUE, DUE_SOON, ON_TRACK, DONE, DONE_LATE, NO_DEADLINE, NOT_RETURNED = (
    "逾期", "临期", "正常", "已完成", "逾期完成", "长期", "未报送")


# issues.xlsx: the hidden sheet keeping the upper office's table layout (core.model.SourceLayout).
# Rows: 项目 | 内容 | 角色 — "标题" | title; "文件" | source file name; "列" | header as written | role.
LAYOUT_SHEET = "_来源格式"
