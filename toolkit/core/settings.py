"""Settings: named defaults, overridden by the workspace's toolkit.toml, overridden by flags."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from email.utils import parseaddr
from pathlib import Path
from types import MappingProxyType
from typing import Any

from toolkit.core.errors import SettingsError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


SETTINGS_FILE = "toolkit.toml"
ADDRESS = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+\.[A-Za-z0-9-]{2,}$")


STATUSES = ["已完成", "推进中", "未启动", "长期坚持"]


NOT_FILLED = "未填报"


DEFAULT_STATUS_SYNONYMS: dict[str, list[str]] = {
    "已完成": ["完成", "已整改", "整改完成", "已办结", "已落实", "办结", "已完成整改"],
    "推进中": ["正在推进", "进行中", "整改中", "持续推进", "基本完成", "部分完成", "推进"],
    "未启动": ["未开始", "未开展", "尚未启动"],
    "长期坚持": ["长期", "常态化", "持续开展", "长期推进"],
}


# Ledger fields, in the order of the consolidated 台账明细 sheet, with the column names units use.
DEFAULT_HEADERS: dict[str, list[str]] = {
    "任务编号": ["任务号", "任务序号", "编号", "任务ID"],
    "问题序号": ["序号", "问题编号", "反馈问题序号", "问题号"],
    "问题标题": ["问题", "反馈问题", "问题名称", "督察反馈问题", "问题简述"],
    "措施序号": ["措施编号", "子序号", "措施号"],
    "整改措施": ["措施", "整改任务", "具体措施", "整改措施内容", "工作措施"],
    "责任单位": ["牵头单位", "责任部门", "承办单位", "主责单位", "责任单位（牵头）"],
    "完成时限": ["整改时限", "时限", "完成期限", "计划完成时间", "时限要求", "整改期限"],
    "完成状态": ["状态", "整改状态", "是否完成", "进度状态"],
    "整改进展": ["进展情况", "完成情况", "整改完成情况", "工作进展", "推进情况", "整改情况", "进展"],
    "实际完成日期": ["完成时间", "完成日期", "实际完成时间", "整改完成时间", "办结时间"],
    "佐证材料": ["佐证", "证明材料", "附件", "佐证资料", "支撑材料"],
    "存在问题": ["存在的问题", "困难问题", "存在困难", "问题及困难", "困难和问题"],
    "填报人": ["联系人", "经办人", "填表人"],
    "联系电话": ["电话", "手机", "联系方式", "手机号码"],
    "填报日期": ["报送日期", "填表日期", "填报时间"],
    "整改目标": ["目标"],
    "问题描述": ["问题内容", "问题详情"],
}


# `toolkit issues import`: the headers an upper office's table uses for each role (core.model.LAYOUT_ROLES).
# A header is read by exact word first, then by the longest word it contains. Extended by [import.headers].
DEFAULT_IMPORT_HEADERS: dict[str, list[str]] = {
    "序号": ["序号", "编号", "问题序号", "问题编号"],
    "问题": ["问题", "反馈问题", "存在问题", "问题描述", "整改任务", "主要问题", "具体问题", "问题内容", "问题表现",
           "督察反馈问题", "巡察反馈问题", "巡视反馈问题", "审计发现问题", "审计查出问题", "隐患内容", "隐患主要内容",
           "隐患描述", "隐患名称", "检查发现问题"],
    "整改目标": ["整改目标", "目标", "整改标准", "目标要求"],
    "整改措施": ["整改措施", "具体措施", "整改举措", "措施", "整改要求", "整改内容", "工作措施", "主要措施", "整改方案"],
    "责任单位": ["责任单位", "牵头单位", "配合单位", "责任部门", "牵头部门", "配合部门", "整改责任单位", "主责单位",
             "协办单位", "承办单位", "整改实施主体", "属地责任部门", "属地单位", "责任科室", "责任股室", "整改单位"],
    "责任领导": ["责任领导", "责任人", "分管领导", "牵头领导", "包保领导", "整改责任人", "具体责任人"],
    "完成时限": ["整改时限", "完成时限", "时限", "完成时间", "整改期限", "完成期限", "时间节点", "整改时间"],
    "整改完成情况": ["整改完成情况", "完成情况", "整改情况", "整改进展", "进展情况", "整改结果", "整改落实情况"],
}


# a 责任单位 header with one of these words names the units that assist (配合), not the lead (牵头)
SUPPORT_HEADER_WORDS = ("配合", "协办", "属地")


STATES = ["逾期", "临期", "正常", "已完成", "逾期完成", "长期", "未报送"]


DEFAULT_COLORS: dict[str, dict[str, str]] = {
    "逾期": {"fill": "FFC7CE", "font": "9C0006"},
    "临期": {"fill": "FFEB9C", "font": "9C5700"},
    "正常": {"fill": "", "font": ""},
    "已完成": {"fill": "C6EFCE", "font": "006100"},
    "逾期完成": {"fill": "FCE4D6", "font": "833C0B"},
    "长期": {"fill": "", "font": ""},
    "未报送": {"fill": "D9D9D9", "font": "595959"},
}


DEFAULT_PATHS = {
    "issues": "issues.xlsx",
    "template": "templates/ledger.xlsx",
    "inbox": "inbox",
    "outbox": "outbox",
    "archive": "archive",
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


def _frozen(mapping: dict) -> MappingProxyType:
    return MappingProxyType(mapping)


@dataclass(frozen=True)
class Settings:
    as_of: date | None = None
    due_soon_days: int = 7
    match_threshold: float = 0.6
    paths: MappingProxyType = field(default_factory=lambda: _frozen(dict(DEFAULT_PATHS)))
    unit_names: tuple[str, ...] = ()
    unit_aliases: MappingProxyType = field(default_factory=lambda: _frozen({}))
    status_synonyms: MappingProxyType = field(
        default_factory=lambda: _frozen({k: list(v) for k, v in DEFAULT_STATUS_SYNONYMS.items()})
    )
    headers: MappingProxyType = field(
        default_factory=lambda: _frozen({k: list(v) for k, v in DEFAULT_HEADERS.items()})
    )
    colors: MappingProxyType = field(
        default_factory=lambda: _frozen({k: dict(v) for k, v in DEFAULT_COLORS.items()})
    )
    import_headers: MappingProxyType = field(
        default_factory=lambda: _frozen({k: list(v) for k, v in DEFAULT_IMPORT_HEADERS.items()})
    )
    limits: MappingProxyType = field(default_factory=lambda: _frozen(dict(DEFAULT_LIMITS)))
    workspace: Path = Path(".")
    source: str = ""  # the settings file read, if any

    def path(self, key: str) -> Path:
        return self.workspace / self.paths[key]

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_HEX = re.compile(r"^[0-9A-Fa-f]{6}$")


def _expect(value: Any, kind: type | tuple, key: str, what: str) -> Any:
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise SettingsError(f"{SETTINGS_FILE} 中 {key} 应为{what}，现在是 {value!r}")
    if not isinstance(value, kind):
        raise SettingsError(f"{SETTINGS_FILE} 中 {key} 应为{what}，现在是 {value!r}")
    return value


def _word_lists(raw: Any, key: str, allowed: list[str] | None) -> dict[str, list[str]]:
    _expect(raw, dict, key, "一个表（[...] 段）")
    out: dict[str, list[str]] = {}
    for name, words in raw.items():
        if allowed is not None and name not in allowed:
            raise SettingsError(
                f"{SETTINGS_FILE} 中 {key}.{name} 不认识；可用的有：{'、'.join(allowed)}"
            )
        _expect(words, list, f"{key}.{name}", "文字列表，如 [\"完成\", \"已整改\"]")
        for word in words:
            _expect(word, str, f"{key}.{name}", "文字列表")
        out[name] = list(words)
    return out


def _extend(defaults: dict[str, list[str]], added: dict[str, list[str]]) -> dict[str, list[str]]:
    """Defaults plus the clerk's words; a word the clerk gives to one name leaves every other
    name's default list, so the clerk's choice wins (基本完成 → 已完成 instead of 推进中)."""
    mine = {word: name for name, words in added.items() for word in words}
    merged = {name: [w for w in words if mine.get(w, name) == name] for name, words in defaults.items()}
    for name, words in added.items():
        merged[name] = merged[name] + [w for w in words if w not in merged[name]]
    return merged


def parse_as_of(value: Any, key: str = "as_of") -> date:
    if isinstance(value, datetime):  # TOML 2025-03-31T00:00:00 is a datetime, not a date
        return value.date()
    if isinstance(value, date):
        return value
    from toolkit.core.dates import DATE, parse_date

    parsed = parse_date(value)
    if parsed.kind != DATE or parsed.value is None:
        raise SettingsError(f"{key} 应为日期，如 2025-03-31，现在是 {value!r}")
    return parsed.value


def load_settings(workspace: Path) -> Settings:
    """Defaults, overridden by workspace/toolkit.toml when it exists."""
    workspace = Path(workspace)
    file = workspace / SETTINGS_FILE
    if not file.exists():
        return Settings(workspace=workspace)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{file} 格式有误：{exc}。请按 TOML 格式修改，或删除该文件使用默认设置") from exc
    return settings_from_dict(data, workspace, str(file))


def settings_from_dict(data: dict[str, Any], workspace: Path, source: str = "") -> Settings:
    known = {"as_of", "due_soon_days", "match_threshold", "paths", "units", "status",
             "headers", "colors", "limits", "mail", "import"}
    for key in data:
        if key not in known:
            raise SettingsError(f"{SETTINGS_FILE} 中的设置项 {key} 不认识；可用的有：{'、'.join(sorted(known))}")
    changes: dict[str, Any] = {"workspace": workspace, "source": source}
    if "mail" in data:  # checked now so a bad [mail] stops every command with the key named
        pass

        mail_settings_from_dict(data["mail"])
    if "as_of" in data:
        changes["as_of"] = parse_as_of(data["as_of"])
    if "due_soon_days" in data:
        days = _expect(data["due_soon_days"], int, "due_soon_days", "整数天数")
        if not 0 <= days <= 365:
            raise SettingsError(f"{SETTINGS_FILE} 中 due_soon_days 应在 0 到 365 之间，现在是 {days}")
        changes["due_soon_days"] = days
    if "match_threshold" in data:
        value = _expect(data["match_threshold"], (int, float), "match_threshold", "0 到 1 之间的数")
        if not 0 < value <= 1:
            raise SettingsError(f"{SETTINGS_FILE} 中 match_threshold 应在 0 到 1 之间，现在是 {value}")
        changes["match_threshold"] = float(value)
    if "paths" in data:
        paths = dict(DEFAULT_PATHS)
        for key, value in _expect(data["paths"], dict, "paths", "一个表").items():
            if key not in DEFAULT_PATHS:
                raise SettingsError(f"{SETTINGS_FILE} 中 paths.{key} 不认识；可用的有：{'、'.join(DEFAULT_PATHS)}")
            paths[key] = _expect(value, str, f"paths.{key}", "路径文字")
        changes["paths"] = _frozen(paths)
    if "units" in data:
        units = _expect(data["units"], dict, "units", "一个表")
        for key in units:
            if key not in ("names", "aliases"):
                raise SettingsError(f"{SETTINGS_FILE} 中 units.{key} 不认识；可用的有：names、aliases")
        names = _expect(units.get("names", []), list, "units.names", "单位名称列表")
        for name in names:
            _expect(name, str, "units.names", "单位名称列表")
        aliases = _expect(units.get("aliases", {}), dict, "units.aliases", "一个表（简称 = 全称）")
        for short, full in aliases.items():
            _expect(full, str, f"units.aliases.{short}", "单位全称文字")
        changes["unit_names"] = tuple(names)
        changes["unit_aliases"] = _frozen(dict(aliases))
    if "status" in data:
        status = _expect(data["status"], dict, "status", "一个表")
        for key in status:
            if key != "synonyms":
                raise SettingsError(f"{SETTINGS_FILE} 中 status.{key} 不认识；可用的有：synonyms")
        changes["status_synonyms"] = _frozen(_extend(DEFAULT_STATUS_SYNONYMS, _word_lists(
            status.get("synonyms", {}), "status.synonyms", STATUSES)))
    if "import" in data:
        table = _expect(data["import"], dict, "import", "一个表（[import] 段）")
        for key in table:
            if key != "headers":
                raise SettingsError(f"{SETTINGS_FILE} 中的设置项 import.{key} 不认识；可用的有：import.headers")
        changes["import_headers"] = _frozen(_extend(DEFAULT_IMPORT_HEADERS, _word_lists(
            table.get("headers", {}), "import.headers", list(DEFAULT_IMPORT_HEADERS))))
    if "headers" in data:
        changes["headers"] = _frozen(_extend(DEFAULT_HEADERS, _word_lists(data["headers"], "headers",
                                                                        list(DEFAULT_HEADERS))))
    if "colors" in data:
        colors = {k: dict(v) for k, v in DEFAULT_COLORS.items()}
        for state, spec in _expect(data["colors"], dict, "colors", "一个表").items():
            if state not in STATES:
                raise SettingsError(f"{SETTINGS_FILE} 中 colors.{state} 不认识；可用的有：{'、'.join(STATES)}")
            _expect(spec, dict, f"colors.{state}", '{ fill = "FFC7CE", font = "9C0006" } 这样的表')
            for part, value in spec.items():
                if part not in ("fill", "font"):
                    raise SettingsError(f"{SETTINGS_FILE} 中 colors.{state}.{part} 不认识；可用的有：fill、font")
                value = _expect(value, str, f"colors.{state}.{part}", "六位十六进制颜色，如 FFC7CE")
                if value and not _HEX.match(value.lstrip("#")):
                    raise SettingsError(
                        f"{SETTINGS_FILE} 中 colors.{state}.{part} 应为六位十六进制颜色，如 FFC7CE，现在是 {value!r}"
                    )
                colors[state][part] = value.lstrip("#").upper()
        changes["colors"] = _frozen(colors)
    if "limits" in data:
        limits = dict(DEFAULT_LIMITS)
        for key, value in _expect(data["limits"], dict, "limits", "一个表").items():
            if key not in DEFAULT_LIMITS:
                raise SettingsError(f"{SETTINGS_FILE} 中 limits.{key} 不认识；可用的有：{'、'.join(DEFAULT_LIMITS)}")
            value = _expect(value, int, f"limits.{key}", "正整数")
            if value <= 0:
                raise SettingsError(f"{SETTINGS_FILE} 中 limits.{key} 应为正整数，现在是 {value}")
            limits[key] = value
        changes["limits"] = _frozen(limits)
    return Settings(**changes)


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
        f"due_soon_days = {Settings.due_soon_days}",
        "",
        "# 按整改措施文字近似匹配任务时的相似度下限（0 到 1）。",
        f"match_threshold = {Settings.match_threshold}",
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
        "[status.synonyms]",
        "# 完成状态的同义词（在默认词表之外追加）。",
    ]
    lines += [f'"{name}" = {_toml_list(words)}' for name, words in DEFAULT_STATUS_SYNONYMS.items()]
    lines += ["", "[headers]", "# 各列可接受的列名（在默认词表之外追加）。"]
    lines += [f'"{name}" = {_toml_list(words)}' for name, words in DEFAULT_HEADERS.items()]
    lines += ["", "[import.headers]", "# toolkit issues import：上级表格各列可接受的列名（在默认词表之外追加）。"]
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


PASSWORD_ENV = "TOOLKIT_SMTP_PASSWORD"


SECURITY_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class MailSettings:
    host: str = ""
    port: int = 465
    security: str = "ssl"  # "ssl" (implicit TLS), "starttls" or "none"
    user: str = ""
    sender: str = ""  # toolkit.toml `from`: "整改办 <zgb@example.gov.cn>" or a bare address
    password_env: str = PASSWORD_ENV  # the password is only ever read from this environment variable
    timeout: float = 30.0
    verify_tls: bool = True  # False only for self-signed test servers: skips certificate checks


MAIL_KEYS = ("host", "port", "security", "user", "from", "password_env", "timeout", "verify_tls")


def _bad(key: str, what: str, value: Any) -> SettingsError:
    return SettingsError(f"{SETTINGS_FILE} 中 mail.{key} 应为{what}，现在是 {value!r}")


def mail_settings_from_dict(raw: Any) -> MailSettings:
    """Validate a [mail] table (as tomllib gives it). Raises SettingsError naming the key."""
    if not isinstance(raw, dict):
        raise SettingsError(f"{SETTINGS_FILE} 中 mail 应为一个表（[mail] 段），现在是 {raw!r}")
    for key in raw:
        if key in ("password", "pass", "passwd", "密码"):
            raise SettingsError(f"{SETTINGS_FILE} 中不能写邮箱密码（mail.{key}）：请删去这一行，把密码放在环境变量 "
                                f"{raw.get('password_env') or PASSWORD_ENV} 中")
        if key not in MAIL_KEYS:
            raise SettingsError(f"{SETTINGS_FILE} 中 mail.{key} 不认识；可用的有：{'、'.join(MAIL_KEYS)}")
    values: dict[str, Any] = {}
    for key in ("host", "user", "from", "password_env"):
        if key in raw and not isinstance(raw[key], str):
            raise _bad(key, "文字", raw[key])
    host = raw.get("host", "").strip()
    if host and (re.search(r"[\s/]", host) or host.count(":") == 1):
        raise _bad("host", "服务器名称，如 smtp.example.gov.cn（不带 smtp:// 和端口，端口写在 port）", host)
    values["host"] = host
    security = raw.get("security", "ssl")
    if not isinstance(security, str) or security.strip().lower() not in SECURITY_PORTS:
        raise _bad("security", '"ssl"、"starttls" 或 "none" 之一', security)
    values["security"] = security.strip().lower()
    port = raw.get("port", SECURITY_PORTS[values["security"]])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise _bad("port", "1 到 65535 之间的整数，如 465", port)
    values["port"] = port
    values["user"] = raw.get("user", "").strip()
    sender = raw.get("from", "").strip()
    if sender and not ADDRESS.match(parseaddr(sender)[1] or "-"):
        raise _bad("from", "发件地址，如 zgb@example.gov.cn 或 整改办 <zgb@example.gov.cn>", sender)
    values["sender"] = sender
    env = raw.get("password_env", PASSWORD_ENV).strip()
    if not _ENV_NAME.match(env):
        raise _bad("password_env", "环境变量名（字母、数字、下划线），如 TOOLKIT_SMTP_PASSWORD", env)
    values["password_env"] = env
    timeout = raw.get("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 600:
        raise _bad("timeout", "大于 0、不超过 600 的秒数", timeout)
    values["timeout"] = float(timeout)
    verify = raw.get("verify_tls", True)
    if not isinstance(verify, bool):
        raise _bad("verify_tls", "true 或 false", verify)
    values["verify_tls"] = verify
    return MailSettings(**values)


def load_mail_settings(settings: Settings) -> MailSettings:
    """The [mail] table of the workspace's toolkit.toml; defaults when there is none."""
    file = Path(settings.source) if settings.source else settings.workspace / SETTINGS_FILE
    if not file.exists():
        return MailSettings()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{file} 格式有误：{exc}。请按 TOML 格式修改") from exc
    return mail_settings_from_dict(data.get("mail", {}))
