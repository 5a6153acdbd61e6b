"""The [mail] table of toolkit.toml: how `toolkit mail` reaches the SMTP server, and the checks that
stop a command with one line naming the bad key. Never a password: that only comes from the
environment variable named by password_env."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from toolkit.core.errors import SettingsError
from toolkit.core.settings import SETTINGS_FILE

ADDRESS = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+\.[A-Za-z0-9-]{2,}$")


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
    # the password is only ever read from this environment variable
    password_env: str = PASSWORD_ENV
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
            raise SettingsError(
                f"{SETTINGS_FILE} 中不能写邮箱密码（mail.{key}）：请删去这一行，把密码放在环境变量 "
                f"{raw.get('password_env') or PASSWORD_ENV} 中"
            )
        if key not in MAIL_KEYS:
            raise SettingsError(
                f"{SETTINGS_FILE} 中 mail.{key} 不认识；可用的有：{'、'.join(MAIL_KEYS)}"
            )
    values: dict[str, Any] = {}
    for key in ("host", "user", "from", "password_env"):
        if key in raw and not isinstance(raw[key], str):
            raise _bad(key, "文字", raw[key])
    host = raw.get("host", "").strip()
    if host and (re.search(r"[\s/]", host) or host.count(":") == 1):
        raise _bad(
            "host", "服务器名称，如 smtp.example.gov.cn（不带 smtp:// 和端口，端口写在 port）", host
        )
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
        raise _bad(
            "password_env", "环境变量名（字母、数字、下划线），如 TOOLKIT_SMTP_PASSWORD", env
        )
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
