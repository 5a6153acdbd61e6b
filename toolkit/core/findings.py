"""Findings: every data problem is a value with a stable code, never an exception."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from toolkit.core.words import ERROR, INFO, LEVELS, WARNING

# code -> (level, what it means). The codes are stable: scripts and clerks rely on them.
CODES: dict[str, tuple[str, str]] = {
    "unreadable-file": (ERROR, "文件无法读取（损坏、截断、不是表格文件或格式不受支持）"),
    "encrypted-file": (ERROR, "文件设置了打开密码，无法读取"),
    "skipped-file": (INFO, "不是台账文件类型，已跳过"),
    "file-too-large": (ERROR, "文件或其中的工作表解压后超过设置的上限，拒绝读取"),
    "no-header": (ERROR, "文件中找不到台账表头（任务编号/问题序号/整改措施等列）"),
    "file-read": (INFO, "已读取的文件：行数与识别出的责任单位"),
    "unknown-unit": (ERROR, "无法判断是哪个责任单位报送的，或单位不在问题清单中"),
    "unknown-task": (ERROR, "该行对应不到问题清单中的任务"),
    "matched-by-text": (WARNING, "该行按整改措施文字匹配到任务（近似，或任务编号与文字不符），请核对"),
    "stale-template": (WARNING, "台账按旧版问题清单生成（_meta 中的问题清单指纹不同），已逐行核对措施文字"),
    "wrong-unit": (ERROR, "该任务的责任单位中没有报送单位"),
    "bad-status": (ERROR, "完成状态不是规定的词语"),
    "no-status": (WARNING, "完成状态未填写，按“未填报”处理"),
    "bad-date": (ERROR, "日期无法识别"),
    "yearless-date": (WARNING, "日期没有写年份，已按上下文补全年份"),
    "future-date": (WARNING, "实际完成日期晚于统计截止日期"),
    "done-without-date": (WARNING, "标为已完成但没有填写实际完成日期"),
    "date-without-done": (WARNING, "填写了实际完成日期，但完成状态不是已完成"),
    "locked-field-changed": (WARNING, "预填的锁定列被改动，已按问题清单的内容汇总"),
    "missing-task": (WARNING, "单位报送的台账中缺少应填报的任务"),
    "duplicate-row": (WARNING, "同一文件中同一任务出现多行，只采用第一行"),
    "duplicate-column": (WARNING, "表头中同一列名出现多次，只采用第一列"),
    "superseded": (INFO, "同一单位同一任务有更新的报送，本行已被替代"),
    "no-return": (WARNING, "责任单位没有报送台账"),
    "cell-error": (WARNING, "单元格是错误值（如 #REF!、#N/A），按空白处理"),
    "formula-no-value": (WARNING, "单元格是公式但没有计算结果（文件未经 Excel 保存），按空白处理"),
    "text-too-long": (WARNING, "文字超过 Excel 单元格 32767 字的上限，单元格中已截断，全文见校验问题"),
    "control-chars": (WARNING, "文字中有不可见的控制字符，已删除"),
    "far-cell": (WARNING, "远离表格的单元格（如第 1048576 行、XFD 列）有内容，未汇总；内容见“值”"),
}


@dataclass
class Finding:
    """One problem found in the data, located down to the cell where possible."""

    code: str
    message: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    level: str = ""

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}")
        if not self.level:
            self.level = CODES[self.code][0]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    """All findings of one run, in the order they were found."""

    findings: list[Finding] = field(default_factory=list)

    def add(self, code: str, message: str, **where: Any) -> Finding:
        finding = Finding(code, message, **where)
        self.findings.append(finding)
        return finding

    def extend(self, findings: list[Finding]) -> None:
        self.findings.extend(findings)

    def count(self, level: str) -> int:
        return sum(1 for f in self.findings if f.level == level)

    @property
    def has_errors(self) -> bool:
        return any(f.level == ERROR for f in self.findings)

    def by_code(self) -> Counter[str]:
        return Counter(f.code for f in self.findings)

    def sorted(self) -> list[Finding]:
        order = {level: i for i, level in enumerate(LEVELS)}
        return sorted(
            self.findings,
            key=lambda f: (order[f.level], f.file, f.sheet, f.row or 0, f.column),
        )
