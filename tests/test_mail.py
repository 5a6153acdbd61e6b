"""toolkit.mail against real SMTP servers on loopback (aiosmtpd), started and stopped by each test."""

from __future__ import annotations

import dataclasses
import email
import email.header
import email.policy
import shutil
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

from toolkit.api.merge import run_merge
from toolkit.core.errors import MailError, MailSetupError, SettingsError
from toolkit.core.mail_settings import MailSettings
from toolkit.core.model.merge_result import UnitSummary
from toolkit.core.settings import Settings
from toolkit.core.settings_file import load_mail_settings, load_settings
from toolkit.deliver.contacts import read_contacts
from toolkit.deliver.mail import (
    drafts_folder,
    newest_workbook,
    reminder_messages,
    save_drafts,
    summary_message,
)
from toolkit.deliver.smtp import send

ROOT = Path(__file__).resolve().parents[1]
SUBJECT = "整改台账汇总（截至2025年3月31日）"
SENDER = "整改办 <zgb@example.gov.cn>"
USER, PASSWORD = "zgb@example.gov.cn", "s3cret-Pass"


def make_workspace(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in ("issues.xlsx", "toolkit.toml"):
        shutil.copy2(ROOT / name, target / name)
    for name in ("templates", "inbox"):
        shutil.copytree(ROOT / name, target / name)
    return target


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    ws = make_workspace(tmp_path_factory.mktemp("mail") / "ws")
    settings = load_settings(ws)
    return settings, run_merge(settings)


@pytest.fixture
def summary(merged):
    settings, run = merged
    return summary_message(
        run.result,
        run.output,
        ["张局长 <boss@example.gov.cn>", "b@example.gov.cn"],
        ["c@example.gov.cn"],
        SENDER,
        colors=settings.colors,
    )


# ---------------------------------------------------------------- loopback servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """aiosmtpd handler: keeps what arrives; refuses any nobody@ recipient."""

    def __init__(self, data_reply: str = "250 Message accepted") -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.data_reply = data_reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply.startswith("250"):
            self.received.append(
                (
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    bytes(envelope.original_content or envelope.content),
                )
            )
        return self.data_reply


def check_password(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult

    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with cryptography or else openssl."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        import datetime
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID
    except ImportError:
        if not shutil.which("openssl"):
            pytest.skip("neither cryptography nor openssl available to make a test certificate")
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
        return cert, key
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(private, hashes.SHA256())
    )
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert, key


def server_context(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


@pytest.fixture
def smtp_server():
    """start(**aiosmtpd options) → (Recorder, port); every server is stopped after the test."""
    controller_module = pytest.importorskip("aiosmtpd.controller")
    started = []

    def start(data_reply: str = "250 Message accepted", **options):
        handler, port = Recorder(data_reply), free_port()
        controller = controller_module.Controller(
            handler, hostname="127.0.0.1", port=port, **options
        )
        controller.start()
        started.append(controller)
        return handler, port

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def silent_server():
    """A server socket that accepts connections and never says anything."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


def settings_for(port: int, **changes) -> MailSettings:
    base = MailSettings(host="127.0.0.1", port=port, security="none", sender=SENDER, timeout=5)
    return dataclasses.replace(base, **changes)


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


# ---------------------------------------------------------------- the message itself


def test_summary_message_parses_back(merged, summary):
    _, run = merged
    raw = summary.as_bytes()
    assert all(line.isascii() for line in raw.split(b"\r\n")), "headers and bodies stay 7-bit"
    msg = parse(raw)
    assert msg["Subject"] == SUBJECT
    assert msg["From"].addresses[0].display_name == "整改办"
    assert [a.addr_spec for a in msg["To"].addresses] == ["boss@example.gov.cn", "b@example.gov.cn"]
    assert msg["To"].addresses[0].display_name == "张局长"
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_content() == run.output.read_bytes()
    assert (
        attachment.get_content_type()
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = run.output.name
    assert attachment.get_filename() == name  # RFC 2231 filename*= on Content-Disposition
    assert attachment["Content-Type"].params["name"] == name  # RFC 2047 words in name=
    assert b"filename*=utf-8''%E6%B1%87%E6%80%BB" in raw
    assert b'name="=?utf-8?b?' in raw
    # What older clients see (the compat32 parser): the same name from both places.
    legacy = email.message_from_bytes(raw)
    part = [p for p in legacy.walk() if p.get_content_maintype() == "application"][0]
    assert part.get_filename() == name
    words = email.header.decode_header(part.get_param("name"))
    assert "".join(b.decode(c or "ascii") if isinstance(b, bytes) else b for b, c in words) == name
    text = msg.get_body(("plain",)).get_content()
    page = msg.get_body(("html",)).get_content()
    for body in (text, page):
        assert "三、逾期任务（9 项；另有未报送但已过完成时限的 1 项）" in body
        assert "区自然资源局" in body and "13-2" in body and "274" in body
        assert name in body
    assert "<style" not in page and "background-color:#FFC7CE" in page and "color:#9C0006" in page
    assert 'bgcolor="#D9D9D9"' in page  # the unit that sent nothing, grey as in the workbook


def test_long_chinese_file_name_is_split_into_whole_characters(merged, tmp_path):
    _, run = merged
    long_name = (
        "二道区生态环境保护督察反馈问题整改台账汇总表（截至二〇二五年三月三十一日）最终版.xlsx"
    )
    copy = tmp_path / long_name
    shutil.copy2(run.output, copy)
    msg = summary_message(run.result, copy, ["a@example.gov.cn"], (), SENDER)
    raw = msg.as_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    part = next(parse(raw).iter_attachments())
    assert part.get_filename() == long_name
    assert part["Content-Type"].params["name"] == long_name
    legacy = [
        p for p in email.message_from_bytes(raw).walk() if p.get_content_maintype() == "application"
    ][0]
    words = email.header.decode_header(legacy.get_param("name"))
    assert "".join(b.decode(c) for b, c in words) == long_name


def test_unit_text_is_escaped_and_colours_come_from_settings(merged):
    settings, run = merged
    odd = UnitSummary("<img src=x onerror=alert(1)>局", tasks=1, overdue=1, files=["a.xlsx"])
    result = dataclasses.replace(run.result, units=[odd, *run.result.units])
    colors = {**settings.colors, "逾期": {"fill": "0000FF", "font": "FFFFFF"}}
    msg = summary_message(result, run.output, ["a@example.gov.cn"], (), SENDER, colors=colors)
    page = msg.get_body(("html",)).get_content()
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;局" in page
    assert "background-color:#0000FF;color:#FFFFFF;" in page and "#FFC7CE" not in page
    assert "<img src=x onerror=alert(1)>局" in msg.get_body(("plain",)).get_content()


def test_bad_addresses_are_refused(merged):
    _, run = merged
    with pytest.raises(MailSetupError, match="收件人地址“boss@”格式不对"):
        summary_message(run.result, run.output, ["boss@"], (), SENDER)
    with pytest.raises(MailSetupError, match="没有收件人"):
        summary_message(run.result, run.output, [], (), SENDER)


def test_drafts_are_never_overwritten(summary, tmp_path):
    first = save_drafts([summary], tmp_path / "邮件")
    second = save_drafts([summary], tmp_path / "邮件")
    assert [p.name for p in first + second] == ["汇总_20250331.eml", "汇总_20250331_2.eml"]
    assert parse(first[0].read_bytes())["Subject"] == SUBJECT
    assert first[0].read_bytes() == second[0].read_bytes()


def test_newest_workbook(merged):
    settings, run = merged
    assert newest_workbook(settings) == run.output
    assert newest_workbook(Settings(workspace=Path("/nonexistent"))) is None


# ---------------------------------------------------------------- sending


def test_plain_smtp_delivers_attachment_byte_identical(merged, summary, smtp_server, tmp_path):
    _, run = merged
    server, port = smtp_server()
    drafts = save_drafts([summary], tmp_path)
    results = send([summary], settings_for(port), drafts)
    assert [r.sent for r in results] == [True] and results[0].refused == {}
    ((mail_from, rcpt, raw),) = server.received
    assert mail_from == "zgb@example.gov.cn"
    assert sorted(rcpt) == ["b@example.gov.cn", "boss@example.gov.cn", "c@example.gov.cn"]
    msg = parse(raw)
    assert msg["Subject"] == SUBJECT
    part = next(msg.iter_attachments())
    assert part.get_filename() == run.output.name
    assert part["Content-Type"].params["name"] == run.output.name
    assert part.get_content() == run.output.read_bytes()
    assert drafts[0].exists()
    assert results[0].line().startswith(f"已发出：{SUBJECT}")


def test_starttls_and_login(summary, smtp_server, certificate, tmp_path, monkeypatch):
    server, port = smtp_server(
        tls_context=server_context(certificate), require_starttls=True, authenticator=check_password
    )
    monkeypatch.setenv("TOOLKIT_SMTP_PASSWORD", PASSWORD)
    settings = settings_for(port, security="starttls", user=USER, verify_tls=False)
    results = send([summary], settings, save_drafts([summary], tmp_path))
    assert results[0].sent
    assert parse(server.received[0][2])["Subject"] == SUBJECT


def test_implicit_tls_and_login(summary, smtp_server, certificate, tmp_path, monkeypatch):
    server, port = smtp_server(
        ssl_context=server_context(certificate),
        authenticator=check_password,
        auth_require_tls=False,
    )
    monkeypatch.setenv("MY_MAIL_PASSWORD", PASSWORD)
    settings = settings_for(
        port, security="ssl", user=USER, verify_tls=False, password_env="MY_MAIL_PASSWORD"
    )
    assert send([summary], settings, save_drafts([summary], tmp_path))[0].sent
    assert len(server.received) == 1


def one_line_error(summary, settings, folder) -> tuple[str, list[Path]]:
    drafts = save_drafts([summary], folder)
    with pytest.raises(MailError) as caught:
        send([summary], settings, drafts)
    message = str(caught.value)
    assert "\n" not in message and caught.value.exit_code == 1
    assert all(p.exists() for p in drafts) and str(drafts[0]) in message
    return message, drafts


def test_refused_connection(summary, tmp_path):
    port = free_port()  # nothing listens there
    message, _ = one_line_error(summary, settings_for(port), tmp_path)
    assert message.startswith(f"无法连接邮件服务器 127.0.0.1:{port}（连接被拒绝）")
    assert "邮件已保存为草稿" in message


def test_failed_login(summary, smtp_server, tmp_path, monkeypatch):
    server, port = smtp_server(authenticator=check_password, auth_require_tls=False)
    monkeypatch.setenv("TOOLKIT_SMTP_PASSWORD", "wrong")
    message, _ = one_line_error(summary, settings_for(port, user=USER), tmp_path)
    assert message.startswith("邮件服务器拒绝登录（用户名或密码错误")
    assert "TOOLKIT_SMTP_PASSWORD" in message
    assert server.received == []


@pytest.mark.parametrize("security", ["none", "ssl"])
def test_timeout(summary, silent_server, tmp_path, security):
    settings = settings_for(silent_server, security=security, timeout=1)
    message, _ = one_line_error(summary, settings, tmp_path)
    assert message.startswith(f"连接邮件服务器 127.0.0.1:{silent_server} 超时（1 秒无响应）")


def test_tls_failures(summary, smtp_server, certificate, tmp_path):
    _, plain = smtp_server()
    message, _ = one_line_error(summary, settings_for(plain, security="ssl"), tmp_path / "a")
    assert message.startswith(f"与邮件服务器 127.0.0.1:{plain} 建立加密连接失败")
    _, tls = smtp_server(tls_context=server_context(certificate))
    message, _ = one_line_error(summary, settings_for(tls, security="starttls"), tmp_path / "b")
    assert message.startswith(
        f"邮件服务器 127.0.0.1:{tls} 的证书未通过验证（自签名证书，不受信任）"
    )
    message, _ = one_line_error(summary, settings_for(plain, security="starttls"), tmp_path / "c")
    assert message.startswith(f"邮件服务器 127.0.0.1:{plain} 不支持 STARTTLS")


def test_missing_password_variable_keeps_the_draft(summary, tmp_path, monkeypatch):
    monkeypatch.delenv("TOOLKIT_SMTP_PASSWORD", raising=False)
    draft = tmp_path / "not-yet-saved.eml"
    with pytest.raises(MailSetupError) as caught:
        send([summary], settings_for(free_port(), user=USER), [draft])
    assert "请先设置环境变量 TOOLKIT_SMTP_PASSWORD" in str(caught.value) and "\n" not in str(
        caught.value
    )
    assert caught.value.exit_code == 2
    assert parse(draft.read_bytes())["Subject"] == SUBJECT  # send() saved what the caller had not


def test_refused_recipient_does_not_stop_the_others(merged, smtp_server, tmp_path):
    _, run = merged
    server, port = smtp_server()
    bad = summary_message(run.result, run.output, ["nobody@example.gov.cn"], (), SENDER)
    half = summary_message(
        run.result, run.output, ["nobody@example.gov.cn", "a@example.gov.cn"], (), SENDER
    )
    good = summary_message(run.result, run.output, ["b@example.gov.cn"], (), SENDER)
    results = send([bad, half, good], settings_for(port), save_drafts([bad, half, good], tmp_path))
    assert [r.sent for r in results] == [False, True, True]
    assert results[0].error.startswith("收件人地址全部被拒收：nobody@example.gov.cn（550 5.1.1")
    assert list(results[1].refused) == ["nobody@example.gov.cn"]
    assert [rcpt for _, rcpt, _ in server.received] == [["a@example.gov.cn"], ["b@example.gov.cn"]]


def test_server_closing_mid_run_stops_and_keeps_the_rest(summary, smtp_server, tmp_path):
    server, port = smtp_server(data_reply="421 4.3.0 Service shutting down")
    drafts = save_drafts([summary, summary], tmp_path)
    with pytest.raises(MailError) as caught:
        send([summary, summary], settings_for(port), drafts)
    message = str(caught.value)
    assert message.startswith(
        f"邮件服务器 127.0.0.1:{port} 返回错误（421 4.3.0 Service shutting down），"
        f"已发出 0 封，未发出的 2 封已保存为草稿 {tmp_path}（2 封）"
    )
    assert [r.sent for r in caught.value.results] == [False, False]
    assert caught.value.results[0].error.startswith(f"邮件服务器 127.0.0.1:{port} 返回错误（421")
    assert all(p.exists() for p in drafts) and server.received == []


# ---------------------------------------------------------------- reminders


@pytest.fixture
def remind_ws(tmp_path):
    import openpyxl

    ws = make_workspace(tmp_path / "ws")
    book = openpyxl.load_workbook(ws / "issues.xlsx")
    if "单位通讯录" in book.sheetnames:  # the bundled sample has its own; this test brings its own
        del book["单位通讯录"]
    sheet = book.create_sheet("单位通讯录")
    sheet.append(["责任单位", "联系人", "邮箱"])
    sheet.append(["区卫健局", "张三", "wjj@example.gov.cn"])
    sheet.append(
        ["区城管局", "李四", "cgj@example.gov.cn；cgj2@example.gov.cn"]
    )  # an alias, two addresses
    sheet.append(["农业农村局", "王五", "nyj@example.gov.cn"])  # without its leading 区
    sheet.append(["区住建局", "赵六", "zjj at example"])  # not an address
    sheet.append(["区自然资源局", "", "zrj@example.gov.cn"])
    book.save(ws / "issues.xlsx")
    return ws


def test_read_contacts(remind_ws, tmp_path):
    contacts = read_contacts(remind_ws / "issues.xlsx")
    assert contacts["区城管局"].emails == ["cgj@example.gov.cn", "cgj2@example.gov.cn"]
    assert contacts["区住建局"].emails == [] and contacts["区住建局"].invalid == [
        "zjj",
        "at",
        "example",
    ]
    assert contacts["区卫健局"].name == "张三" and contacts["区卫健局"].rows == [2]
    import openpyxl

    openpyxl.Workbook().save(tmp_path / "no-contacts.xlsx")
    assert read_contacts(tmp_path / "no-contacts.xlsx") == {}  # the CLI says there is no 单位通讯录


def test_reminders(remind_ws, smtp_server, tmp_path):
    settings = load_settings(remind_ws)
    result = run_merge(settings).result  # the issue list still loads with the extra sheet
    contacts = read_contacts(settings.path("issues"))
    messages, missing = reminder_messages(result, contacts, SENDER, colors=settings.colors)
    assert missing == ["区生态环境分局", "区住建局"]  # overdue, but no (usable) address
    assert [m.unit for m in messages] == [
        "区农业农村局",
        "区城市管理局",
        "区卫健局",
        "区自然资源局",
    ]
    by_unit = {m.unit: m for m in messages}
    health = parse(by_unit["区卫健局"].as_bytes())
    assert health["Subject"] == "【整改提醒】区卫健局：逾期2项（截至2025年3月31日）"
    assert health["To"].addresses[0].display_name == "区卫健局 张三"
    text = health.get_body(("plain",)).get_content()
    assert "13-1" in text and "13-2" in text and "逾期274天" in text and "张三：您好！" in text
    silent = parse(by_unit["区自然资源局"].as_bytes())
    assert silent["Subject"] == "【整改提醒】区自然资源局：尚未报送整改台账（截至2025年3月31日）"
    assert (
        "尚未收到贵单位（区自然资源局）报送的整改台账" in silent.get_body(("plain",)).get_content()
    )
    assert "整改办　2025年3月31日" in silent.get_body(("plain",)).get_content()

    drafts = save_drafts(messages, drafts_folder(settings))
    assert drafts[2].name == "提醒_区卫健局_20250331.eml"
    assert drafts[2].parent == remind_ws / "outbox" / "邮件"
    server, port = smtp_server()
    assert all(r.sent for r in send(messages, settings_for(port), drafts))
    assert [rcpt for _, rcpt, _ in server.received][1] == [
        "cgj@example.gov.cn",
        "cgj2@example.gov.cn",
    ]
    assert [parse(raw)["Subject"] for _, _, raw in server.received] == [
        m["Subject"] for m in messages
    ]


def test_contacts_sheet_without_a_header_is_an_error(tmp_path):
    import openpyxl

    from toolkit.core.errors import IssueListError

    book = openpyxl.Workbook()
    book.active.title = "单位通讯录"
    book.active.append(["单位", "电话"])
    book.save(tmp_path / "issues.xlsx")
    with pytest.raises(IssueListError, match="第 1 行应为 责任单位、联系人、邮箱"):
        read_contacts(tmp_path / "issues.xlsx")


# ---------------------------------------------------------------- settings


def mail_settings(tmp_path: Path, table: str) -> MailSettings:
    (tmp_path / "toolkit.toml").write_text(
        f"as_of = 2025-03-31\n\n[mail]\n{table}\n", encoding="utf-8"
    )
    return load_mail_settings(Settings(workspace=tmp_path))


def test_mail_settings_defaults(tmp_path):
    assert load_mail_settings(Settings(workspace=tmp_path)) == MailSettings()
    got = mail_settings(
        tmp_path,
        'host = "smtp.example.gov.cn"\nsecurity = "starttls"\nfrom = "整改办 <zgb@example.gov.cn>"',
    )
    assert (got.port, got.security, got.sender, got.password_env, got.timeout, got.verify_tls) == (
        587,
        "starttls",
        SENDER,
        "TOOLKIT_SMTP_PASSWORD",
        30.0,
        True,
    )
    assert mail_settings(tmp_path, 'security = "none"').port == 25
    assert mail_settings(tmp_path, 'security = "SSL"').port == 465
    assert mail_settings(tmp_path, "port = 2525\ntimeout = 5").port == 2525


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('hots = "x"', "mail.hots 不认识"),
        ('password = "123456"', "不能写邮箱密码（mail.password）"),
        ('security = "tls"', "mail.security 应为"),
        ("port = 70000", "mail.port 应为"),
        ('port = "465"', "mail.port 应为"),
        ('host = "smtp.example.gov.cn:465"', "mail.host 应为"),
        ('from = "整改办"', "mail.from 应为"),
        ('password_env = "MY-PASS"', "mail.password_env 应为"),
        ("timeout = 0", "mail.timeout 应为"),
        ('verify_tls = "no"', "mail.verify_tls 应为"),
    ],
)
def test_mail_settings_errors(tmp_path, table, expected):
    with pytest.raises(SettingsError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        mail_settings(tmp_path, table)


# ---------------------------------------------------------------- what a person sees


def test_html_body_renders_in_headless_chromium(summary, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium not installed")
    page = tmp_path / "body.html"
    page.write_text(summary.get_body(("html",)).get_content(), encoding="utf-8")
    png = tmp_path / "body.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={png}",
            "--window-size=1000,900",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    assert (
        png.exists()
        and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        and png.stat().st_size > 20_000
    )
