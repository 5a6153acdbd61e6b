"""The catalogue of finding codes: per code, its level, its meaning (the README's code table), the
message template(s) with named placeholders and the fix-it hint a unit reads in its feedback copy
(as frictionless-py's errors carry type, title, template and description).

A code may have more than one message (a file is unreadable for many reasons): each named variant
is a second template. A new code goes here, in README's code table (a docs test keeps the two in
sync) and in a test. core.findings makes findings from it: `finding(code, variant, **values)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from toolkit.core.words import (
    DEADLINE,
    DONE_DATE,
    ERROR,
    INFO,
    STATUS_DONE,
    STATUSES,
    UNIT,
    WARNING,
)


@dataclass(frozen=True)
class Code:
    """One finding code: how serious, what it means, what to say, and what the unit should do."""

    level: str
    title: str  # what the code means, as the README's code table says it
    template: str  # the message, with {named} placeholders
    fix: str  # 怎么改: the hint beside the finding in a unit's feedback copy
    variants: Mapping[str, str] = field(
        default_factory=dict
    )  # other messages of the same code, by name


_SAVE_AS = "请用 Excel 打开后另存为 .xlsx 再报送"
_CORRUPT_ZIP = "文件已损坏或不完整（不是有效的 Excel 压缩包），请重新保存后报送"
_PASSWORD = "文件设置了打开密码，请去掉密码后重新报送"
_NOT_MERGED = "（{tasks} 项任务，其中已过完成时限 {overdue} 项）"

# The codes are stable: scripts and clerks rely on them.
CATALOGUE: dict[str, Code] = {
    "unreadable-file": Code(
        ERROR,
        "文件无法读取（损坏、截断、不是表格文件或格式不受支持）",
        "文件无法读取：{reason}",
        "用 Excel 打开后另存为 .xlsx，再重新报送",
        {
            "worker-failed": "文件无法读取：{reason}；" + _SAVE_AS,
            "reader-crashed": "读取时出错（{error}），该文件未汇总；请用 Excel 另存为 .xlsx 后重新报送",
            "cannot-open": "文件无法打开：{reason}",
            "no-permission": "没有读取该文件的权限，请检查文件属性后重试",
            "empty-file": "文件是空的（0 字节），请重新报送",
            "not-a-table": "文件内容不是表格（扩展名 {suffix} 与内容不符或文件已损坏），请用 Excel 另存为 .xlsx 后重新报送",
            "corrupt-zip": _CORRUPT_ZIP,
            "cannot-unzip": "文件无法解压：{reason}",
            "workbook-failed": "文件无法读取（{reason}），" + _SAVE_AS,
            "xls-failed": "文件无法读取（{reason}）",
            "bad-csv": "CSV 文件格式有误（第 {line} 行：{reason}），" + _SAVE_AS,
            "bad-html": "网页格式的表格无法解析：{reason}",
            "no-table": "文件中没有表格",
            "bad-zip": "压缩包无法打开：{reason}",
            "zip-member": "压缩包中的文件无法解压：{reason}",
            "unsupported-type": "不支持的文件类型 {suffix}",
            "no-libreoffice": "{suffix} 文件需要 LibreOffice 才能读取：请安装 LibreOffice，或在 WPS/Word 中另存为 .{target} 后重新放入",
            "convert-failed": "LibreOffice 转换 {name} 失败：{error}",
            "convert-broken": "LibreOffice 无法转换 {name}：文件可能已损坏，请在 WPS/Word 中另存为 .{target} 后重新放入",
            "bad-docx": "Word 文件已损坏或不完整，请重新保存为 .docx 后报送",
            "not-docx": "不是有效的 Word 文件（.docx）",
        },
    ),
    "encrypted-file": Code(
        ERROR,
        "文件设置了打开密码，无法读取",
        _PASSWORD,
        "去掉文件的打开密码后重新报送",
        {
            "encrypted-zip": "文件已加密，请去掉密码后重新报送",
            "zip-member": "压缩包中的文件无法解压：{reason}",
        },
    ),
    "skipped-file": Code(
        INFO,
        "不是台账文件类型，已跳过",
        "不是台账文件（{suffix}），已跳过；台账请用 .xlsx .xls .csv .ods 或 .zip 报送",
        "台账请用 .xlsx、.xls、.csv 文件或装有它们的 .zip 报送",
        {
            "zip-member": "压缩包中的 {name} 不是台账文件，已跳过",
            "word-no-ledger": "Word 文件中没有台账表格（任务编号/问题序号/整改措施 等列，或 序号｜问题｜整改措施｜整改完成情况），"
            "已跳过；如果是台账，请按下发的台账模板填写后报送",
        },
    ),
    "link-outside-inbox": Code(
        WARNING,
        "收件目录中的链接（快捷方式）指向收件目录之外，出于安全没有读取、没有留档",
        "这是指向收件目录之外的链接（快捷方式），出于安全没有读取，也没有留档；请把台账文件本身放进收件目录",
        "请把台账文件本身（不是快捷方式或链接）放进收件目录",
    ),
    "not-a-file": Code(
        WARNING,
        "收件目录中的命名管道、设备文件、套接字等不是普通文件，没有读取",
        "这不是普通文件（{kind}），没有读取；请把台账文件本身放进收件目录",
        "请把台账文件本身放进收件目录",
    ),
    "unsafe-zip-name": Code(
        WARNING,
        "压缩包中的文件名不安全（含 .. 或绝对路径），没有读取",
        "压缩包中的 {name} 名称不安全（含 .. 或绝对路径），没有读取；请把台账直接放在压缩包里重新打包",
        "请把台账直接放在压缩包里（不带 .. 或盘符路径）重新打包",
    ),
    "folder-too-deep": Code(
        ERROR,
        "收件目录中的文件夹嵌套过深，其中的文件未汇总",
        "文件夹嵌套超过 {limit} 层，其中的文件未汇总；请把台账放在收件目录中较浅的文件夹里",
        "请把台账放在收件目录中较浅的文件夹里",
    ),
    "unreadable-folder": Code(
        ERROR,
        "收件目录中的文件夹无法打开（权限），其中的文件未汇总",
        "文件夹无法打开（{reason}），其中的文件未汇总；请检查该文件夹的权限",
        "请检查该文件夹的权限，使本程序可以打开它",
    ),
    "file-too-large": Code(
        ERROR,
        "文件或其中的工作表解压后超过设置的上限，拒绝读取",
        "文件有 {size_mb} MB，超过 {limit_mb} MB 的上限，未读取",
        "删除多余的行、图片和工作表后重新报送",
        {
            "too-many-rows": "工作表超过 {max_rows} 行，只读取了前 {max_rows} 行",
            "zip-bomb": "文件解压后超过 {limit_mb} MB 的上限（可能是压缩炸弹），已拒绝读取",
        },
    ),
    "no-header": Code(
        ERROR,
        "文件中找不到台账表头（任务编号/问题序号/整改措施等列）",
        "没有找到台账表头（应有 任务编号/问题序号/整改措施 等列）；工作表：{sheets}",
        "使用下发的台账填报，不要删改表头（任务编号、问题序号、整改措施等列）",
        {
            "word-no-table": "Word 文件 {name} 中没有表格；台账请以表格形式填写",
        },
    ),
    "file-read": Code(
        INFO,
        "已读取的文件：行数与识别出的责任单位",
        "读取 {rows} 行，报送单位：{unit}（依据{how}）",
        "无需处理",
        {
            "dated": "读取 {rows} 行，报送单位：{unit}（依据{how}），填报日期 {reported}",
        },
    ),
    "unknown-unit": Code(
        ERROR,
        "无法判断是哪个责任单位报送的，或单位不在问题清单中",
        "无法判断是哪个单位报送的：请使用下发的台账模板，或在文件名中写明单位名称（只有一个责任单位的任务仍按该单位汇总）",
        "使用下发给本单位的台账填报，并在标题或文件名中写明本单位名称",
        {
            "several-units": "无法判断报送单位，任务 {task} 有多个责任单位，未汇总",
            "issue-without-unit": "任务 {task} 没有填写责任单位，不会被汇总，请在问题清单中补上",
            "import-without-unit": f"任务 {{task}} 的整改措施中没有写明责任单位，请在问题清单的“{UNIT}”列中补填",
            "import-unit-in-completion": "任务 {task} 的整改措施中没有写明责任单位（整改完成情况中提到：{mentioned}），"
            f"请在问题清单的“{UNIT}”列中补填",
            "import-table-without-unit": f"任务 {{task}} 在表格中没有写明{UNIT}，请在问题清单的“{UNIT}”列中补填",
        },
    ),
    "unknown-task": Code(
        ERROR,
        "该行对应不到问题清单中的任务",
        "这一行对应不到问题清单中的任务（任务编号、问题序号+措施序号、措施文字都对不上），未汇总",
        "核对任务编号或问题序号、措施序号，与下发的台账一致",
    ),
    "matched-by-text": Code(
        WARNING,
        "该行按整改措施文字匹配到任务（近似，或任务编号与文字不符），请核对",
        "按整改措施文字近似匹配为任务 {task}，请核对",
        "填写任务编号，或核对问题序号、措施序号",
        {
            "renumbered": "任务编号 {written} 的整改措施与问题清单中任务 {task} 的措施完全一致，按 {task} 汇总"
            "（问题清单可能已重新编号），请核对",
        },
    ),
    "stale-template": Code(
        WARNING,
        "台账按旧版问题清单生成（_meta 中的问题清单指纹不同），已逐行核对措施文字",
        "这份台账是按旧版问题清单生成的（问题清单指纹不同）：已逐行核对整改措施文字，"
        "请核对结果，并用 toolkit template 重新下发新台账",
        "问题清单已更新：请使用整改办重新下发的台账填报",
    ),
    "wrong-unit": Code(
        ERROR,
        "该任务的责任单位中没有报送单位",
        "任务 {task} 的责任单位是 {units}，不含报送单位 {unit}，未汇总",
        "该任务不属于本单位，请删除此行或联系整改办",
    ),
    "bad-status": Code(
        ERROR,
        "完成状态不是规定的词语",
        "完成状态“{value}”不认识，应为：" + "、".join(STATUSES),
        "从下拉列表选择：" + "、".join(STATUSES),
    ),
    "no-status": Code(
        WARNING,
        "完成状态未填写，按“未填报”处理",
        "任务 {task} 没有填写完成状态",
        "从下拉列表选择完成状态：" + "、".join(STATUSES),
    ),
    "status-from-text": Code(
        INFO,
        "完成状态未填写，已按整改进展中的文字判断状态，请核对",
        "完成状态未填写，按整改进展中的“{phrase}”判断为“{status}”，请核对",
        "核对按整改进展判断的状态；以后请在完成状态列选择：" + "、".join(STATUSES),
    ),
    "date-without-status": Code(
        WARNING,
        "填写了实际完成日期，但完成状态未填写、整改进展中也看不出，按“未填报”处理",
        f"任务 {{task}} 填写了{DONE_DATE} {{date}}，但没有填写完成状态，整改进展中也看不出是否已完成；按“未填报”处理",
        f"已完成的把完成状态填为“{STATUS_DONE}”；未完成的删除实际完成日期",
    ),
    "filed-by-other": Code(
        INFO,
        "该行的责任单位是另一单位，已按该单位的报送汇总（该单位自己报送的优先）",
        "这一行的责任单位是 {unit}，按 {unit} 对任务 {task} 的报送汇总（由 {sender} 的文件报来）；{unit} 自己报送的同一任务优先",
        "无需处理：该行已按责任单位列写的单位汇总；如单位写错了，请改正责任单位列",
    ),
    "order-by-file-time": Code(
        WARNING,
        "同一单位的两份报送无法按填报日期或生成时间区分先后，按文件修改时间采用了较新的一份",
        "{unit} 的 {winner} 与 {loser} 都没有可比的填报日期或生成时间，按文件修改时间采用了 {winner}，"
        "{loser} 中的同一任务未采用；如次序不对，请让该单位在台账中填写填报日期后重新报送",
        "在台账上方的“填报日期”格填写报送日期，再报送更正的台账",
        {
            "same-time": "{unit} 的 {winner} 与 {loser} 都没有可比的填报日期或生成时间，文件修改时间也相同，"
            "按收件箱中的顺序采用了 {winner}，{loser} 中的同一任务未采用；如次序不对，请让该单位在台账中填写填报日期后重新报送",
        },
    ),
    "bad-date": Code(
        ERROR,
        "日期无法识别",
        "{field}“{value}”无法识别，应写成 2024-06-30 这样的日期",
        "填写日期，如 2024-06-30",
        {
            "issue-list-deadline": f"任务 {{task}} {DEADLINE}“{{value}}”无法识别，按没有时限处理；请改为日期（如 "
            "2024-06-30、2024年6月底前）、“立行立改”或“长期坚持”",
        },
    ),
    "yearless-date": Code(
        WARNING,
        "日期没有写年份，已按上下文补全年份",
        "{field}没有年份，按 {date} 处理",
        "写上年份，如 2024-06-30",
        {
            "import-guessed": f"任务 {{task}} 的{DEADLINE}“{{value}}”没有写年份，已按 {{date}} 处理，请核对",
            "issue-list": f"任务 {{task}} {DEADLINE}没有年份，按 {{date}} 处理",
            "import-unknown": f"任务 {{task}} 的{DEADLINE}“{{value}}”没有写年份，上下文中也找不到年份，"
            f"{DEADLINE}留空，请补填",
        },
    ),
    "future-date": Code(
        WARNING,
        "实际完成日期晚于统计截止日期",
        f"{DONE_DATE} {{date}} 晚于统计截止日期 {{as_of}}",
        "核对实际完成日期，不能晚于统计截止日期",
    ),
    "done-without-date": Code(
        WARNING,
        "标为已完成但没有填写实际完成日期",
        f"任务 {{task}} 标为{STATUS_DONE}，但没有填写{DONE_DATE}",
        "填写实际完成日期",
    ),
    "date-without-done": Code(
        WARNING,
        "填写了实际完成日期，但完成状态不是已完成",
        f"填写了{DONE_DATE}，但完成状态是“{{value}}”",
        f"已完成的把完成状态改为“{STATUS_DONE}”；未完成的删除实际完成日期",
    ),
    "locked-field-changed": Code(
        WARNING,
        "预填的锁定列被改动，已按问题清单的内容汇总",
        "“{field}”与问题清单不一致（问题清单为“{was}”），汇总时按问题清单（任务 {task}）处理",
        "前 7 列（任务编号至完成时限）是整改办预填的内容，请恢复为说明中给出的问题清单原文",
    ),
    "missing-task": Code(
        WARNING,
        "单位报送的台账中缺少应填报的任务",
        "{unit} 报送的台账中没有任务 {task}（{measure}…）",
        "补填该任务的一行",
    ),
    "duplicate-row": Code(
        WARNING,
        "同一文件中同一任务出现多行，只采用第一行",
        "任务 {task} 在本文件第 {first_row} 行已出现，本行未采用",
        "同一任务只保留一行，删除重复的行",
    ),
    "duplicate-column": Code(
        WARNING,
        "表头中同一列名出现多次，只采用第一列",
        "列名“{value}”出现了不止一次，只采用第一列",
        "删除重复的列，每个列名只保留一列",
    ),
    "superseded": Code(
        INFO,
        "同一单位同一任务有更新的报送，本行已被替代",
        "{unit} 对任务 {task} 的报送已被更新的 {newer} 替代",
        "无需处理，以最新报送的为准",
        {
            "own-return": "{unit} 对任务 {task} 的报送：{unit} 自己报送的 {newer} 优先",
        },
    ),
    "no-return": Code(
        WARNING,
        "责任单位没有报送台账",
        "{unit} 没有报送台账" + _NOT_MERGED,
        "请按时报送台账",
        {
            "unreadable": "{unit} 报送的 {files} 无法读取，请联系该单位重新报送" + _NOT_MERGED,
        },
    ),
    "cell-error": Code(
        WARNING,
        "单元格是错误值（如 #REF!、#N/A），按空白处理",
        "单元格是错误值 {value}，按空白处理；请改正公式或直接填写内容",
        "把错误值改为实际内容，不要使用公式",
    ),
    "formula-no-value": Code(
        WARNING,
        "单元格是公式但没有计算结果（文件未经 Excel 保存），按空白处理",
        "单元格是公式但没有计算结果，按空白处理；请在 Excel 中打开、保存后再报送，或直接填写内容",
        "直接填写内容，不要使用公式；或用 Excel 打开后保存一次再报送",
    ),
    "text-too-long": Code(
        WARNING,
        "文字超过 Excel 单元格 32767 字的上限，单元格中已截断，全文见校验问题",
        "“{field}”有 {length} 字，超过 Excel 单元格 {limit} 字的上限；"
        "汇总台账中已截断，全文另存在 outbox 中与汇总台账同名的“_长文本.txt”文件里",
        "精简文字，详细材料作为附件另行报送",
    ),
    "control-chars": Code(
        WARNING,
        "文字中有不可见的控制字符，已删除",
        "删除了不可见的控制字符",
        "无需处理，已自动删除；请核对文字是否完整",
    ),
    "extension-requested": Code(
        INFO,
        "单位申请延期（完成状态“申请延期”），见“延期申请”工作表，用 toolkit extend 批准",
        "任务 {task} 申请延期至 {to}{now}",
        "无需处理，整改办审核后会通知调整后的完成时限",
    ),
    "bad-extension": Code(
        WARNING,
        "申请延期没有填写申请延期至日期，或日期不晚于现完成时限，或填了日期但没有申请延期",
        "任务 {task} 申请延期，但没有填写申请延期至日期",
        "申请延期的请在“申请延期至”填写晚于现完成时限的日期，并在整改进展或存在问题中写明理由",
        {
            "not-later": "申请延期至 {to} 不晚于现完成时限 {due}，请填写更晚的日期",
            "no-request": "填写了申请延期至 {to}，但完成状态是“{status}”；申请延期请把完成状态改为“{request}”",
        },
    ),
    "far-cell": Code(
        WARNING,
        "远离表格的单元格（如第 1048576 行、XFD 列）有内容，未汇总；内容见“值”",
        "第 {row} 行 {column} 列远离表格，其中的内容未汇总；如是误填请删除，如是台账内容请移到表格内",
        "删除远离表格的误填内容；如果是台账内容，请移到表格中对应的行",
    ),
}


# code -> (level, what it means): the catalogue as the README's code table shows it.
CODES: dict[str, tuple[str, str]] = {
    code: (entry.level, entry.title) for code, entry in CATALOGUE.items()
}
