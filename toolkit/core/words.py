"""The one vocabulary: status words, overdue states, levels, sheet and column names a clerk sees.

Every Chinese word the program reads or writes as a *name* (not as prose) lives here once; code
imports the constant instead of re-typing the word. Data a clerk may change (status synonyms, header
synonyms, colours) stays in core.defaults as defaults of toolkit.toml.
"""

from __future__ import annotations

# the life of a task (DESIGN §8): a unit asks for time, the office approves it, a verified task is closed
EXTENSION_REQUEST = "申请延期"  # 完成状态 a unit chooses to ask for more time
CLOSED = "已销号"  # 逾期状态 of a task closed after verification

# 完成状态: the words a unit may choose in its ledger (the drop-down list), and the one for "left blank".
STATUS_DONE, STATUS_ONGOING, STATUS_NOT_STARTED, STATUS_LONG_TERM = (
    "已完成",
    "推进中",
    "未启动",
    "长期坚持",
)
STATUSES = (STATUS_DONE, STATUS_ONGOING, STATUS_NOT_STARTED, STATUS_LONG_TERM, EXTENSION_REQUEST)
NOT_FILLED = "未填报"

# 逾期状态: where a (task, unit) stands against its deadline on the as-of date.
OVERDUE, DUE_SOON, ON_TRACK, DONE, DONE_LATE, NO_DEADLINE, NOT_RETURNED = (
    "逾期",
    "临期",
    "正常",
    "已完成",
    "逾期完成",
    "长期",
    "未报送",
)
STATES = (OVERDUE, DUE_SOON, ON_TRACK, DONE, DONE_LATE, NO_DEADLINE, NOT_RETURNED, CLOSED)

# 报送状态 of a unit in the 汇总 sheet (NOT_RETURNED above when nothing came back).
RETURNED, UNREADABLE = "已报送", "文件无法读取"

# Finding levels, most serious first.
ERROR, WARNING, INFO = "错误", "警告", "提示"
LEVELS = (ERROR, WARNING, INFO)

# Sheet names.
SHEET_SUMMARY = "汇总"
SHEET_DETAIL = "台账明细"
SHEET_FINDINGS = "校验问题"  # in the consolidated workbook and in each feedback copy
SHEET_NOT_RETURNED = NOT_RETURNED
SHEET_CHANGES = "变化"
SHEET_ISSUES = "问题清单"  # issues.xlsx
SHEET_LEDGER = "台账"  # a ledger template
SHEET_META = "_meta"  # hidden sheet of a ledger template
SHEET_CONTACTS = "单位通讯录"  # in issues.xlsx
# issues.xlsx: the hidden sheet keeping the upper office's table layout (core.model.issue_list.SourceLayout).
# Rows: 项目 | 内容 | 角色 — "标题" | title; "文件" | source file name; "列" | header as written | role.
LAYOUT_SHEET = "_来源格式"

# Ledger fields: the canonical column names of a ledger, of 问题清单 and of 台账明细.
TASK_ID = "任务编号"
ISSUE_NO = "问题序号"
ISSUE_TITLE = "问题标题"
MEASURE_NO = "措施序号"
MEASURE = "整改措施"
UNIT = "责任单位"
DEADLINE = "完成时限"
STATUS = "完成状态"
PROGRESS = "整改进展"
DONE_DATE = "实际完成日期"
EVIDENCE = "佐证材料"
PROBLEMS = "存在问题"
FILLER = "填报人"
PHONE = "联系电话"
FILL_DATE = "填报日期"
TARGET = "整改目标"
DESCRIPTION = "问题描述"
REQUESTED_TO = "申请延期至"  # ledger column: the date a unit asks for with 申请延期
ADJUSTED_DEADLINE = "调整后时限"  # issues.xlsx columns written by `toolkit extend`
ADJUST_BASIS = "调整依据"
CLOSED_DATE = "销号日期"  # issues.xlsx columns written by `toolkit close`
CLOSE_BASIS = "销号依据"

# A ledger's columns: seven pre-filled (locked) ones, then what the unit fills in.
LEDGER_COLUMNS = (
    TASK_ID,
    ISSUE_NO,
    ISSUE_TITLE,
    MEASURE_NO,
    MEASURE,
    UNIT,
    DEADLINE,
    STATUS,
    PROGRESS,
    DONE_DATE,
    REQUESTED_TO,
    EVIDENCE,
    PROBLEMS,
    FILLER,
    PHONE,
)
# 问题清单 (issues.xlsx) columns, and the ones that must be there.
ISSUE_COLUMNS = (
    TASK_ID,
    ISSUE_NO,
    ISSUE_TITLE,
    MEASURE_NO,
    MEASURE,
    UNIT,
    DEADLINE,
    TARGET,
    DESCRIPTION,
)
ISSUE_REQUIRED = (ISSUE_NO, ISSUE_TITLE, MEASURE_NO, MEASURE, UNIT)
# written by toolkit extend / toolkit close, added to issues.xlsx when first needed (DESIGN §3)
ISSUE_LIFE_COLUMNS = (ADJUSTED_DEADLINE, ADJUST_BASIS, CLOSED_DATE, CLOSE_BASIS)

# 台账明细 columns beyond the ledger's own.
STATE = "逾期状态"
DAYS_OVERDUE = "逾期天数"
SOURCE_FILE = "来源文件"
DETAIL_COLUMNS = (
    TASK_ID,
    ISSUE_NO,
    ISSUE_TITLE,
    MEASURE_NO,
    MEASURE,
    UNIT,
    DEADLINE,
    ADJUSTED_DEADLINE,
    STATUS,
    STATE,
    DAYS_OVERDUE,
    PROGRESS,
    DONE_DATE,
    EVIDENCE,
    PROBLEMS,
    FILLER,
    PHONE,
    SOURCE_FILE,
)

# 校验问题 columns (the feedback copy uses LEVEL, SHEET, ROW, COLUMN with its own last three).
LEVEL = "级别"
CODE = "代码"
FILE = "文件"
SHEET = "工作表"
ROW = "行"
COLUMN = "列"
VALUE = "值"
NOTE = "说明"
FINDING_COLUMNS = (LEVEL, CODE, FILE, SHEET, ROW, COLUMN, VALUE, NOTE)
FEEDBACK_COLUMNS = (LEVEL, SHEET, ROW, COLUMN, "内容", "问题说明", "怎么改")

# 汇总: one row per unit; and the counts of a run.
TASK_COUNT = "任务数"
DONE_RATE = "完成率"
RETURN_STATE = "报送状态"
RETURN_FILES = "报送文件"
UNIT_COLUMNS = (
    UNIT,
    TASK_COUNT,
    STATUS_DONE,
    STATUS_ONGOING,
    STATUS_NOT_STARTED,
    OVERDUE,
    DUE_SOON,
    DONE_RATE,
    RETURN_STATE,
    RETURN_FILES,
)
FILE_COUNT = "文件数"
FILES_READ = "已读取"

# 未报送 sheet columns.
OVERDUE_COUNT = "其中逾期"
SILENT_COLUMNS = (UNIT, TASK_COUNT, OVERDUE_COUNT, NOTE)

# 变化 sheet columns.
CHANGE_KIND = "变化类型"
BEFORE = "上次"
AFTER = "本次"
CHANGE_COLUMNS = (CHANGE_KIND, TASK_ID, UNIT, BEFORE, AFTER, NOTE)

# _meta sheet keys of a ledger template.
META_UNIT = "单位"
META_VERSION = "模板版本"
META_FINGERPRINT = "问题清单指纹"
META_CREATED = "生成时间"
META_AS_OF = "截至日期"
META_KEYS = (META_UNIT, META_VERSION, META_FINGERPRINT, META_CREATED, META_AS_OF)
META_HEADER = ("项目", "值")

# The roles a column of an upper office's table can play (DESIGN §7); ROLE_OTHER keeps a column as is.
ROLE_NO, ROLE_PROBLEM, ROLE_LEADER, ROLE_PROGRESS, ROLE_OTHER = (
    "序号",
    "问题",
    "责任领导",
    "整改完成情况",
    "其他",
)
# issues.xlsx's optional column, written when an imported table named a 责任领导 for some measure
ISSUE_LEADER = ROLE_LEADER
LAYOUT_ROLES = (
    ROLE_NO,
    ROLE_PROBLEM,
    TARGET,
    MEASURE,
    UNIT,
    ROLE_LEADER,
    DEADLINE,
    ROLE_PROGRESS,
    ROLE_OTHER,
)

# 延期申请 sheet: what units asked for this round
SHEET_EXTENSIONS = "延期申请"
EXTENSION_COLUMNS = (TASK_ID, UNIT, "原完成时限", REQUESTED_TO, "理由", SOURCE_FILE)
# kinds of change on the 变化 sheet for decisions about a task
EXTENDED = "延期"
CLOSED_CHANGE = "销号"

# a problem as a whole: 已完成 when every measure is done or closed for every unit, 逾期 when any is overdue
PROBLEM_DONE, PROBLEM_OVERDUE, PROBLEM_ONGOING = "已完成", "逾期", "推进中"
PROBLEM_COLUMNS = (ISSUE_NO, ISSUE_TITLE, "措施数", STATUS_DONE, OVERDUE, "问题状态")


def problem_headline(problems: int, done: int, overdue: int) -> str:
    """The one line the workbook, the terminal and the mail all say."""
    return f"共 {problems} 个问题，已完成 {done} 个，逾期 {overdue} 个"
