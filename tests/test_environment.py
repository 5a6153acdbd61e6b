"""Faults of the machine the tool runs on (#13): full, read-only and refusing disks, links and pipes
in the inbox, odd file names, a GBK console, a damaged archive, absurd settings, slow mail servers.

A full disk is a 40 KB tmpfs where root may mount one, else RLIMIT_FSIZE (a file size limit gives
the same failed write, EFBIG); a read-only folder is chmod 555, or, for root (whom chmod does not
stop), a read-only bind mount, or else a refusal at the OS boundary."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli import app

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "samples" / "二道区督察整改完成情况.txt"


def files_under(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def one_line(text: str) -> str:
    message = text.strip()
    assert message and "\n" not in message and "Traceback" not in message, message
    assert re.search(r"[\u4e00-\u9fff]", message), message
    return message


def toolkit(
    args: list[str],
    *,
    fsize: int | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """The command in a fresh process, optionally with a file size limit (RLIMIT_FSIZE)."""
    limit = (
        f"import resource; resource.setrlimit(resource.RLIMIT_FSIZE, ({fsize}, {fsize})); "
        if fsize
        else ""
    )
    code = f"{limit}from toolkit.cli import app; app({args!r}, prog_name='toolkit')"
    full = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=timeout, env=full, cwd=ROOT
    )


def merged(ws: Path) -> None:
    assert CliRunner().invoke(app, ["merge", "-w", str(ws)]).exit_code == 0


def can_mount() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("mount") is not None


@contextlib.contextmanager
def full_disk(folder: Path, size: str = "40k"):
    """folder on a tiny tmpfs (root); yields True, or False when no tmpfs can be mounted."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = (
        can_mount()
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@contextlib.contextmanager
def read_only(folder: Path):
    """folder made read-only: chmod 555 for an ordinary user; a read-only bind mount for root.
    Yields True, or False when neither works (the caller refuses at the OS boundary instead)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        folder.chmod(0o555)
        try:
            yield True
        finally:
            folder.chmod(0o755)
        return
    ok = (
        can_mount()
        and subprocess.run(
            ["mount", "--bind", str(folder), str(folder)], capture_output=True
        ).returncode
        == 0
    )
    if (
        ok
        and subprocess.run(
            ["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True
        ).returncode
    ):
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        ok = False
    try:
        yield ok
    finally:
        if ok:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


# ------------------------------------------------------------------ 1. write failures

COMMANDS = {
    "merge": lambda ws: ["merge", "-w", str(ws)],
    "template": lambda ws: ["template", "-w", str(ws)],
    "mail": lambda ws: ["mail", "-w", str(ws), "--to", "boss@example.gov.cn"],
    "check": lambda ws: ["check", "-w", str(ws), str(ws / "inbox" / "住建局台账（3月）.xlsx")],
    "history show": lambda ws: ["history", "show", "1", "-w", str(ws)],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_file_size_limit_gives_one_line_and_leaves_nothing(sample_ws, tmp_path, command):
    merged(sample_ws)  # run 1 in the archive; mail then only writes its draft
    before = files_under(sample_ws / "outbox")
    archived = files_under(sample_ws / "archive" / "files")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    done = toolkit(COMMANDS[command](sample_ws), fsize=4096, env={"TMPDIR": str(tmpdir)})
    message = one_line(done.stderr.decode("utf-8"))
    assert done.returncode == 2, message
    assert "超过了系统允许的大小" in message and ("outbox" in message or "archive" in message), (
        message
    )
    assert (
        files_under(sample_ws / "outbox") == before
    )  # nothing new, nothing half-written, nothing touched
    assert files_under(sample_ws / "archive" / "files") == archived
    assert list(tmpdir.iterdir()) == []  # nothing left in $TMPDIR


def test_issues_import_on_a_file_size_limit(sample_ws, tmp_path):
    issues = (sample_ws / "issues.xlsx").read_bytes()
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    done = toolkit(
        ["issues", "import", str(SEED), "-w", str(sample_ws), "--force"],
        fsize=4096,
        env={"TMPDIR": str(tmpdir)},
    )
    assert done.returncode == 2
    assert "超过了系统允许的大小" in one_line(done.stderr.decode("utf-8"))
    assert (sample_ws / "issues.xlsx").read_bytes() == issues
    assert not [p for p in sample_ws.rglob("*") if p.name.startswith(".") and p.is_file()]
    assert list(tmpdir.iterdir()) == []


@pytest.mark.parametrize("command", ["merge", "template", "mail"])
def test_full_disk(sample_ws, command):
    merged(sample_ws)
    shutil.rmtree(sample_ws / "outbox")
    with full_disk(sample_ws / "outbox") as mounted:
        if mounted:  # a 40 KB disk with 30 KB used: the first workbook fits nowhere
            (sample_ws / "outbox" / "占位.bin").write_bytes(b"\0" * 30_000)
            done = toolkit(COMMANDS[command](sample_ws))
            message, cause = one_line(done.stderr.decode("utf-8")), "磁盘空间不足"
        else:  # no tmpfs here: a file size limit fails the same writes
            done = toolkit(COMMANDS[command](sample_ws), fsize=4096)
            message, cause = one_line(done.stderr.decode("utf-8")), "超过了系统允许的大小"
        assert done.returncode == 2 and cause in message and "outbox" in message, message
        left = sorted(p.name for p in (sample_ws / "outbox").rglob("*"))
        assert left == (["占位.bin"] if mounted else []), (
            left
        )  # no half ledgers, no truncated .eml, no temp


@pytest.mark.parametrize("command", ["merge", "template", "mail", "check"])
def test_read_only_outbox(sample_ws, monkeypatch, command):
    merged(sample_ws)
    before = files_under(sample_ws / "outbox")
    with read_only(sample_ws / "outbox") as applied:
        if applied:
            done = toolkit(COMMANDS[command](sample_ws))
            code, message = done.returncode, one_line(done.stderr.decode("utf-8"))
        else:  # refused at the OS boundary

            def refuse(*args, **kwargs):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS))

            for name in ("link", "replace", "rename"):
                monkeypatch.setattr(os, name, refuse)
            monkeypatch.setattr("tempfile.mkdtemp", refuse)
            result = CliRunner().invoke(app, COMMANDS[command](sample_ws))
            code, message = result.exit_code, one_line(result.stderr)
        assert code == 2, message
        assert ("只读" in message or "拒绝写入" in message) and "outbox" in message, message
    assert files_under(sample_ws / "outbox") == before


def test_xlsxwriter_wrapping_the_oserror_is_still_one_line(small_ws, monkeypatch):
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    def close(self):
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:
            raise FileCreateError(exc) from None

    monkeypatch.setattr(xlsxwriter.Workbook, "close", close)
    result = CliRunner().invoke(app, ["merge", "-w", str(small_ws)])
    assert result.exit_code == 2
    message = one_line(result.stderr)
    assert "磁盘空间不足" in message and "outbox" in message and "内部错误" not in message


def test_lxml_error_without_errno_is_told_as_a_full_disk(sample_ws, monkeypatch):
    from lxml import etree
    from openpyxl.writer.excel import ExcelWriter

    def write_data(self):
        raise etree.SerialisationError("IO_ENOSPC")

    monkeypatch.setattr(ExcelWriter, "write_data", write_data)
    result = CliRunner().invoke(app, ["template", "-w", str(sample_ws)])
    assert result.exit_code == 2
    assert "磁盘空间不足" in one_line(result.stderr)
    assert not (sample_ws / "outbox").exists() or not list((sample_ws / "outbox").iterdir())


def test_write_fault_sees_through_wrappers():
    from xlsxwriter.exceptions import FileCreateError

    from toolkit.write.files import write_fault

    assert write_fault(FileCreateError(OSError(errno.EFBIG, "File too large"))) == errno.EFBIG
    try:
        try:
            raise PermissionError(errno.EACCES, "Permission denied")
        except OSError:
            raise RuntimeError("wrapped") from None
    except RuntimeError as wrapped:
        assert write_fault(wrapped) == errno.EACCES  # still its context, though not shown
    assert write_fault(ValueError("nothing to do with disks")) is None
    assert write_fault(OSError(errno.ENOENT, "No such file or directory")) is None


# ------------------------------------------------------------------ 3. the inbox


def run_merge_json(ws: Path, timeout: float = 240) -> dict:
    done = toolkit(["merge", "-w", str(ws), "--json"], timeout=timeout)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return json.loads(done.stdout)


def codes_for(data: dict, name: str) -> set[str]:
    return {f["code"] for f in data["findings"] if f["file"] == name}


def test_links_pipes_and_devices_are_listed_never_opened(small_ws, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("任务编号,完成状态\n5-1,绝密内容\n", encoding="utf-8")
    outside_pipe = tmp_path / "pipe"
    os.mkfifo(outside_pipe)
    inbox = small_ws / "inbox"
    (inbox / "shadow.csv").symlink_to(secret)
    (inbox / "零.xlsx").symlink_to("/dev/zero")
    (inbox / "管道链接.xlsx").symlink_to(outside_pipe)
    os.mkfifo(inbox / "管道.xlsx")
    (inbox / "本目录链接.xlsx").symlink_to(
        inbox / "区卫健局.xlsx"
    )  # inside the inbox: read as usual
    data = run_merge_json(small_ws)  # would hang on the pipe or /dev/zero if either were opened
    assert "link-outside-inbox" in codes_for(data, "shadow.csv")
    assert "link-outside-inbox" in codes_for(data, "零.xlsx")
    assert "link-outside-inbox" in codes_for(data, "管道链接.xlsx")
    assert "not-a-file" in codes_for(data, "管道.xlsx")
    assert "file-read" in codes_for(data, "本目录链接.xlsx")
    for blob in (small_ws / "archive" / "files").rglob("*"):
        if blob.is_file():
            assert (
                b"\xe7\xbb\x9d\xe5\xaf\x86" not in blob.read_bytes()
            )  # 绝密 never copied into the archive
    assert not list((small_ws / "archive" / "files").rglob("*.tmp"))


def test_zip_members_with_unsafe_names_are_listed(small_ws):
    inbox = small_ws / "inbox"
    good = (inbox / "区卫健局.xlsx").read_bytes()
    with zipfile.ZipFile(inbox / "打包.zip", "w") as archive:
        archive.writestr("../x.xlsx", good)
        archive.writestr("/abs/y.xlsx", good)
        archive.writestr("ok/区卫健局.xlsx", good)
    data = run_merge_json(small_ws)
    unsafe = {f["file"] for f in data["findings"] if f["code"] == "unsafe-zip-name"}
    assert unsafe == {"打包.zip/../x.xlsx", "打包.zip//abs/y.xlsx"}
    assert "file-read" in codes_for(data, "打包.zip/ok/区卫健局.xlsx")


def test_deep_and_unreadable_folders_are_reported(small_ws, monkeypatch, request):
    from toolkit.api.merge import run_merge
    from toolkit.api.workspace import open_workspace

    made = []
    deep = small_ws / "inbox"
    for _ in range(1300):
        deep = deep / "d"
        deep.mkdir()
        made.append(deep)
    request.addfinalizer(
        lambda: [folder.rmdir() for folder in reversed(made)]
    )  # rmtree would recurse too
    (small_ws / "inbox" / "锁住").mkdir()
    real = os.scandir

    def scandir(path):
        if isinstance(path, (str, os.PathLike)) and Path(path).name == "锁住":
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    run = run_merge(open_workspace(small_ws))
    codes = {(f.code, f.file) for f in run.result.report.findings}
    assert any(code == "folder-too-deep" and file.startswith("d/d/") for code, file in codes)
    assert ("unreadable-folder", "锁住") in codes
    assert run.result.totals()["已读取"] == 2  # the two ledgers are merged as ever


def test_gbk_file_name_is_merged_checked_and_mailed_under_a_readable_name(small_ws):
    inbox = small_ws / "inbox"
    raw = os.fsencode(inbox) + b"/" + "区农业农村局报送".encode("gbk") + b".xlsx"
    os.rename(inbox / "区农业农村局.xlsx", raw)
    data = run_merge_json(small_ws)
    assert "file-read" in codes_for(data, "区农业农村局报送.xlsx")
    done = toolkit(["check", "-w", str(small_ws), os.fsdecode(raw)])
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert "区农业农村局报送.xlsx" in done.stdout.decode("utf-8")
    mailed = toolkit(["mail", "-w", str(small_ws), "--to", "boss@example.gov.cn"])
    assert mailed.returncode == 0, mailed.stderr.decode("utf-8", "replace")


def test_archive_copy_is_one_read_within_the_limits(tmp_path):
    from toolkit.archive.copies import sha256_file
    from toolkit.archive.store import Archive
    from toolkit.core.errors import NotKept

    archive = Archive(tmp_path / "archive")
    try:
        source = tmp_path / "a.xlsx"
        source.write_bytes(os.urandom(3 * 2**20))
        digest, size, _ = archive.keep(source)
        assert sha256_file(archive.blob(digest)) == digest and size == 3 * 2**20
        with pytest.raises(NotKept, match="max_file_mb"):
            archive.keep(source, max_bytes=2**20)
        os.mkfifo(tmp_path / "pipe")
        with pytest.raises(OSError):
            archive.keep(tmp_path / "pipe")  # never blocks: a pipe is not a regular file
        assert not list((tmp_path / "archive" / "files").rglob("*.tmp"))
    finally:
        archive.close()


# ------------------------------------------------------------------ 4. the console's encoding


def test_gbk_console_merge_and_check(sample_ws):
    gbk = {"PYTHONIOENCODING": "gbk"}
    done = toolkit(["merge", "-w", str(sample_ws)], env=gbk)
    assert done.returncode == 0, done.stderr.decode("gbk", "replace")
    text = done.stdout.decode("gbk")
    assert " > " in text and "已生成" in text
    data = toolkit(["merge", "-w", str(sample_ws), "--json"], env=gbk)
    assert data.returncode == 0 and data.stdout.isascii()
    assert json.loads(data.stdout)["totals"]["任务数"] > 0
    checked = toolkit(
        ["check", "-w", str(sample_ws), str(sample_ws / "inbox" / "住建局台账（3月）.xlsx")],
        env=gbk,
    )
    assert checked.returncode == 0
    assert checked.stdout.decode("gbk").startswith("x ")


def test_json_is_utf8_when_stdout_takes_it(small_ws):
    done = toolkit(["merge", "-w", str(small_ws), "--json"], env={"PYTHONIOENCODING": "utf-8"})
    assert "任务数" in done.stdout.decode("utf-8")


def test_characters_degrade_instead_of_failing():
    from toolkit.render import ERRORS

    assert "a\u2002b › ✘ ✔ …".encode("gbk", errors=ERRORS).decode("gbk") == "a b > x v …"
    assert "› ✘\u2002Ａ".encode("ascii", errors=ERRORS) == b"> x A"


# ------------------------------------------------------------------ 5. archive and settings


def damage(database: Path) -> None:
    data = bytearray(database.read_bytes())
    for i in range(4096 * 3, min(len(data), 4096 * 5)):
        data[i] = 0x5A
    database.write_bytes(bytes(data))


def test_damaged_archive_is_named_and_repaired(small_ws):
    runner = CliRunner()
    for _ in range(3):
        merged(small_ws)
    database = small_ws / "archive" / "history.sqlite"
    con = sqlite3.connect(database)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    damage(database)
    result = runner.invoke(app, ["merge", "-w", str(small_ws)])
    assert result.exit_code == 2
    message = one_line(result.stderr)
    assert "已损坏" in message and "toolkit history --repair" in message
    repaired = runner.invoke(app, ["history", "--repair", "-w", str(small_ws)])
    assert repaired.exit_code == 0, repaired.output
    kept = list((small_ws / "archive").glob("history.damaged-*.sqlite"))
    assert len(kept) == 1 and "改名保留" in repaired.output
    con = sqlite3.connect(database)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()
    assert runner.invoke(app, ["merge", "-w", str(small_ws)]).exit_code == 0
    again = runner.invoke(app, ["history", "--repair", "-w", str(small_ws)])
    assert again.exit_code == 0 and "完好" in again.output


def test_archive_that_is_not_a_database(small_ws):
    (small_ws / "archive").mkdir()
    (small_ws / "archive" / "history.sqlite").write_bytes(b"this is not sqlite" * 100)
    result = CliRunner().invoke(app, ["history", "-w", str(small_ws)])
    assert result.exit_code == 2 and "--repair" in one_line(result.stderr)
    assert CliRunner().invoke(app, ["history", "--repair", "-w", str(small_ws)]).exit_code == 0
    assert CliRunner().invoke(app, ["merge", "-w", str(small_ws)]).exit_code == 0


@pytest.mark.parametrize(
    "toml, words",
    [
        ('[paths]\noutbox = "inbox"\n', "paths.outbox"),
        ('[paths]\narchive = "inbox/留档"\n', "paths.archive"),
        ('[paths]\ninbox = "outbox/收件"\n', "paths.outbox"),
        ('[paths]\ninbox = "./inbox/"\noutbox = "inbox/../inbox"\n', "paths.outbox"),
        ("[limits]\nmemory_mb = 99999999999999\n", "limits.memory_mb"),
        ("[limits]\nmemory_mb = 10\n", "limits.memory_mb"),
        ("[limits]\nfile_timeout_s = 0\n", "limits.file_timeout_s"),
        ("[limits]\nmax_unzipped_mb = -5\n", "limits.max_unzipped_mb"),
        ("[limits]\nworkers = 100000\n", "limits.workers"),
    ],
)
def test_settings_refused_at_load(small_ws, toml, words):
    (small_ws / "toolkit.toml").write_text(toml, encoding="utf-8")
    result = CliRunner().invoke(app, ["merge", "-w", str(small_ws)])
    assert result.exit_code == 2
    assert words in one_line(result.stderr)
    assert not (small_ws / "outbox").exists()


def test_settings_file_that_is_a_folder_or_unreadable(small_ws, monkeypatch):
    (small_ws / "toolkit.toml").unlink()
    (small_ws / "toolkit.toml").mkdir()
    result = CliRunner().invoke(app, ["merge", "-w", str(small_ws)])
    assert result.exit_code == 2 and "文件夹" in one_line(result.stderr)
    (small_ws / "toolkit.toml").rmdir()
    (small_ws / "toolkit.toml").write_text('as_of = "2025-03-31"\n', encoding="utf-8")

    def refuse(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", refuse)
    result = CliRunner().invoke(app, ["merge", "-w", str(small_ws)])
    assert result.exit_code == 2 and "无法读取" in one_line(result.stderr)


# ------------------------------------------------------------------ 6. SMTP


@contextlib.contextmanager
def scripted_server(script):
    """A one-connection SMTP server on 127.0.0.1 that plays script(conn)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    state = {"sent": 0}

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            try:
                script(conn, state)
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], state
    finally:
        listener.close()
        thread.join(10)


def trickle(conn: socket.socket, state: dict) -> None:
    """A greeting one byte at a time, 20 a second: 600 bytes would take 30 seconds."""
    import time

    for byte in b"220-" + b"x" * 590 + b"\r\n":
        conn.sendall(bytes([byte]))
        state["sent"] += 1
        time.sleep(0.05)


def drop_in_data(conn: socket.socket, state: dict) -> None:
    """A normal server until DATA, which it accepts and then hangs up halfway through."""
    conn.sendall(b"220 test ESMTP\r\n")
    reader = conn.makefile("rb")
    while True:
        line = reader.readline()
        if not line:
            return
        verb = line[:4].upper()
        if verb in (b"EHLO", b"HELO"):
            conn.sendall(b"250 test\r\n")
        elif verb == b"DATA":
            conn.sendall(b"354 go ahead\r\n")
            reader.read(2000)
            conn.shutdown(socket.SHUT_RDWR)
            return
        else:
            conn.sendall(b"250 ok\r\n")


def send_summary(tmp_path: Path, port: int, timeout: float):
    from email.message import EmailMessage

    from toolkit.core.mail_settings import MailSettings
    from toolkit.deliver.smtp import send

    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = "汇总", "zgb@example.gov.cn", "boss@example.gov.cn"
    msg.set_content("正文")
    msg.add_attachment(
        os.urandom(300_000), maintype="application", subtype="octet-stream", filename="a.bin"
    )
    mail = MailSettings(
        host="127.0.0.1", port=port, security="none", sender="zgb@example.gov.cn", timeout=timeout
    )
    return send([msg], mail, [tmp_path / "draft.eml"])


def test_smtp_timeout_is_a_deadline_for_the_whole_send(tmp_path):
    from toolkit.core.errors import MailError

    with scripted_server(trickle) as (port, state):
        with pytest.raises(MailError) as caught:
            send_summary(tmp_path, port, timeout=1)
        assert state["sent"] < 590  # gave up while the server was still trickling its greeting
    assert "超时" in str(caught.value)


def test_smtp_connection_dropped_mid_data_is_not_a_port_problem(tmp_path):
    from toolkit.core.errors import MailError

    with scripted_server(drop_in_data) as (port, _):
        with pytest.raises(MailError) as caught:
            send_summary(tmp_path, port, timeout=10)
    message = str(caught.value)
    assert "发送过程中" in message and "断开" in message or "连接出错" in message, message
    assert "security" not in message and "端口" not in message, message
    assert (tmp_path / "draft.eml").exists()
