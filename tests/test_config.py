"""toolkit.config: defaults, toolkit.toml, and the errors a clerk sees for a bad setting (DESIGN §2, §5)."""

from __future__ import annotations

import dataclasses
import sys
from datetime import date
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from toolkit.core.defaults import (
    DEFAULT_COLORS,
    DEFAULT_HEADERS,
    DEFAULT_LIMITS,
    DEFAULT_PATHS,
    DEFAULT_STATUS_SYNONYMS,
    default_toml,
)
from toolkit.core.errors import SettingsError, ToolkitError
from toolkit.core.normalize import clean_header, parse_status, status_table
from toolkit.core.settings import SETTINGS_FILE, Settings
from toolkit.core.settings_file import load_settings, parse_as_of, settings_from_dict
from toolkit.core.words import STATES, STATUSES

# DESIGN §5, the 逾期状态 table: fill / font.
DESIGN_COLORS = {
    "逾期": ("FFC7CE", "9C0006"),
    "临期": ("FFEB9C", "9C5700"),
    "正常": ("", ""),
    "已完成": ("C6EFCE", "006100"),
    "逾期完成": ("FCE4D6", "833C0B"),
    "长期": ("", ""),
    "未报送": ("D9D9D9", "595959"),
    "已销号": ("A9D08E", "375623"),
}


def write_toml(folder: Path, text: str) -> Path:
    file = folder / SETTINGS_FILE
    file.write_text(text, encoding="utf-8")
    return file


def load(folder: Path, text: str) -> Settings:
    write_toml(folder, text)
    return load_settings(folder)


def error_for(folder: Path, text: str) -> str:
    write_toml(folder, text)
    with pytest.raises(SettingsError) as info:
        load_settings(folder)
    return str(info.value)


def header_lookup(settings: Settings) -> dict[str, str]:
    """Every accepted column name, as clean_header() sees it, to its field."""
    lookup: dict[str, str] = {}
    for name in settings.headers:
        lookup.setdefault(clean_header(name), name)
    for name, words in settings.headers.items():
        for word in words:
            lookup.setdefault(clean_header(word), name)
    return lookup


# --- defaults ----------------------------------------------------------------------


def test_no_toml_gives_the_defaults(tmp_path):
    settings = load_settings(tmp_path)
    assert settings == Settings(workspace=tmp_path)
    assert settings.as_of is None
    assert settings.due_soon_days == 7
    assert settings.source == ""
    assert settings.workspace == tmp_path
    assert dict(settings.paths) == DEFAULT_PATHS
    assert dict(settings.limits) == DEFAULT_LIMITS
    assert settings.unit_names == ()
    assert dict(settings.unit_aliases) == {}


def test_default_colours_are_the_design_table(tmp_path):
    settings = load_settings(tmp_path)
    assert list(settings.colors) == list(STATES) == list(DESIGN_COLORS)
    for state, (fill, font) in DESIGN_COLORS.items():
        assert settings.colors[state] == {"fill": fill, "font": font}


def test_default_status_words_include_the_design_synonyms():
    assert list(STATUSES) == ["已完成", "推进中", "未启动", "长期坚持", "申请延期"]
    design = {
        "已完成": ["完成", "已整改", "整改完成", "已办结", "已落实"],
        "推进中": ["正在推进", "进行中", "整改中", "持续推进", "基本完成", "部分完成"],
        "未启动": ["未开始", "未开展", "尚未启动"],
        "长期坚持": ["长期", "常态化", "持续开展"],
    }
    for status, words in design.items():
        assert set(words) <= set(DEFAULT_STATUS_SYNONYMS[status])


def test_default_header_synonyms_name_one_field_each():
    # After clean_header() ("完成情况（状态）" → "完成情况"), no word may point at two fields.
    owner: dict[str, str] = {}
    for name, words in DEFAULT_HEADERS.items():
        for word in [name, *words]:
            key = clean_header(word)
            assert owner.setdefault(key, name) == name, f"{word} → {owner[key]} and {name}"


@pytest.mark.parametrize(
    "column, field",
    [
        ("序号", "问题序号"),
        ("进展情况", "整改进展"),
        ("完成情况", "整改进展"),
        ("完成时间", "实际完成日期"),
        ("完成时限（年月日）", "完成时限"),
        ("* 整改措施", "整改措施"),
        ("完成状态", "完成状态"),
        ("状态", "完成状态"),
    ],
)
def test_default_header_words_of_design_section_6(column, field):
    assert header_lookup(Settings())[clean_header(column)] == field


def test_settings_are_frozen():
    settings = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.due_soon_days = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.colors["逾期"] = {"fill": "000000", "font": "FFFFFF"}  # type: ignore[index]
    with pytest.raises(TypeError):
        settings.paths["inbox"] = "x"  # type: ignore[index]


def test_defaults_are_not_shared_between_instances():
    first, second = Settings(), Settings()
    first.status_synonyms["已完成"].append("验收通过")
    assert "验收通过" not in second.status_synonyms["已完成"]
    assert "验收通过" not in DEFAULT_STATUS_SYNONYMS["已完成"]


def test_with_overrides_ignores_none():
    settings = Settings(due_soon_days=5)
    assert settings.with_overrides(due_soon_days=None, as_of=None) == settings
    changed = settings.with_overrides(as_of=date(2025, 3, 31), due_soon_days=None)
    assert changed.as_of == date(2025, 3, 31)
    assert changed.due_soon_days == 5


def test_path_is_under_the_workspace(tmp_path):
    settings = load(tmp_path, '[paths]\ninbox = "收件"\n')
    assert settings.path("inbox") == tmp_path / "收件"
    assert settings.path("outbox") == tmp_path / "outbox"


# --- default_toml --------------------------------------------------------------------


def test_default_toml_parses_to_the_defaults(tmp_path):
    data = tomllib.loads(default_toml())
    assert settings_from_dict(data, tmp_path) == Settings(workspace=tmp_path)


def test_default_toml_shows_every_setting():
    data = tomllib.loads(default_toml())
    fields = {f.name for f in dataclasses.fields(Settings)} - {"workspace", "source", "as_of"}
    assert "as_of" in default_toml()  # commented out: no default date
    assert data["due_soon_days"] == 7
    assert set(data["paths"]) == set(DEFAULT_PATHS)
    assert set(data["status"]["synonyms"]) == set(STATUSES)
    assert set(data["headers"]) == set(DEFAULT_HEADERS)
    assert set(data["colors"]) == set(STATES)
    assert set(data["limits"]) == set(DEFAULT_LIMITS)
    assert {"due_soon_days", "match_threshold", "paths", "limits"} <= fields


def test_init_file_loads_back_as_the_defaults(tmp_path):
    file = write_toml(tmp_path, default_toml())
    settings = load_settings(tmp_path)
    assert settings == Settings(workspace=tmp_path, source=str(file))


# --- a clerk's toolkit.toml -------------------------------------------------------------


def test_settings_in_the_toml_are_applied(tmp_path):
    file = write_toml(
        tmp_path,
        """
as_of = "2025-03-31"
due_soon_days = 3

[units.aliases]
"区城管局" = "区城市管理局"

[colors]
"临期" = { fill = "BDD7EE" }
""",
    )
    settings = load_settings(tmp_path)
    assert settings.as_of == date(2025, 3, 31)
    assert settings.due_soon_days == 3
    assert dict(settings.unit_aliases) == {"区城管局": "区城市管理局"}
    assert settings.colors["临期"] == {"fill": "BDD7EE", "font": "9C5700"}
    for state in STATES:
        if state != "临期":
            assert settings.colors[state] == DEFAULT_COLORS[state]
    assert settings.source == str(file)
    assert settings.workspace == tmp_path
    # untouched settings keep their defaults
    assert settings.status_synonyms == Settings().status_synonyms
    assert settings.headers == Settings().headers


@pytest.mark.parametrize(
    "line",
    [
        "as_of = 2025-03-31",
        'as_of = "2025-03-31"',
        'as_of = "2025/3/31"',
        'as_of = "2025年3月31日"',
        'as_of = "２０２５年３月３１日"',
        "as_of = 2025-03-31T10:30:00",
        "as_of = 2025-03-31 00:00:00",
    ],
)
def test_as_of_forms(tmp_path, line):
    settings = load(tmp_path, line + "\n")
    assert settings.as_of == date(2025, 3, 31)
    assert type(settings.as_of) is date


def test_parse_as_of_for_the_command_line():
    assert parse_as_of("2025-03-31", "--as-of") == date(2025, 3, 31)
    with pytest.raises(SettingsError, match="--as-of"):
        parse_as_of("明天", "--as-of")


def test_colours_accept_hash_and_lower_case_and_blank(tmp_path):
    settings = load(tmp_path, '[colors]\n"逾期" = { fill = "#ffc7ce", font = "" }\n')
    assert settings.colors["逾期"] == {"fill": "FFC7CE", "font": ""}


def test_due_soon_days_bounds(tmp_path):
    assert load(tmp_path, "due_soon_days = 0\n").due_soon_days == 0
    assert load(tmp_path, "due_soon_days = 15\n").due_soon_days == 15


def test_status_synonyms_extend_the_defaults(tmp_path):
    settings = load(
        tmp_path, '[status.synonyms]\n"已完成" = ["验收通过", "完成"]\n"推进中" = ["在办"]\n'
    )
    assert settings.status_synonyms["已完成"] == [*DEFAULT_STATUS_SYNONYMS["已完成"], "验收通过"]
    assert settings.status_synonyms["推进中"] == [*DEFAULT_STATUS_SYNONYMS["推进中"], "在办"]
    assert settings.status_synonyms["未启动"] == DEFAULT_STATUS_SYNONYMS["未启动"]
    table = status_table(STATUSES, settings.status_synonyms)
    assert parse_status("验收通过", table) == "已完成"
    assert parse_status("已整改", table) == "已完成"
    assert parse_status("在办", table) == "推进中"
    assert parse_status("进行中", table) == "推进中"


def test_header_synonyms_extend_the_defaults(tmp_path):
    settings = load(tmp_path, '[headers]\n"整改进展" = ["本月进展", "进展情况"]\n')
    assert settings.headers["整改进展"] == [*DEFAULT_HEADERS["整改进展"], "本月进展"]
    assert settings.headers["完成时限"] == DEFAULT_HEADERS["完成时限"]
    lookup = header_lookup(settings)
    assert lookup["本月进展"] == "整改进展"
    assert lookup["完成情况"] == "整改进展"


def test_units_names_and_paths(tmp_path):
    settings = load(tmp_path, '[units]\nnames = ["区信访局"]\n[paths]\noutbox = "输出"\n')
    assert settings.unit_names == ("区信访局",)
    assert settings.paths["outbox"] == "输出"
    assert settings.paths["inbox"] == "inbox"


def test_limits(tmp_path):
    settings = load(tmp_path, "[limits]\nmax_rows = 5000\n")
    assert settings.limits["max_rows"] == 5000
    assert settings.limits["max_file_mb"] == DEFAULT_LIMITS["max_file_mb"]


def test_toml_with_a_byte_order_mark(tmp_path):
    (tmp_path / SETTINGS_FILE).write_bytes("\ufeffdue_soon_days = 3\n".encode())
    assert load_settings(tmp_path).due_soon_days == 3


# --- bad values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, key",
    [
        ('due_soon_days = "abc"', "due_soon_days"),
        ("due_soon_days = -1", "due_soon_days"),
        ("due_soon_days = 366", "due_soon_days"),
        ("due_soon_days = 7.5", "due_soon_days"),
        ("due_soon_days = true", "due_soon_days"),
        ("due_soon = 7", "due_soon"),
        ("unknown_key = 1", "unknown_key"),
        ('[colors]\n"临期" = { fill = "XYZ123" }', "colors.临期.fill"),
        ('[colors]\n"临期" = { font = "FFF" }', "colors.临期.font"),
        ('[colors]\n"临期" = { fill = 123456 }', "colors.临期.fill"),
        ('[colors]\n"临期" = { back = "FFFFFF" }', "colors.临期.back"),
        ('[colors]\n"临期" = "BDD7EE"', "colors.临期"),
        ('[colors]\n"紧急" = { fill = "FFFFFF" }', "colors.紧急"),
        ('colors = "red"', "colors"),
        ('[paths]\nunknown = "x"', "paths.unknown"),
        ("[paths]\ninbox = 3", "paths.inbox"),
        ('as_of = "not a date"', "as_of"),
        ('as_of = "2025-02-30"', "as_of"),
        ('as_of = "长期坚持"', "as_of"),
        ("as_of = true", "as_of"),
        ("match_threshold = 2", "match_threshold"),
        ("match_threshold = 0", "match_threshold"),
        ('match_threshold = "high"', "match_threshold"),
        ('[units]\nfoo = ["x"]', "units.foo"),
        ('[units]\nnames = "区信访局"', "units.names"),
        ('[units.aliases]\n"区城管局" = 1', "units.aliases.区城管局"),
        ('[status]\nwords = ["x"]', "status.words"),
        ('[status.synonyms]\n"完了" = ["x"]', "status.synonyms.完了"),
        ('[status.synonyms]\n"已完成" = "验收通过"', "status.synonyms.已完成"),
        ('[status.synonyms]\n"已完成" = [1]', "status.synonyms.已完成"),
        ('[headers]\n"不存在" = ["x"]', "headers.不存在"),
        ("[limits]\nmax_rows = 0", "limits.max_rows"),
        ("[limits]\nmax_sheets = 5", "limits.max_sheets"),
    ],
)
def test_bad_value_names_the_key(tmp_path, text, key):
    message = error_for(tmp_path, text + "\n")
    assert key in message
    assert "\n" not in message  # one line on stderr


def test_unknown_key_lists_the_known_ones(tmp_path):
    message = error_for(tmp_path, "due_soon = 7\n")
    assert "due_soon_days" in message


def test_unknown_colour_state_lists_the_states(tmp_path):
    message = error_for(tmp_path, '[colors]\n"紧急" = { fill = "FFFFFF" }\n')
    assert all(state in message for state in STATES)


@pytest.mark.parametrize(
    "text", ["due_soon_days = ", "[colors\n", 'as_of = "2025-03-31\n', "a = 1\na = 2\n"]
)
def test_broken_toml_names_the_file(tmp_path, text):
    file = write_toml(tmp_path, text)
    with pytest.raises(SettingsError) as info:
        load_settings(tmp_path)
    assert str(file) in str(info.value)
    assert isinstance(info.value.__cause__, tomllib.TOMLDecodeError)


def test_toml_not_in_utf8_names_the_file(tmp_path):
    file = tmp_path / SETTINGS_FILE
    file.write_bytes('[units.aliases]\n"区城管局" = "区城市管理局"\n'.encode("gbk"))
    with pytest.raises(SettingsError) as info:
        load_settings(tmp_path)
    assert str(file) in str(info.value)


def test_settings_error_stops_the_run_with_exit_code_2(tmp_path):
    with pytest.raises(ToolkitError) as info:
        load(tmp_path, "due_soon_days = -1\n")
    assert info.value.exit_code == 2


def test_the_clerks_status_words_win_over_the_defaults(tmp_path):
    from toolkit.core.normalize import parse_status, status_table
    from toolkit.core.settings_file import settings_from_dict
    from toolkit.core.words import STATUSES

    settings = settings_from_dict({"status": {"synonyms": {"已完成": ["基本完成"]}}}, tmp_path)
    table = status_table(STATUSES, settings.status_synonyms)
    assert parse_status("基本完成", table) == "已完成"
    assert "基本完成" not in settings.status_synonyms["推进中"]
