"""Reading toolkit.toml: each section checked and turned into Settings; a bad key stops the
command with one SettingsError line that names it."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from toolkit.core.defaults import (
    DEFAULT_COLORS,
    DEFAULT_HEADERS,
    DEFAULT_IMPORT_HEADERS,
    DEFAULT_LIMITS,
    DEFAULT_PATHS,
    DEFAULT_REPORT,
    DEFAULT_STATUS_BLOCKERS,
    DEFAULT_STATUS_HINTS,
    DEFAULT_STATUS_SYNONYMS,
)
from toolkit.core.errors import SettingsError
from toolkit.core.mail_settings import MailSettings, mail_settings_from_dict
from toolkit.core.settings import SETTINGS_FILE, Settings
from toolkit.core.words import STATES, STATUSES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


# The sane range of each limit: a value outside it is refused when toolkit.toml is loaded.
LIMIT_RANGES = {
    "max_file_mb": (1, 10_240),
    "max_unzipped_mb": (1, 20_480),
    "max_rows": (1, 10_000_000),
    "header_scan_rows": (1, 1_000),
    "memory_mb": (256, 262_144),
    "file_timeout_s": (1, 86_400),
    "workers": (1, 64),
}


_HEX = re.compile(r"^[0-9A-Fa-f]{6}$")


def _expect(value: Any, kind: type | tuple, key: str, what: str) -> Any:
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise SettingsError(f"{SETTINGS_FILE} 中 {key} 应为{what}，现在是 {value!r}")
    if not isinstance(value, kind):
        raise SettingsError(f"{SETTINGS_FILE} 中 {key} 应为{what}，现在是 {value!r}")
    return value


def _table(raw: Any, section: str, known: Sequence[str]) -> dict[str, Any]:
    """A [section] table of toolkit.toml; a key not among `known` stops, naming those that are."""
    table = _expect(raw, dict, section, "一个表")
    for key in table:
        if key not in known:
            raise SettingsError(
                f"{SETTINGS_FILE} 中 {section}.{key} 不认识；可用的有：{'、'.join(known)}"
            )
    return table


def _word_lists(raw: Any, key: str, allowed: Sequence[str] | None) -> dict[str, list[str]]:
    _expect(raw, dict, key, "一个表（[...] 段）")
    out: dict[str, list[str]] = {}
    for name, words in raw.items():
        if allowed is not None and name not in allowed:
            raise SettingsError(
                f"{SETTINGS_FILE} 中 {key}.{name} 不认识；可用的有：{'、'.join(allowed)}"
            )
        _expect(words, list, f"{key}.{name}", '文字列表，如 ["完成", "已整改"]')
        for word in words:
            _expect(word, str, f"{key}.{name}", "文字列表")
        out[name] = list(words)
    return out


def _extend(defaults: dict[str, list[str]], added: dict[str, list[str]]) -> dict[str, list[str]]:
    """Defaults plus the clerk's words; a word the clerk gives to one name leaves every other
    name's default list, so the clerk's choice wins (基本完成 → 已完成 instead of 推进中)."""
    mine = {word: name for name, words in added.items() for word in words}
    merged = {
        name: [w for w in words if mine.get(w, name) == name] for name, words in defaults.items()
    }
    for name, words in added.items():
        merged[name] = merged[name] + [w for w in words if w not in merged[name]]
    return merged


def _inside(inner: str, outer: str) -> bool:
    return inner == outer or inner.startswith(outer.rstrip(os.sep) + os.sep)


def _separate(paths: dict[str, str], workspace: Path) -> None:
    """outbox and archive apart from the inbox: a workbook written into the inbox would be read
    back by the next merge, and an inbox inside them would be archived into itself."""
    where = {
        key: os.path.normcase(
            os.path.normpath(os.path.join(os.path.abspath(workspace), paths[key]))
        )
        for key in ("inbox", "outbox", "archive")
    }
    for key in ("outbox", "archive"):
        if _inside(where[key], where["inbox"]) or _inside(where["inbox"], where[key]):
            raise SettingsError(
                f"{SETTINGS_FILE} 中 paths.{key} = {paths[key]!r} 与收件目录 paths.inbox = "
                f"{paths['inbox']!r} 重叠：两者不能一个在另一个里面，请改成各自独立的文件夹"
            )


def read_toml(file: Path) -> dict[str, Any]:
    """toolkit.toml as a table, or one SettingsError line (bad TOML, a folder, unreadable)."""
    try:
        return tomllib.loads(file.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(
            f"{file} 格式有误：{exc}。请按 TOML 格式修改，或删除该文件使用默认设置"
        ) from exc
    except IsADirectoryError as exc:
        raise SettingsError(
            f"{file} 是一个文件夹，不是设置文件：请把它改名或移走（设置文件是文本文件）"
        ) from exc
    except OSError as exc:
        raise SettingsError(
            f"{file} 无法读取（{exc.strerror or exc}）：请检查它的权限，或删除它使用默认设置"
        ) from exc


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
    return settings_from_dict(read_toml(file), workspace, str(file))


def settings_from_dict(data: dict[str, Any], workspace: Path, source: str = "") -> Settings:
    """Settings from a parsed toolkit.toml; raises SettingsError naming the first bad key."""
    for key in data:
        if key not in _SECTIONS:
            raise SettingsError(
                f"{SETTINGS_FILE} 中的设置项 {key} 不认识；可用的有：{'、'.join(sorted(_SECTIONS))}"
            )
    changes: dict[str, Any] = {"workspace": workspace, "source": source}
    # in this order, so the same file always names the same key
    for key, parse in _SECTIONS.items():
        if key in data:
            changes.update(parse(data[key]))
    if "paths" in changes:
        _separate(dict(changes["paths"]), workspace)
    return Settings(**changes)


def _mail_section(raw: Any) -> dict[str, Any]:
    # checked now so a bad [mail] stops every command with the key named
    mail_settings_from_dict(raw)
    return {}


def _as_of_section(raw: Any) -> dict[str, Any]:
    return {"as_of": parse_as_of(raw)}


def _due_soon_section(raw: Any) -> dict[str, Any]:
    days = _expect(raw, int, "due_soon_days", "整数天数")
    if not 0 <= days <= 365:
        raise SettingsError(f"{SETTINGS_FILE} 中 due_soon_days 应在 0 到 365 之间，现在是 {days}")
    return {"due_soon_days": days}


def _threshold_section(raw: Any) -> dict[str, Any]:
    value = _expect(raw, (int, float), "match_threshold", "0 到 1 之间的数")
    if not 0 < value <= 1:
        raise SettingsError(f"{SETTINGS_FILE} 中 match_threshold 应在 0 到 1 之间，现在是 {value}")
    return {"match_threshold": float(value)}


def _paths_section(raw: Any) -> dict[str, Any]:
    paths = dict(DEFAULT_PATHS)
    for key, value in _table(raw, "paths", list(DEFAULT_PATHS)).items():
        paths[key] = _expect(value, str, f"paths.{key}", "路径文字")
    return {"paths": MappingProxyType(paths)}


def _units_section(raw: Any) -> dict[str, Any]:
    units = _table(raw, "units", ("names", "aliases"))
    names = _expect(units.get("names", []), list, "units.names", "单位名称列表")
    for name in names:
        _expect(name, str, "units.names", "单位名称列表")
    aliases = _expect(units.get("aliases", {}), dict, "units.aliases", "一个表（简称 = 全称）")
    for short, full in aliases.items():
        _expect(full, str, f"units.aliases.{short}", "单位全称文字")
    return {"unit_names": tuple(names), "unit_aliases": MappingProxyType(dict(aliases))}


def _status_section(raw: Any) -> dict[str, Any]:
    status = _table(raw, "status", ("synonyms", "hints", "blockers"))
    added = _word_lists(status.get("synonyms", {}), "status.synonyms", STATUSES)
    hints = _word_lists(status.get("hints", {}), "status.hints", STATUSES)
    blockers = _expect(status.get("blockers", []), list, "status.blockers", "词语列表")
    for word in blockers:
        _expect(word, str, "status.blockers", "词语列表")
    return {
        "status_synonyms": MappingProxyType(_extend(DEFAULT_STATUS_SYNONYMS, added)),
        "status_hints": MappingProxyType(_extend(DEFAULT_STATUS_HINTS, hints)),
        "status_blockers": tuple(dict.fromkeys([*DEFAULT_STATUS_BLOCKERS, *blockers])),
    }


def _headers_section(raw: Any) -> dict[str, Any]:
    added = _word_lists(raw, "headers", list(DEFAULT_HEADERS))
    return {"headers": MappingProxyType(_extend(DEFAULT_HEADERS, added))}


def _import_section(raw: Any) -> dict[str, Any]:
    table = _expect(raw, dict, "import", "一个表（[import] 段）")
    for key in table:
        if key != "headers":
            raise SettingsError(
                f"{SETTINGS_FILE} 中的设置项 import.{key} 不认识；可用的有：import.headers"
            )
    added = _word_lists(table.get("headers", {}), "import.headers", list(DEFAULT_IMPORT_HEADERS))
    return {"import_headers": MappingProxyType(_extend(DEFAULT_IMPORT_HEADERS, added))}


def _colors_section(raw: Any) -> dict[str, Any]:
    colors = {k: dict(v) for k, v in DEFAULT_COLORS.items()}
    for state, spec in _table(raw, "colors", STATES).items():
        _expect(spec, dict, f"colors.{state}", '{ fill = "FFC7CE", font = "9C0006" } 这样的表')
        for part, value in spec.items():
            colors[state][part] = _color(state, part, value)
    return {"colors": MappingProxyType(colors)}


def _color(state: str, part: str, value: Any) -> str:
    if part not in ("fill", "font"):
        raise SettingsError(
            f"{SETTINGS_FILE} 中 colors.{state}.{part} 不认识；可用的有：fill、font"
        )
    value = _expect(value, str, f"colors.{state}.{part}", "六位十六进制颜色，如 FFC7CE")
    if value and not _HEX.match(value.lstrip("#")):
        raise SettingsError(
            f"{SETTINGS_FILE} 中 colors.{state}.{part} 应为六位十六进制颜色，如 FFC7CE，现在是 {value!r}"
        )
    return value.lstrip("#").upper()


def _limits_section(raw: Any) -> dict[str, Any]:
    limits = dict(DEFAULT_LIMITS)
    for key, value in _table(raw, "limits", list(DEFAULT_LIMITS)).items():
        value = _expect(value, int, f"limits.{key}", "正整数")
        if value <= 0:
            raise SettingsError(f"{SETTINGS_FILE} 中 limits.{key} 应为正整数，现在是 {value}")
        low, high = LIMIT_RANGES[key]
        if not low <= value <= high:
            raise SettingsError(
                f"{SETTINGS_FILE} 中 limits.{key} 应在 {low} 到 {high} 之间，现在是 {value}；"
                f"不确定时删去这一行，使用默认值 {DEFAULT_LIMITS[key]}"
            )
        limits[key] = value
    return {"limits": MappingProxyType(limits)}


def _report_section(raw: Any) -> dict[str, Any]:
    report = dict(DEFAULT_REPORT)
    for key, value in _table(raw, "report", list(DEFAULT_REPORT)).items():
        if isinstance(DEFAULT_REPORT[key], bool):
            report[key] = _expect(value, bool, f"report.{key}", "true 或 false")
            continue
        value = _expect(value, str, f"report.{key}", "文字")
        if key == "mark_color" and value and not _HEX.match(value.lstrip("#")):
            raise SettingsError(
                f"{SETTINGS_FILE} 中 report.mark_color 应为六位十六进制颜色，如 C00000，现在是 {value!r}"
            )
        report[key] = value.lstrip("#").upper() if key == "mark_color" else value
    return {"report": MappingProxyType(report)}


# toolkit.toml's top-level keys and their parsers, in the order they are checked.
_SECTIONS = {
    "mail": _mail_section,
    "as_of": _as_of_section,
    "due_soon_days": _due_soon_section,
    "match_threshold": _threshold_section,
    "paths": _paths_section,
    "units": _units_section,
    "status": _status_section,
    "headers": _headers_section,
    "colors": _colors_section,
    "limits": _limits_section,
    "import": _import_section,
    "report": _report_section,
}


def load_mail_settings(settings: Settings) -> MailSettings:
    """The [mail] table of the workspace's toolkit.toml; defaults when there is none."""
    file = Path(settings.source) if settings.source else settings.workspace / SETTINGS_FILE
    if not file.exists():
        return MailSettings()
    return mail_settings_from_dict(read_toml(file).get("mail", {}))
