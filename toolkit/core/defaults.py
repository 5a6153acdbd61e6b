"""The defaults of toolkit.toml: data a clerk may extend (status and header synonyms, colours, paths,
limits), keyed by the vocabulary of core.words, and the commented file `toolkit init` writes."""

from __future__ import annotations

from typing import Any

from toolkit.core.words import (
    ADJUST_BASIS,
    ADJUSTED_DEADLINE,
    CLOSE_BASIS,
    CLOSED,
    CLOSED_DATE,
    DEADLINE,
    DESCRIPTION,
    DONE,
    DONE_DATE,
    DONE_LATE,
    DUE_SOON,
    EVIDENCE,
    EXTENSION_REQUEST,
    FILL_DATE,
    FILLER,
    ISSUE_NO,
    ISSUE_TITLE,
    MEASURE,
    MEASURE_NO,
    NO_DEADLINE,
    NOT_RETURNED,
    ON_TRACK,
    OVERDUE,
    PHONE,
    PROBLEMS,
    PROGRESS,
    REQUESTED_TO,
    STATUS,
    STATUS_DONE,
    STATUS_LONG_TERM,
    STATUS_NOT_STARTED,
    STATUS_ONGOING,
    TARGET,
    TASK_ID,
    UNIT,
)

DUE_SOON_DAYS = 7  # a deadline this many days ahead is 临期


MATCH_THRESHOLD = 0.6  # similarity a measure text needs to be matched to a task


DEFAULT_STATUS_SYNONYMS: dict[str, list[str]] = {
    STATUS_DONE: ["完成", "已整改", "整改完成", "已办结", "已落实", "办结", "已完成整改"],
    STATUS_ONGOING: ["正在推进", "进行中", "整改中", "持续推进", "基本完成", "部分完成", "推进"],
    STATUS_NOT_STARTED: ["未开始", "未开展", "尚未启动"],
    STATUS_LONG_TERM: ["长期", "常态化", "持续开展", "长期推进"],
    EXTENSION_REQUEST: ["延期", "申请延长", "申请延长时限", "申请延期整改"],
}


# Phrases of the progress text (整改进展) that state the status when the status cell is blank
# (DESIGN §5). The first status, in this order, with a phrase found wins: "已完成方案制定，正在推进实施"
# is 推进中, never a done claim the unit did not make.
DEFAULT_STATUS_HINTS: dict[str, list[str]] = {
    STATUS_ONGOING: [
        "正在",
        "推进中",
        "持续推进",
        "整改中",
        "进行中",
        "有序推进",
        "基本完成",
        "部分完成",
    ],
    STATUS_NOT_STARTED: ["未启动", "尚未开始", "尚未启动", "未开始", "尚未开展", "未开展"],
    STATUS_DONE: [
        "已完成",
        "已整改",
        "完成整改",
        "已办结",
        "已落实",
        "整改完毕",
        "已全部完成",
        "整改到位",
    ],
    STATUS_LONG_TERM: ["长期坚持", "常态化"],
}


# Words that, before a phrase in the same clause, unsay it: 未完成整改, 尚未全面完成整改,
# 确保年底前完成整改.
DEFAULT_STATUS_BLOCKERS = [
    "未",
    "没",
    "不",
    "无",
    "非",
    "确保",
    "力争",
    "争取",
    "计划",
    "预计",
    "将",
    "拟",
    "待",
]


# Ledger fields, in the order of the consolidated 台账明细 sheet, with the column names units use.
DEFAULT_HEADERS: dict[str, list[str]] = {
    TASK_ID: ["任务号", "任务序号", "编号", "任务ID"],
    ISSUE_NO: ["序号", "问题编号", "反馈问题序号", "问题号"],
    ISSUE_TITLE: ["问题", "反馈问题", "问题名称", "督察反馈问题", "问题简述"],
    MEASURE_NO: ["措施编号", "子序号", "措施号"],
    MEASURE: ["措施", "整改任务", "具体措施", "整改措施内容", "工作措施"],
    UNIT: ["牵头单位", "责任部门", "承办单位", "主责单位", "责任单位（牵头）"],
    DEADLINE: ["整改时限", "时限", "完成期限", "计划完成时间", "时限要求", "整改期限"],
    STATUS: ["状态", "整改状态", "是否完成", "进度状态"],
    PROGRESS: ["进展情况", "完成情况", "整改完成情况", "工作进展", "推进情况", "整改情况", "进展"],
    DONE_DATE: ["完成时间", "完成日期", "实际完成时间", "整改完成时间", "办结时间"],
    REQUESTED_TO: ["延期至", "申请延期时限", "申请延期日期", "申请延长至", "延期时限"],
    EVIDENCE: ["佐证", "证明材料", "附件", "佐证资料", "支撑材料"],
    PROBLEMS: ["存在的问题", "困难问题", "存在困难", "问题及困难", "困难和问题"],
    FILLER: ["联系人", "经办人", "填表人"],
    PHONE: ["电话", "手机", "联系方式", "手机号码"],
    FILL_DATE: ["报送日期", "填表日期", "填报时间"],
    TARGET: ["目标"],
    DESCRIPTION: ["问题内容", "问题详情"],
    ADJUSTED_DEADLINE: ["调整时限", "延期后时限", "延期后完成时限", "调整后完成时限"],
    ADJUST_BASIS: ["延期依据", "调整理由"],
    CLOSED_DATE: ["销号时间"],
    CLOSE_BASIS: ["验收意见", "销号意见"],
}


# `toolkit issues import`: the headers an upper office's table uses for each role (core.words.LAYOUT_ROLES).
# A header is read by exact word first, then by the longest word it contains. Extended by [import.headers].
DEFAULT_IMPORT_HEADERS: dict[str, list[str]] = {
    "序号": ["序号", "编号", "问题序号", "问题编号"],
    "问题": [
        "问题",
        "反馈问题",
        "存在问题",
        "问题描述",
        "整改任务",
        "主要问题",
        "具体问题",
        "问题内容",
        "问题表现",
        "督察反馈问题",
        "巡察反馈问题",
        "巡视反馈问题",
        "审计发现问题",
        "审计查出问题",
        "隐患内容",
        "隐患主要内容",
        "隐患描述",
        "隐患名称",
        "检查发现问题",
    ],
    "整改目标": ["整改目标", "目标", "整改标准", "目标要求"],
    "整改措施": [
        "整改措施",
        "具体措施",
        "整改举措",
        "措施",
        "整改要求",
        "整改内容",
        "工作措施",
        "主要措施",
        "整改方案",
    ],
    "责任单位": [
        "责任单位",
        "牵头单位",
        "配合单位",
        "责任部门",
        "牵头部门",
        "配合部门",
        "整改责任单位",
        "主责单位",
        "协办单位",
        "承办单位",
        "整改实施主体",
        "属地责任部门",
        "属地单位",
        "责任科室",
        "责任股室",
        "整改单位",
    ],
    "责任领导": [
        "责任领导",
        "责任人",
        "分管领导",
        "牵头领导",
        "包保领导",
        "整改责任人",
        "具体责任人",
    ],
    "完成时限": [
        "整改时限",
        "完成时限",
        "时限",
        "完成时间",
        "整改期限",
        "完成期限",
        "时间节点",
        "整改时间",
    ],
    "整改完成情况": [
        "整改完成情况",
        "完成情况",
        "整改情况",
        "整改进展",
        "进展情况",
        "整改结果",
        "整改落实情况",
    ],
}


# a 责任单位 header with one of these words names the units that assist (配合), not the lead (牵头)
SUPPORT_HEADER_WORDS = ("配合", "协办", "属地")


DEFAULT_COLORS: dict[str, dict[str, str]] = {
    OVERDUE: {"fill": "FFC7CE", "font": "9C0006"},
    DUE_SOON: {"fill": "FFEB9C", "font": "9C5700"},
    ON_TRACK: {"fill": "", "font": ""},
    DONE: {"fill": "C6EFCE", "font": "006100"},
    DONE_LATE: {"fill": "FCE4D6", "font": "833C0B"},
    NO_DEADLINE: {"fill": "", "font": ""},
    NOT_RETURNED: {"fill": "D9D9D9", "font": "595959"},
    CLOSED: {"fill": "A9D08E", "font": "375623"},
}


DEFAULT_PATHS = {
    "issues": "issues.xlsx",
    "template": "templates/ledger.xlsx",
    "inbox": "inbox",
    "outbox": "outbox",
    "archive": "archive",
}


# `toolkit report`: how the report to the upper level looks ([report] in toolkit.toml)
DEFAULT_REPORT: dict[str, Any] = {
    "office": "",  # this office's name, put before the title (e.g. "某某区"): the upper level reads it as the unit
    "title": "",  # the title line; blank: the issue list's source title, else 整改任务完成情况
    "mark_color": "C00000",  # colour of an overdue or unreported measure's status; "" for none
    "mark_bold": True,  # that status in bold
    "note": True,  # a 备注 paragraph listing overdue measures and silent units
    "body_font": "仿宋_GB2312",
    "title_font": "黑体",
    "table_font": "宋体",
}


DEFAULT_LIMITS = {
    "max_file_mb": 100,  # a returned file larger than this is refused
    "max_unzipped_mb": 500,  # a workbook inflating past this is refused (zip bombs)
    "max_rows": 1_000_000,  # rows read per sheet
    "header_scan_rows": 30,  # how far down the header row is looked for
    "memory_mb": 4096,  # memory one file may use while being read
    "file_timeout_s": 120,  # seconds one file may take to read
    "workers": 2,  # files read at once
}


def _toml_list(words: list[str]) -> str:
    return "[" + ", ".join(f'"{w}"' for w in words) + "]"


def default_toml() -> str:
    """The commented toolkit.toml that `toolkit init` writes: every setting at its default."""
    lines = [
        "# toolkit.toml —— 整改台账工具的设置。每一项都有默认值；删掉或注释掉的项按默认值处理。",
        "",
        "# 统计截止日期（逾期按这一天计算）。不写则用命令行 --as-of，再不写用今天。",
        '# as_of = "2025-03-31"',
        "",
        "# 完成时限在多少天之内算“临期”。",
        f"due_soon_days = {DUE_SOON_DAYS}",
        "",
        "# 按整改措施文字近似匹配任务时的相似度下限（0 到 1）。",
        f"match_threshold = {MATCH_THRESHOLD}",
        "",
        "[paths]",
    ]
    lines += [f'{key} = "{value}"' for key, value in DEFAULT_PATHS.items()]
    lines += [
        "",
        "[units]",
        "# 问题清单之外还认识的单位名称（通常不用填，单位从问题清单的责任单位列得到）。",
        "names = []",
        "",
        "[units.aliases]",
        "# 简称 = 全称。单位名称带不带开头的“区”“市”都能对上，不必写在这里。",
        '# "区城管局" = "区城市管理局"',
        '# "区环保局" = "区生态环境分局"',
        "",
        "[status]",
        "# 整改进展中，同一分句里写在判断词前面就使其不算数的词语（如“未完成整改”“确保年底前完成整改”），在默认词表之外追加。",
        f"# 默认：{_toml_list(DEFAULT_STATUS_BLOCKERS)}",
        "blockers = []",
        "",
        "[status.synonyms]",
        "# 完成状态的同义词（在默认词表之外追加）。",
    ]
    lines += [f'"{name}" = {_toml_list(words)}' for name, words in DEFAULT_STATUS_SYNONYMS.items()]
    lines += [
        "",
        "[status.hints]",
        "# 完成状态未填时，从整改进展中判断状态的词语（在默认词表之外追加）。排在前面的状态优先：“已完成方案制定，正在推进实施”判为推进中。",
    ]
    lines += [f'"{name}" = {_toml_list(words)}' for name, words in DEFAULT_STATUS_HINTS.items()]
    lines += ["", "[headers]", "# 各列可接受的列名（在默认词表之外追加）。"]
    lines += [f'"{name}" = {_toml_list(words)}' for name, words in DEFAULT_HEADERS.items()]
    lines += [
        "",
        "[import.headers]",
        "# toolkit issues import：上级表格各列可接受的列名（在默认词表之外追加）。",
    ]
    lines += [f'"{name}" = {_toml_list(words)}' for name, words in DEFAULT_IMPORT_HEADERS.items()]
    lines += ["", "[colors]", "# 各逾期状态的底色和字色（六位十六进制）；留空表示不上色。"]
    lines += [
        f'"{state}" = {{ fill = "{spec["fill"]}", font = "{spec["font"]}" }}'
        for state, spec in DEFAULT_COLORS.items()
    ]
    lines += ["", "[limits]", "# 读取上限：超过的文件会被拒绝并在“校验问题”中说明。"]
    lines += [f"{key} = {value}" for key, value in DEFAULT_LIMITS.items()]
    lines += [
        "",
        "[report]",
        "# toolkit report：报上级的整改情况报告。逾期或未报送的措施，状态按 mark_color 上色、mark_bold 加粗；",
        "# note = true 时表后加“备注”，列出逾期措施和未报送单位。office 写本单位名称（如“某某区整改办”），放在标题前，",
        "# 上级据此识别报送单位。",
    ]
    lines += [
        f"{key} = {str(value).lower() if isinstance(value, bool) else chr(34) + value + chr(34)}"
        for key, value in DEFAULT_REPORT.items()
    ]
    lines += [
        "",
        "[mail]",
        "# 发送邮件（toolkit mail / toolkit remind 加 --send）用的邮件服务器。不加 --send 只在 outbox/邮件/ 生成草稿，不需要这一段。",
        '# host = "smtp.example.gov.cn"',
        '# security = "ssl"                      # "ssl"（端口 465）、"starttls"（端口 587）或 "none"（端口 25）',
        "# port = 465                            # 不写则按 security 取默认端口",
        '# user = "zgb@example.gov.cn"           # 登录账号；不需要登录的服务器不写',
        '# from = "整改办 <zgb@example.gov.cn>"',
        '# password_env = "TOOLKIT_SMTP_PASSWORD"  # 密码只从这个环境变量读取，不要写在本文件里',
        "# timeout = 30                          # 秒",
    ]
    return "\n".join(lines) + "\n"
