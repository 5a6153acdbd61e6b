"""core.words."""

from __future__ import annotations

OVERDUE, DUE_SOON, ON_TRACK, DONE, DONE_LATE, NO_DEADLINE, NOT_RETURNED = (
    "逾期", "临期", "正常", "已完成", "逾期完成", "长期", "未报送")
