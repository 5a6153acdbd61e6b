"""Mail: the consolidated workbook to leaders (`toolkit mail`) and reminders to units (`toolkit remind`).

Messages are built from a MergeResult, always saved as .eml drafts first, then optionally sent
over SMTP. Every send failure becomes a one-line Chinese MailError that names the saved drafts.
"""

from __future__ import annotations

import base64
import os
import re
import smtplib
import socket
import ssl
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from toolkit.config import DEFAULT_COLORS, SETTINGS_FILE, Settings
from toolkit.errors import IssueListError, OutputError, SettingsError, ToolkitError
from toolkit.mail_body import Body, reminder_body, subject_date, summary_body
from toolkit.merge import DUE_SOON, NOT_RETURNED, OVERDUE, DetailRow, MergeResult, UnitSummary
from toolkit.normalize import cell_text, clean_header, compact

DRAFTS_FOLDER = "邮件"  # under the outbox
CONTACTS_SHEET = "单位通讯录"
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PASSWORD_ENV = "TOOLKIT_SMTP_PASSWORD"
SECURITY_PORTS = {"ssl": 465, "starttls": 587, "none": 25}
# CRLF line ends, 7-bit headers (RFC 2047 encoded words), and raw headers left as written.
POLICY = email_policy.SMTP.clone(refold_source="none")
_ADDRESS = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+\.[A-Za-z0-9-]{2,}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_UNSAFE_FILE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


class MailError(ToolkitError):
    """Sending failed; the drafts are on disk. The message is one line, shown as is."""

    exit_code = 1

    def __init__(self, message: str, drafts: Sequence[Path] = (), results: Sequence[SendResult] = ()):
        super().__init__(message)
        self.drafts = list(drafts)
        self.results = list(results)


class MailSetupError(ToolkitError):
    """Mail can't be sent as configured (no host, no password variable, a bad address): exit 2."""


# ---------------------------------------------------------------- settings


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
    if sender and not _ADDRESS.match(parseaddr(sender)[1] or "-"):
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


# ---------------------------------------------------------------- contacts


@dataclass
class Contact:
    unit: str  # as written in the sheet
    name: str = ""
    emails: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # what could not be read as an address
    rows: list[int] = field(default_factory=list)


_CONTACT_HEADERS = {
    "unit": {"责任单位", "单位", "单位名称", "责任部门", "部门", "牵头单位"},
    "name": {"联系人", "姓名", "经办人", "联系人姓名"},
    "email": {"邮箱", "电子邮箱", "电子邮件", "邮件", "邮件地址", "邮箱地址", "email", "e-mail", "mail"},
}


def split_addresses(text: str) -> tuple[list[str], list[str]]:
    """(valid addresses, invalid pieces) from one cell: separators ; ； , ， 、 and whitespace."""
    text = re.sub(r"[;；，、\n]", ",", cell_text(text))
    pieces = ([addr or name for name, addr in getaddresses([text])] if "<" in text
              else re.split(r"[,\s]+", text))
    good, bad = [], []
    for piece in (p.strip().strip("'\"") for p in pieces):
        if piece:
            (good if _ADDRESS.match(piece) else bad).append(piece)
    return good, bad


def read_contacts(issues_xlsx: Path) -> dict[str, Contact]:
    """Sheet 单位通讯录 (责任单位, 联系人, 邮箱) of issues.xlsx, keyed by the unit as written.
    Missing sheet → {}. reminder_messages resolves the names through the issue list's aliases."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(issues_xlsx, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook gets the same message
        raise IssueListError(f"问题清单 {issues_xlsx} 无法读取（{exc}），读不到“{CONTACTS_SHEET}”") from exc
    try:
        sheet = next((book[n] for n in book.sheetnames if compact(n) == CONTACTS_SHEET), None)
        if sheet is None:
            return {}
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    columns: dict[str, int] = {}
    start = 0
    for index, row in enumerate(rows[:10]):
        found = {}
        for col, value in enumerate(row):
            key = clean_header(cell_text(value)).lower()
            for role, words in _CONTACT_HEADERS.items():
                if key in words and role not in found:
                    found[role] = col
        if "unit" in found and "email" in found:
            columns, start = found, index + 1
            break
    if not columns:
        raise IssueListError(f"问题清单 {issues_xlsx} 的“{CONTACTS_SHEET}”工作表找不到表头：第 1 行应为 "
                             "责任单位、联系人、邮箱")
    contacts: dict[str, Contact] = {}

    def get(row: list, role: str) -> str:
        col = columns.get(role)
        return cell_text(row[col]) if col is not None and col < len(row) else ""

    for number, row in enumerate(rows[start:], start=start + 1):
        unit = get(row, "unit")
        if not unit:
            continue
        contact = contacts.setdefault(unit, Contact(unit))
        name = get(row, "name")
        if name and name not in contact.name.split("、"):
            contact.name = f"{contact.name}、{name}" if contact.name else name
        good, bad = split_addresses(get(row, "email"))
        contact.emails += [a for a in good if a not in contact.emails]
        contact.invalid += bad
        contact.rows.append(number)
    return contacts


# ---------------------------------------------------------------- building messages


class MailMessage(EmailMessage):
    """An EmailMessage that knows the name of its draft file (and, for reminders, its unit)."""

    draft_stem: str = ""
    unit: str = ""


def check_addresses(addresses: Iterable[str], what: str = "收件人") -> list[Address]:
    """Parse "a@b.cn" or "张三 <a@b.cn>" (several per item allowed); MailSetupError on a bad one."""
    out: list[Address] = []
    for item in addresses:
        for name, addr in getaddresses([re.sub(r"[;；，、]", ",", item)]):
            if not _ADDRESS.match(addr or "-"):
                raise MailSetupError(f"{what}地址“{item}”格式不对，应写成 name@example.gov.cn")
            out.append(Address(display_name=name, addr_spec=addr))
    return out


def _new_message(subject: str, sender: str | None, to: Sequence[Address], cc: Sequence[Address],
                 text: str, page: str) -> MailMessage:
    msg = MailMessage(policy=POLICY)
    msg["Subject"] = subject
    domain = "localhost"
    if sender:
        msg["From"] = check_addresses([sender], "发件人")
        domain = parseaddr(sender)[1].rpartition("@")[2] or domain
    if to:
        msg["To"] = list(to)
    if cc:
        msg["Cc"] = list(cc)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content(text, cte="base64")
    msg.add_alternative(page, subtype="html", cte="base64")
    return msg


def attach(msg: EmailMessage, data: bytes, filename: str,
           mime: tuple[str, str] = XLSX_TYPE) -> None:
    """Attach with both spellings of a Chinese file name: RFC 2231 `filename*=` on Content-Disposition
    (modern clients) and RFC 2047 encoded words in Content-Type `name=` (old Outlook, Foxmail, phones)."""
    msg.add_attachment(data, maintype=mime[0], subtype=mime[1], filename=filename)
    part = list(msg.iter_attachments())[-1]
    del part["MIME-Version"]  # add_attachment puts one on the part; only the top level needs it
    words, chunk = [], ""
    for char in filename:  # encoded words of at most 75 characters, never splitting a character
        if len((chunk + char).encode("utf-8")) > 45:
            words.append(chunk)
            chunk = ""
        chunk += char
    words.append(chunk)
    encoded = "\n ".join(f"=?utf-8?b?{base64.b64encode(w.encode('utf-8')).decode('ascii')}?=" for w in words)
    del part["Content-Type"]
    part.set_raw("Content-Type", f'{mime[0]}/{mime[1]};\n name="{encoded}"')


def summary_message(result: MergeResult, workbook: Path, to: Sequence[str], cc: Sequence[str] = (),
                    sender: str | None = None, *, colors: Mapping[str, Mapping[str, str]] | None = None
                    ) -> MailMessage:
    """The consolidated workbook for leaders: totals, per-unit table, 逾期 tasks; workbook attached."""
    workbook = Path(workbook)
    recipients, copies = check_addresses(to), check_addresses(cc, "抄送")
    if not recipients:
        raise MailSetupError("没有收件人：请用 --to 指定至少一个邮箱地址")
    subject = f"整改台账汇总（{subject_date(result)}）"
    body = Body(colors or DEFAULT_COLORS)
    summary_body(body, result, workbook.name)
    msg = _new_message(subject, sender, recipients, copies, body.text(), body.html(subject))
    attach(msg, workbook.read_bytes(), workbook.name)
    msg.draft_stem = f"汇总_{result.as_of:%Y%m%d}"
    return msg


def reminder_units(result: MergeResult) -> list[tuple[UnitSummary, list[DetailRow]]]:
    """Units that sent nothing, or have 逾期, 临期 or unreported tasks, with the rows to list."""
    rank = {OVERDUE: 0, NOT_RETURNED: 1, DUE_SOON: 2}
    out = []
    for unit in result.units:
        rows = [r for r in result.rows if r.unit == unit.unit and r.state in rank]
        if rows or not unit.files:
            rows.sort(key=lambda r: (rank[r.state], -(r.overdue_days or 0)))
            out.append((unit, rows))
    return out


def reminder_messages(result: MergeResult, contacts: Mapping[str, Contact], sender: str | None = None,
                      *, cc: Sequence[str] = (), colors: Mapping[str, Mapping[str, str]] | None = None
                      ) -> tuple[list[MailMessage], list[str]]:
    """One reminder per unit that needs one; and the units that need one but have no address."""
    by_unit: dict[str, Contact] = {}
    for written, contact in contacts.items():
        by_unit.setdefault(result.issues.units.resolve(written) or written, contact)
    copies = check_addresses(cc, "抄送")
    messages, missing = [], []
    for unit, rows in reminder_units(result):
        contact = by_unit.get(unit.unit)
        if contact is None or not contact.emails:
            missing.append(unit.unit)
            continue
        body = Body(colors or DEFAULT_COLORS)
        subject = reminder_body(body, result, unit, rows, contact, sender)
        to = [Address(display_name=f"{unit.unit} {contact.name}".strip(), addr_spec=a) for a in contact.emails]
        msg = _new_message(subject, sender, to, copies, body.text(), body.html(subject))
        msg.draft_stem = f"提醒_{unit.unit}_{result.as_of:%Y%m%d}"
        msg.unit = unit.unit
        messages.append(msg)
    return messages, missing


def drafts_folder(settings: Settings) -> Path:
    return settings.path("outbox") / DRAFTS_FOLDER


def newest_workbook(settings: Settings) -> Path | None:
    """The most recently written outbox/汇总台账_*.xlsx, or None."""
    outbox = settings.path("outbox")
    found = [p for p in outbox.glob("汇总台账_*.xlsx") if p.is_file()] if outbox.is_dir() else []
    return max(found, key=lambda p: (p.stat().st_mtime_ns, p.name), default=None)


def _stem(msg: EmailMessage, index: int) -> str:
    stem = getattr(msg, "draft_stem", "") or f"邮件_{index + 1}"
    return _UNSAFE_FILE.sub("_", stem).strip(". ") or f"邮件_{index + 1}"


def save_drafts(messages: Sequence[EmailMessage], folder: Path) -> list[Path]:
    """Write each message as an .eml (opens in any mail client). Never overwrites: adds _2, _3…"""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建草稿目录 {folder}：{exc.strerror or exc}。请检查 outbox 目录的权限") from exc
    paths = []
    for index, msg in enumerate(messages):
        # X-Unsent makes Outlook open the .eml as a draft to send, not as a received message
        paths.append(_write_new(folder, _stem(msg, index), b"X-Unsent: 1\r\n" + msg.as_bytes(policy=POLICY)))
    return paths


def _write_new(folder: Path, stem: str, data: bytes) -> Path:
    n = 1
    while True:
        path = folder / (f"{stem}.eml" if n == 1 else f"{stem}_{n}.eml")
        try:
            with open(path, "xb") as handle:
                handle.write(data)
            return path
        except FileExistsError:
            n += 1
        except OSError as exc:
            raise OutputError(f"无法保存邮件草稿 {path}：{exc.strerror or exc}。请检查 outbox 目录是否可写") from exc


# ---------------------------------------------------------------- sending


@dataclass
class SendResult:
    draft: Path
    subject: str
    recipients: list[str]
    sent: bool = False
    refused: dict[str, str] = field(default_factory=dict)  # recipients the server refused → its reply
    error: str = ""  # one line, Chinese, when the message was not sent

    def line(self) -> str:
        if not self.sent:
            return f"未发出：{self.subject}。原因：{self.error}。草稿：{self.draft}"
        if self.refused:
            refused = "；".join(f"{a}（{r}）" for a, r in self.refused.items())
            return f"已发出：{self.subject}，但以下收件人被拒收：{refused}"
        return f"已发出：{self.subject} → {'、'.join(self.recipients)}"


def _where(drafts: Sequence[Path]) -> str:
    if len(drafts) == 1:
        return str(drafts[0])
    return f"{drafts[0].parent}（{len(drafts)} 封）" if drafts else "（无）"


def _reply(code: int, text: bytes | str) -> str:
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(raw.split())}".strip()


def _chain(exc: BaseException) -> Iterable[BaseException]:
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


_CERT_WORDS = {"self-signed": "自签名证书，不受信任", "expired": "证书已过期", "hostname mismatch": "证书上的服务器名称不符",
               "local issuer": "签发机构不受信任", "not yet valid": "证书尚未生效"}


def explain(exc: BaseException, mail: MailSettings) -> str:
    """A one-line Chinese reason and what to do, for an exception raised while talking to the server."""
    return "；".join(part for part in reason(exc, mail) if part)


def reason(exc: BaseException, mail: MailSettings) -> tuple[str, str]:
    """(what happened, what to do), each one line of Chinese."""
    where = f"{mail.host}:{mail.port}"
    ports = "ssl 一般用 465 端口，starttls 用 587"
    chain = list(_chain(exc))
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (f"邮件服务器拒绝登录（用户名或密码错误：{_reply(exc.smtp_code, exc.smtp_error)}）",
                f"请核对 [mail] user 和环境变量 {mail.password_env} 中的密码（不少邮箱要填“客户端授权码”）")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        if "STARTTLS" in str(exc).upper():
            return f"邮件服务器 {where} 不支持 STARTTLS 加密", '请把 [mail] security 改为 "ssl"（端口一般为 465）'
        return (f"邮件服务器 {where} 在此连接上不提供登录（AUTH）",
                '请把 [mail] security 改为 "starttls" 或 "ssl"，或删去 user')
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return (f"邮件服务器拒绝了发件人 {exc.sender}（{_reply(exc.smtp_code, exc.smtp_error)}）",
                "请把 [mail] from 改为登录账号对应的邮箱")
    cert = next((e for e in chain if isinstance(e, ssl.SSLCertVerificationError)), None)
    if cert is not None:
        why = str(cert.verify_message or cert.reason)
        why = next((zh for en, zh in _CERT_WORDS.items() if en in why.lower()), why)
        return (f"邮件服务器 {where} 的证书未通过验证（{why}）",
                "请核对 [mail] host 是否与服务器证书上的名称一致")
    if any(isinstance(e, TimeoutError) for e in chain):
        return (f"连接邮件服务器 {where} 超时（{mail.timeout:g} 秒无响应）",
                f"请检查网络，核对 [mail] host、port，以及 security 与端口是否匹配（{ports}）")
    tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
    if tls is not None:
        return (f"与邮件服务器 {where} 建立加密连接失败（{tls.reason or tls}）",
                f"请核对 [mail] security 与端口是否匹配（{ports}）")
    if isinstance(exc, ConnectionRefusedError):
        return f"无法连接邮件服务器 {where}（连接被拒绝）", "请核对 [mail] host 和 port，或确认邮件服务器已开启"
    if isinstance(exc, socket.gaierror):
        return f"找不到邮件服务器 {mail.host}（域名无法解析）", "请核对 [mail] host 和网络连接"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "；".join(f"{a}（{_reply(*r)}）" for a, r in exc.recipients.items())
        return f"收件人地址全部被拒收：{refused}", ""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"邮件服务器 {where} 返回错误（{_reply(exc.smtp_code, exc.smtp_error)}）", ""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return (f"邮件服务器 {where} 断开了连接（{' '.join(str(exc).split())}）",
                f"请核对 [mail] security 与端口是否匹配（{ports}）")
    if isinstance(exc, OSError):
        return f"无法连接邮件服务器 {where}（{exc.strerror or exc}）", "请检查网络和 [mail] host、port"
    return f"发送邮件时出错（{type(exc).__name__}: {' '.join(str(exc).split())}）", ""


def _failure(exc: BaseException, mail: MailSettings, saved: str) -> str:
    what, advice = reason(exc, mail)
    return f"{what}，{saved}" + (f"。{advice}" if advice else "")


def _tls_context(mail: MailSettings) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not mail.verify_tls:  # self-signed test servers only
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _password(mail: MailSettings, drafts: Sequence[Path]) -> str:
    if not mail.user:
        return ""
    password = os.environ.get(mail.password_env)
    if not password:
        raise MailSetupError(
            f"没有邮箱密码，邮件已保存为草稿 {_where(drafts)}。请先设置环境变量 {mail.password_env}"
            f"（Windows：set {mail.password_env}=密码；Linux/macOS：export {mail.password_env}=密码）后重试")
    if not password.isascii():  # smtplib sends AUTH in ASCII; mail servers expect the same
        raise MailSetupError(f"环境变量 {mail.password_env} 中的密码含有中文或全角字符，邮件已保存为草稿 {_where(drafts)}。"
                             "邮件服务器只接受英文字母、数字和符号，请改正后重试")
    return password


def connect(mail: MailSettings, password: str = "") -> smtplib.SMTP:
    """An SMTP connection, encrypted as configured and logged in when a user is set. Raises as smtplib."""
    if mail.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(mail.host, mail.port, timeout=mail.timeout,
                                                context=_tls_context(mail))
    else:
        client = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout)
    try:
        if mail.security == "starttls":
            client.ehlo()
            client.starttls(context=_tls_context(mail))
            client.ehlo()
        if mail.user:
            client.login(mail.user, password)
    except BaseException:
        client.close()
        raise
    return client


def send(messages: Sequence[EmailMessage], mail: MailSettings, drafts: Sequence[Path]) -> list[SendResult]:
    """Send each message over one SMTP connection. drafts: the saved .eml of each message (from
    save_drafts); any missing one is written before connecting, so nothing is lost.
    A failure that stops everything (connect, TLS, login, sender refused, connection lost) raises
    MailError with a one-line message; a message refused on its own is reported in its SendResult."""
    if len(drafts) != len(messages):
        raise ValueError("send() needs one draft path per message")
    for msg, path in zip(messages, drafts, strict=True):
        if not Path(path).exists():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_bytes(msg.as_bytes(policy=POLICY))
    if not mail.host:
        raise MailSetupError(f"没有设置邮件服务器，邮件已保存为草稿 {_where(drafts)}。请在 {SETTINGS_FILE} 的 [mail] 段"
                             "填写 host（如 smtp.example.gov.cn）和 from")
    if not mail.sender:
        raise MailSetupError(f"没有设置发件地址，邮件已保存为草稿 {_where(drafts)}。请在 {SETTINGS_FILE} 的 [mail] 段"
                             "填写 from（如 整改办 <zgb@example.gov.cn>）")
    password = _password(mail, drafts)
    envelope_from = parseaddr(mail.sender)[1]
    results = [SendResult(Path(p), str(m.get("Subject", "")),
                          [a for _, a in getaddresses(m.get_all("To", []) + m.get_all("Cc", []))])
               for m, p in zip(messages, drafts, strict=True)]
    try:
        client = connect(mail, password)
    except Exception as exc:  # noqa: BLE001 - every cause becomes one line
        raise MailError(_failure(exc, mail, f"邮件已保存为草稿 {_where(drafts)}"), drafts, results) from exc
    try:
        for msg, result in zip(messages, results, strict=True):
            try:
                refused = client.send_message(msg, from_addr=envelope_from)
            except Exception as exc:  # noqa: BLE001 - every cause becomes one line
                result.error = explain(exc, mail)
                # A refused recipient or message leaves the connection usable (smtplib has reset the
                # transaction); anything else, or a server closing with 421, stops the run.
                if isinstance(exc, (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)) and client.sock:
                    continue
                left = [r.draft for r in results if not r.sent]
                saved = (f"已发出 {len(results) - len(left)} 封，未发出的 {len(left)} 封已保存为草稿 "
                         f"{_where(left)}")
                raise MailError(_failure(exc, mail, saved), drafts, results) from exc
            result.sent = True
            result.refused = {addr: _reply(*reply) for addr, reply in refused.items()}
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    return results
