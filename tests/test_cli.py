"""The command line through Typer's runner: exit codes, exact messages, JSON, never touching the inbox."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from toolkit.api.merge import run_merge
from toolkit.api.workspace import open_workspace
from toolkit.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def command_lines() -> list[list[str]]:
    """Every command of the app as typed after `toolkit`, subcommands of a group included."""
    from typer.main import get_command

    lines = []
    for name, command in get_command(app).commands.items():
        lines.append([name])
        lines += [[name, sub] for sub in getattr(command, "commands", {})]
    return lines


def test_help_lists_every_command_and_each_has_help():
    result = invoke("--help")
    assert result.exit_code == 0
    lines = command_lines()
    assert ["merge"] in lines and ["issues", "import"] in lines
    for line in lines:
        if len(line) == 1:
            assert line[0] in result.output
        sub = invoke(*line, "--help")
        assert sub.exit_code == 0 and "Usage" in sub.output, line


def test_readme_documents_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        " ".join(line) for line in command_lines() if "toolkit " + " ".join(line) not in readme
    ]
    assert missing == []


def test_merge_writes_workbook_and_summary(small_ws):
    result = invoke("merge", "-w", str(small_ws))
    assert result.exit_code == 0, result.output
    out = re.search(r"已生成：(outbox/汇总台账_\d{8}_\d{6}\.xlsx)", result.output)
    assert out, result.output
    assert (small_ws / out.group(1)).exists()
    assert "统计截止日期 2025-03-31" in result.output
    assert "区农业农村局" in result.output


def test_merge_json(small_ws):
    result = invoke("merge", "-w", str(small_ws), "--json", "--as-of", "2025-04-30")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["as_of"] == "2025-04-30"
    assert Path(data["output"]).exists()
    assert {"责任单位", "任务数", "完成率", "报送状态"} <= set(data["units"][0])
    assert {f["code"] for f in data["findings"]} >= {"no-return", "file-read"}
    assert set(data["findings"][0]) == {
        "level",
        "code",
        "file",
        "sheet",
        "row",
        "column",
        "value",
        "message",
    }


def test_strict_exits_1_on_errors(small_ws):
    book = openpyxl.load_workbook(small_ws / "inbox" / "区卫健局.xlsx")
    book["台账"]["H3"] = "差不多"
    book.save(small_ws / "inbox" / "区卫健局.xlsx")
    assert invoke("merge", "-w", str(small_ws)).exit_code == 0
    result = invoke("merge", "-w", str(small_ws), "--strict")
    assert result.exit_code == 1
    assert len(list((small_ws / "outbox").glob("汇总台账_*.xlsx"))) == 2


def test_strict_exits_0_without_errors(small_ws):
    assert invoke("merge", "-w", str(small_ws), "--strict").exit_code == 0


def test_no_issue_list_exits_2(small_ws):
    (small_ws / "issues.xlsx").unlink()
    result = invoke("merge", "-w", str(small_ws))
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：找不到问题清单")
    assert "Traceback" not in result.output


def test_no_inbox_exits_2(small_ws, tmp_path):
    for path in (small_ws / "inbox").iterdir():
        path.unlink()
    (small_ws / "inbox").rmdir()
    result = invoke("merge", "-w", str(small_ws))
    assert result.exit_code == 2 and "找不到收件目录" in result.stderr


def test_bad_settings_exit_2_naming_the_key(small_ws):
    (small_ws / "toolkit.toml").write_text('due_soon_days = "七天"\n', encoding="utf-8")
    result = invoke("merge", "-w", str(small_ws))
    assert result.exit_code == 2
    assert "due_soon_days" in result.stderr and "整数" in result.stderr


def test_bad_as_of_exits_2(small_ws):
    result = invoke("merge", "-w", str(small_ws), "--as-of", "明天")
    assert result.exit_code == 2 and "--as-of" in result.stderr


def test_bad_issue_list_names_row(small_ws):
    book = openpyxl.load_workbook(small_ws / "issues.xlsx")
    book["问题清单"]["G3"] = "尽快"
    book["问题清单"]["A4"] = "5-1"
    book.save(small_ws / "issues.xlsx")
    result = invoke("merge", "-w", str(small_ws))
    assert result.exit_code == 2
    assert (
        "尽快" not in result.stderr
    )  # an unreadable deadline is a finding on its task, never a stop
    assert "第 4 行任务编号 5-1 与第 2 行重复" in result.stderr


def test_missing_sheet_and_column(small_ws):
    book = openpyxl.load_workbook(small_ws / "issues.xlsx")
    book["问题清单"]["E1"] = "备注"
    book.save(small_ws / "issues.xlsx")
    result = invoke("merge", "-w", str(small_ws))
    assert result.exit_code == 2 and "缺少列：整改措施" in result.stderr
    book["问题清单"].title = "Sheet1"
    book.save(small_ws / "issues.xlsx")
    result = invoke("merge", "-w", str(small_ws))
    assert result.exit_code == 2 and "没有名为“问题清单”的工作表" in result.stderr


def test_second_merge_never_overwrites_and_inbox_untouched(small_ws):
    before = tree_hashes(small_ws / "inbox")
    now = datetime(2025, 3, 31, 17, 0, 0)
    first = run_merge(open_workspace(small_ws), now=now).output
    first_bytes = first.read_bytes()
    second = run_merge(open_workspace(small_ws), now=now).output
    assert first != second and second.name == "汇总台账_20250331_170000_2.xlsx"
    assert first.read_bytes() == first_bytes
    assert tree_hashes(small_ws / "inbox") == before
    assert not list((small_ws / "outbox").glob(".*"))  # no temporary files left behind


def test_debug_shows_traceback(small_ws):
    (small_ws / "issues.xlsx").unlink()
    result = invoke("merge", "-w", str(small_ws), "--debug")
    assert result.exit_code != 0 and result.exception is not None


def test_init_makes_a_workspace(tmp_path):
    target = tmp_path / "新工作目录"
    result = invoke("init", str(target))
    assert result.exit_code == 0
    for name in ("inbox", "outbox", "archive", "toolkit.toml", "templates/ledger.xlsx"):
        assert (target / name).exists(), name
    assert "due_soon_days = 7" in (target / "toolkit.toml").read_text(encoding="utf-8")
    again = invoke("init", str(target))
    assert again.exit_code == 0 and "没有改动" in again.output


def test_python_m_toolkit():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "toolkit", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.startswith("toolkit ")


def copy_sample(tmp_path: Path) -> Path:
    import shutil

    ws = tmp_path / "ws"
    ws.mkdir()
    for name in ("issues.xlsx", "toolkit.toml"):
        shutil.copy(ROOT / name, ws / name)
    shutil.copytree(ROOT / "inbox", ws / "inbox")
    return ws


def test_mail_writes_a_draft_with_the_workbook(tmp_path):
    import email
    from email import policy

    ws = copy_sample(tmp_path)
    result = invoke("mail", "-w", str(ws), "--to", "boss@example.gov.cn")
    assert result.exit_code == 0, result.output
    assert "已生成 1 封邮件草稿（未发送，加 --send 发出）" in result.output
    draft = next((ws / "outbox" / "邮件").glob("汇总_*.eml"))
    message = email.message_from_bytes(draft.read_bytes(), policy=policy.default)
    assert message["Subject"] == "整改台账汇总（截至2025年3月31日）"
    attachment = next(message.iter_attachments())
    workbook = next((ws / "outbox").glob("汇总台账_*.xlsx"))
    assert attachment.get_filename() == workbook.name
    assert attachment.get_content() == workbook.read_bytes()


def test_mail_send_without_a_server_keeps_the_draft(tmp_path):
    ws = copy_sample(tmp_path)
    result = invoke("mail", "-w", str(ws), "--to", "boss@example.gov.cn", "--send")
    assert result.exit_code == 2
    assert "没有设置邮件服务器" in result.stderr and "草稿" in result.stderr
    assert list((ws / "outbox" / "邮件").glob("汇总_*.eml"))


def test_mail_bad_address(tmp_path):
    ws = copy_sample(tmp_path)
    result = invoke("mail", "-w", str(ws), "--to", "boss@")
    assert result.exit_code == 2 and "boss@" in result.stderr


def test_remind_lists_units_without_an_address(tmp_path):
    ws = copy_sample(tmp_path)
    result = invoke("remind", "-w", str(ws))
    assert result.exit_code == 0, result.output
    assert "通讯录中没有邮箱" in result.output and "区城市管理局" in result.output
    drafts = sorted(p.name for p in (ws / "outbox" / "邮件").glob("提醒_*.eml"))
    assert "提醒_区自然资源局_20250331.eml" in drafts  # sent nothing
    assert "提醒_区卫健局_20250331.eml" in drafts  # late


def test_bad_mail_settings_exit_2(tmp_path):
    ws = copy_sample(tmp_path)
    with (ws / "toolkit.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[mail]\npassword = "secret"\n')
    result = invoke("merge", "-w", str(ws))
    assert result.exit_code == 2 and "mail.password" in result.stderr


def test_readme_lists_every_finding_code():
    from toolkit.core.catalogue import CODES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code, (level, _) in CODES.items():
        assert f"| `{code}` | {level} |" in readme, code


def test_every_finding_code_is_exercised_by_a_test():
    from toolkit.core.catalogue import CODES

    sources = "".join(
        p.read_text(encoding="utf-8")
        for p in (ROOT / "tests").rglob("test_*.py")
        if p.name != "test_cli.py"
    )
    missing = [code for code in CODES if f'"{code}"' not in sources]
    assert not missing, f"no test mentions {missing}"


def test_mail_after_merge_attaches_that_workbook_and_adds_no_round(tmp_path):
    import email
    from email import policy

    ws = copy_sample(tmp_path)
    assert invoke("merge", "-w", str(ws)).exit_code == 0
    workbook = next((ws / "outbox").glob("汇总台账_*.xlsx"))
    result = invoke("mail", "-w", str(ws), "--to", "boss@example.gov.cn")
    assert result.exit_code == 0, result.output
    assert "附件为最近一次汇总（第 1 次）" in result.output
    draft = next((ws / "outbox" / "邮件").glob("汇总_*.eml"))
    assert draft.read_bytes().startswith(b"X-Unsent: 1")
    message = email.message_from_bytes(draft.read_bytes(), policy=policy.default)
    assert next(message.iter_attachments()).get_content() == workbook.read_bytes()
    runs = [
        line
        for line in invoke("history", "-w", str(ws)).output.splitlines()
        if line[:4].strip().isdigit()
    ]
    assert len(runs) == 1
    assert len(list((ws / "outbox").glob("汇总台账_*.xlsx"))) == 1


def test_parsing_a_command_loads_no_pandas_and_no_pydantic(tmp_path):
    """Every command pays for what its start loads: typer ≥ 0.29 would load pydantic to parse the
    first option (pyproject caps it), and pandas is only for the library's frames."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from toolkit.cli import app\n"
        f"result = CliRunner().invoke(app, ['merge', '-w', {str(tmp_path / '无')!r}, '--as-of', '2025-03-31'])\n"
        "print(result.exit_code, 'pandas' in sys.modules, 'pydantic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["2", "False", "False"]


def test_after_an_interrupt_half_built_objects_do_not_echo_a_traceback():
    """A Ctrl-C inside ZipFile.__init__ leaves an object whose __del__ fails at exit ("Exception
    ignored in … AttributeError: '_writing'", seen in the kill tests): after the one interrupt line
    nothing more is printed, unless --debug asks for it."""
    code = (
        "import sys\n"
        "sys.argv = ['toolkit', 'merge'] + sys.argv[1:]\n"
        "from toolkit.cli import forget_interrupt\n"
        "class HalfBuilt:\n"
        "    def __del__(self):\n"
        "        raise AttributeError('_writing')\n"
        "forget_interrupt()\n"
        "left = HalfBuilt()\n"
        "del left\n"
    )
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert quiet.stderr == ""
    debug = subprocess.run([sys.executable, "-c", code, "--debug"], capture_output=True, text=True)
    assert "_writing" in debug.stderr
