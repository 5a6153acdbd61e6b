"""Sending mail over SMTP (ssl, starttls or none) with one deadline for the whole send, each failure told by its cause."""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Any

from toolkit.core.errors import MailError, MailSetupError
from toolkit.core.mail_settings import MailSettings
from toolkit.core.settings import SETTINGS_FILE
from toolkit.deliver.mail import POLICY


@dataclass
class SendResult:
    draft: Path
    subject: str
    recipients: list[str]
    sent: bool = False
    refused: dict[str, str] = field(
        default_factory=dict
    )  # recipients the server refused → its reply
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


_CERT_WORDS = {
    "self-signed": "自签名证书，不受信任",
    "expired": "证书已过期",
    "hostname mismatch": "证书上的服务器名称不符",
    "local issuer": "签发机构不受信任",
    "not yet valid": "证书尚未生效",
}


def explain(exc: BaseException, mail: MailSettings, sending: bool = False) -> str:
    """A one-line Chinese reason and what to do, for an exception raised while talking to the server."""
    return "；".join(part for part in reason(exc, mail, sending) if part)


def reason(exc: BaseException, mail: MailSettings, sending: bool = False) -> tuple[str, str]:
    """(what happened, what to do), each one line of Chinese. sending: the failure came after the
    connection was set up and logged in (while a message went over), so it is no security or port
    problem."""
    where = f"{mail.host}:{mail.port}"
    chain = list(_chain(exc))
    if sending:
        during = _while_sending(exc, chain, where, mail)
        if during is not None:
            return during
    return _setup_reason(exc, chain, where, mail)


def _while_sending(
    exc: BaseException, chain: list[BaseException], where: str, mail: MailSettings
) -> tuple[str, str] | None:
    if any(isinstance(e, TimeoutError) for e in chain):
        return (
            f"发送邮件超时（{mail.timeout:g} 秒内没有发完，邮件服务器 {where} 响应太慢或网络中断）",
            "请检查网络后重试；附件很大或网络很慢时，可以把 [mail] timeout 调大",
        )
    if (
        isinstance(exc, smtplib.SMTPServerDisconnected)
        or not isinstance(exc, smtplib.SMTPException)
        and any(
            isinstance(e, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError))
            for e in chain
        )
    ):
        return (
            f"发送过程中邮件服务器 {where} 断开了连接（{' '.join(str(exc).split()) or type(exc).__name__}）",
            "请稍后重试；反复出现时，可能是附件超过了服务器允许的大小，或服务器限制了发送频率",
        )
    if isinstance(exc, OSError) and not isinstance(exc, (smtplib.SMTPException, ssl.SSLError)):
        return (
            f"发送过程中与邮件服务器 {where} 的连接出错（{exc.strerror or exc}）",
            "请检查网络后重试",
        )
    return None


def _setup_reason(
    exc: BaseException, chain: list[BaseException], where: str, mail: MailSettings
) -> tuple[str, str]:
    ports = "ssl 一般用 465 端口，starttls 用 587"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (
            f"邮件服务器拒绝登录（用户名或密码错误：{_reply(exc.smtp_code, exc.smtp_error)}）",
            f"请核对 [mail] user 和环境变量 {mail.password_env} 中的密码（不少邮箱要填“客户端授权码”）",
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        if "STARTTLS" in str(exc).upper():
            return (
                f"邮件服务器 {where} 不支持 STARTTLS 加密",
                '请把 [mail] security 改为 "ssl"（端口一般为 465）',
            )
        return (
            f"邮件服务器 {where} 在此连接上不提供登录（AUTH）",
            '请把 [mail] security 改为 "starttls" 或 "ssl"，或删去 user',
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return (
            f"邮件服务器拒绝了发件人 {exc.sender}（{_reply(exc.smtp_code, exc.smtp_error)}）",
            "请把 [mail] from 改为登录账号对应的邮箱",
        )
    cert = next((e for e in chain if isinstance(e, ssl.SSLCertVerificationError)), None)
    if cert is not None:
        why = str(cert.verify_message or cert.reason)
        why = next((zh for en, zh in _CERT_WORDS.items() if en in why.lower()), why)
        return (
            f"邮件服务器 {where} 的证书未通过验证（{why}）",
            "请核对 [mail] host 是否与服务器证书上的名称一致",
        )
    if any(isinstance(e, TimeoutError) for e in chain):
        return (
            f"连接邮件服务器 {where} 超时（{mail.timeout:g} 秒无响应）",
            f"请检查网络，核对 [mail] host、port，以及 security 与端口是否匹配（{ports}）",
        )
    tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
    if tls is not None:
        return (
            f"与邮件服务器 {where} 建立加密连接失败（{tls.reason or tls}）",
            f"请核对 [mail] security 与端口是否匹配（{ports}）",
        )
    if isinstance(exc, ConnectionRefusedError):
        return (
            f"无法连接邮件服务器 {where}（连接被拒绝）",
            "请核对 [mail] host 和 port，或确认邮件服务器已开启",
        )
    if isinstance(exc, socket.gaierror):
        return f"找不到邮件服务器 {mail.host}（域名无法解析）", "请核对 [mail] host 和网络连接"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "；".join(f"{a}（{_reply(*r)}）" for a, r in exc.recipients.items())
        return f"收件人地址全部被拒收：{refused}", ""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"邮件服务器 {where} 返回错误（{_reply(exc.smtp_code, exc.smtp_error)}）", ""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return (
            f"邮件服务器 {where} 断开了连接（{' '.join(str(exc).split())}）",
            f"请核对 [mail] security 与端口是否匹配（{ports}）",
        )
    if isinstance(exc, OSError):
        return (
            f"无法连接邮件服务器 {where}（{exc.strerror or exc}）",
            "请检查网络和 [mail] host、port",
        )
    return f"发送邮件时出错（{type(exc).__name__}: {' '.join(str(exc).split())}）", ""


def _failure(exc: BaseException, mail: MailSettings, saved: str, sending: bool = False) -> str:
    what, advice = reason(exc, mail, sending)
    return f"{what}，{saved}" + (f"。{advice}" if advice else "")


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("邮件发送超过了 [mail] timeout")
    return left


class _Deadline:
    """Every wait of a socket ends at one deadline: a server trickling one byte a second cannot
    stretch a send past [mail] timeout (a plain socket timeout restarts with each byte)."""

    deadline = float("inf")

    def recv(self, *args: Any) -> bytes:
        self.settimeout(_left(self.deadline))
        return super().recv(*args)

    def recv_into(self, *args: Any) -> int:
        self.settimeout(_left(self.deadline))
        return super().recv_into(*args)

    def send(self, *args: Any) -> int:
        self.settimeout(_left(self.deadline))
        return super().send(*args)

    def sendall(self, *args: Any) -> None:
        self.settimeout(_left(self.deadline))
        return super().sendall(*args)


class _DeadlineSocket(_Deadline, socket.socket):
    """A plain connection with the deadline."""


class _DeadlineSSLSocket(_Deadline, ssl.SSLSocket):
    """The same deadline once the connection is encrypted (SSLContext.sslsocket_class)."""

    def do_handshake(self, *args: Any) -> None:
        self.settimeout(_left(self.deadline))
        return super().do_handshake(*args)


def _tls_context(mail: MailSettings, deadline: float = float("inf")) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not mail.verify_tls:  # self-signed test servers only
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.sslsocket_class = type(
        "DeadlineSSLSocket", (_DeadlineSSLSocket,), {"deadline": deadline}
    )
    return context


def _open_socket(host: str, port: int, deadline: float, source: Any) -> socket.socket:
    plain = socket.create_connection((host, port), _left(deadline), source)
    sock = _DeadlineSocket(plain.family, plain.type, plain.proto, fileno=plain.detach())
    sock.deadline = deadline
    return sock


class _Plain(smtplib.SMTP):
    deadline = float("inf")

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return _open_socket(host, port, self.deadline, self.source_address)


class _Encrypted(smtplib.SMTP_SSL):
    deadline = float("inf")

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = _open_socket(host, port, self.deadline, self.source_address)
        return self.context.wrap_socket(sock, server_hostname=self._host)


def _password(mail: MailSettings, drafts: Sequence[Path]) -> str:
    if not mail.user:
        return ""
    password = os.environ.get(mail.password_env)
    if not password:
        raise MailSetupError(
            f"没有邮箱密码，邮件已保存为草稿 {_where(drafts)}。请先设置环境变量 {mail.password_env}"
            f"（Windows：set {mail.password_env}=密码；Linux/macOS：export {mail.password_env}=密码）后重试"
        )
    if not password.isascii():  # smtplib sends AUTH in ASCII; mail servers expect the same
        raise MailSetupError(
            f"环境变量 {mail.password_env} 中的密码含有中文或全角字符，邮件已保存为草稿 {_where(drafts)}。"
            "邮件服务器只接受英文字母、数字和符号，请改正后重试"
        )
    return password


def connect(mail: MailSettings, password: str = "", deadline: float | None = None) -> smtplib.SMTP:
    """An SMTP connection, encrypted as configured and logged in when a user is set. Every wait on
    it ends by deadline (time.monotonic(); default: [mail] timeout from now). Raises as smtplib."""
    if deadline is None:
        deadline = time.monotonic() + mail.timeout
    client: smtplib.SMTP
    if mail.security == "ssl":
        client = _Encrypted(timeout=mail.timeout, context=_tls_context(mail, deadline))
    else:
        client = _Plain(timeout=mail.timeout)
    client.deadline = deadline  # type: ignore[attr-defined]
    client._host = (
        mail.host
    )  # the name TLS checks the certificate against (smtplib sets it only in __init__)
    try:
        client.connect(mail.host, mail.port)
        if mail.security == "starttls":
            client.ehlo()
            client.starttls(context=_tls_context(mail, deadline))
            client.ehlo()
        if mail.user:
            client.login(mail.user, password)
    except BaseException:
        client.close()
        raise
    return client


def send(
    messages: Sequence[EmailMessage], mail: MailSettings, drafts: Sequence[Path]
) -> list[SendResult]:
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
        raise MailSetupError(
            f"没有设置邮件服务器，邮件已保存为草稿 {_where(drafts)}。请在 {SETTINGS_FILE} 的 [mail] 段"
            "填写 host（如 smtp.example.gov.cn）和 from"
        )
    if not mail.sender:
        raise MailSetupError(
            f"没有设置发件地址，邮件已保存为草稿 {_where(drafts)}。请在 {SETTINGS_FILE} 的 [mail] 段"
            "填写 from（如 整改办 <zgb@example.gov.cn>）"
        )
    password = _password(mail, drafts)
    envelope_from = parseaddr(mail.sender)[1]
    results = [
        SendResult(
            Path(p),
            str(m.get("Subject", "")),
            [a for _, a in getaddresses(m.get_all("To", []) + m.get_all("Cc", []))],
        )
        for m, p in zip(messages, drafts, strict=True)
    ]
    deadline = time.monotonic() + mail.timeout  # for the whole send, not for each reply
    try:
        client = connect(mail, password, deadline)
    except Exception as exc:  # noqa: BLE001 - every cause becomes one line
        raise MailError(
            _failure(exc, mail, f"邮件已保存为草稿 {_where(drafts)}"), drafts, results
        ) from exc
    try:
        for msg, result in zip(messages, results, strict=True):
            try:
                refused = client.send_message(msg, from_addr=envelope_from)
            except Exception as exc:  # noqa: BLE001 - every cause becomes one line
                result.error = explain(exc, mail, sending=True)
                # A refused recipient or message leaves the connection usable (smtplib has reset the
                # transaction); anything else, or a server closing with 421, stops the run.
                if (
                    isinstance(exc, (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError))
                    and client.sock
                ):
                    continue
                left = [r.draft for r in results if not r.sent]
                saved = (
                    f"已发出 {len(results) - len(left)} 封，未发出的 {len(left)} 封已保存为草稿 "
                    f"{_where(left)}"
                )
                raise MailError(_failure(exc, mail, saved, sending=True), drafts, results) from exc
            result.sent = True
            result.refused = {addr: _reply(*reply) for addr, reply in refused.items()}
    finally:
        if client.sock is not None:  # a polite QUIT, but never past the deadline
            client.sock.deadline = min(client.sock.deadline, time.monotonic() + 2)  # type: ignore[union-attr]
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    return results
