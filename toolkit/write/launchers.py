"""Double-click launchers written into a workspace: 合并台账 and 检查台账, for Windows (.bat) and Linux (.sh).

They find the installed toolkit without PATH changes, in this order: the Python that wrote them (when
`toolkit init` made them), the workspace's own `.venv`, the offline installer's fixed location
(INSTALL_DIR_WINDOWS / INSTALL_DIR_LINUX), then `toolkit` on PATH. When none is there they say so in one
line and how to install. The .bat files are GBK with CRLF line ends, which cmd.exe on a Chinese
Windows reads; the .sh files are POSIX sh.
"""

from __future__ import annotations

from pathlib import Path

MERGE_NAME = "合并台账"
CHECK_NAME = "检查台账"
# where install.bat / install.sh of the offline bundle put the toolkit's own Python environment
# (the environment variable TOOLKIT_HOME moves it, for the installer and the launchers alike)
INSTALL_DIR_WINDOWS = r"%LOCALAPPDATA%\toolkit\venv"
INSTALL_DIR_LINUX = "$HOME/.local/share/toolkit/venv"

NOT_INSTALLED = "没有找到已安装的整改台账工具（toolkit）。请先运行离线安装包中的 install，或按 README 安装后再试。"

_BAT_FIND = r"""@echo off
setlocal
cd /d "%~dp0"
set "TOOLKIT_PY={python}"
if defined TOOLKIT_PY if exist "%TOOLKIT_PY%" goto found
set "TOOLKIT_PY=%~dp0.venv\Scripts\python.exe"
if exist "%TOOLKIT_PY%" goto found
set "TOOLKIT_BASE={install_dir}"
if defined TOOLKIT_HOME set "TOOLKIT_BASE=%TOOLKIT_HOME%"
set "TOOLKIT_PY=%TOOLKIT_BASE%\Scripts\python.exe"
if exist "%TOOLKIT_PY%" goto found
set "TOOLKIT_PY="
where toolkit >nul 2>nul
if not errorlevel 1 goto found
echo {not_installed}
pause
exit /b 2
:found
"""

_BAT_MERGE = (
    _BAT_FIND
    + r"""echo 正在合并 inbox 中各单位报回的台账……
if defined TOOLKIT_PY ("%TOOLKIT_PY%" -m toolkit merge -w "%~dp0.") else (toolkit merge -w "%~dp0.")
set "RC=%ERRORLEVEL%"
if exist "%~dp0outbox" start "" "%~dp0outbox"
echo.
pause
exit /b %RC%
"""
)

_BAT_CHECK = (
    _BAT_FIND
    + r"""if "%~1"=="" (
  echo 请把要检查的台账文件拖到“检查台账”图标上。
  pause
  exit /b 2
)
if defined TOOLKIT_PY ("%TOOLKIT_PY%" -m toolkit check -w "%~dp0." %*) else (toolkit check -w "%~dp0." %*)
set "RC=%ERRORLEVEL%"
if exist "%~dp0outbox\反馈" start "" "%~dp0outbox\反馈"
echo.
pause
exit /b %RC%
"""
)

_SH_FIND = """#!/bin/sh
# {title}：双击（在终端中运行）或在终端里执行 sh {title}.sh
here=$(cd "$(dirname "$0")" && pwd) || exit 2
cd "$here" || exit 2
toolkit_py='{python}'
pause() {{
  if [ -t 0 ] && [ -z "$TOOLKIT_NO_PAUSE" ]; then
    printf '%s' '按回车键关闭窗口……'
    read -r _ || true
  fi
}}
open_folder() {{
  if [ -d "$1" ] && [ -z "$TOOLKIT_NO_OPEN" ] && command -v xdg-open >/dev/null 2>&1; then
    xdg-open "$1" >/dev/null 2>&1 &
  fi
}}
run_toolkit() {{
  for py in "$toolkit_py" "$here/.venv/bin/python" "${{TOOLKIT_HOME:-{install_dir}}}/bin/python"; do
    if [ -n "$py" ] && [ -x "$py" ] && "$py" -c 'import toolkit' >/dev/null 2>&1; then
      "$py" -m toolkit "$@"
      return $?
    fi
  done
  if command -v toolkit >/dev/null 2>&1; then
    toolkit "$@"
    return $?
  fi
  echo '{not_installed}' >&2
  return 2
}}
"""

_SH_MERGE = (
    _SH_FIND
    + """echo '正在合并 inbox 中各单位报回的台账……'
run_toolkit merge -w "$here"
rc=$?
open_folder "$here/outbox"
pause
exit $rc
"""
)

_SH_CHECK = (
    _SH_FIND
    + """if [ $# -eq 0 ]; then
  echo '请把要检查的台账文件拖到“检查台账”图标上，或执行：sh 检查台账.sh 文件……' >&2
  pause
  exit 2
fi
run_toolkit check -w "$here" "$@"
rc=$?
open_folder "$here/outbox/反馈"
pause
exit $rc
"""
)


def _bat(template: str, python: str | None) -> bytes:
    try:
        embedded = (python or "").encode("gbk").decode("gbk")
    except UnicodeEncodeError:  # a path cmd.exe could not read in GBK: rely on the other places
        embedded = ""
    text = template.format(
        python=embedded, install_dir=INSTALL_DIR_WINDOWS, not_installed=NOT_INSTALLED
    )
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("gbk")


def _sh(template: str, title: str, python: str | None) -> bytes:
    embedded = (python or "").replace("'", "")
    text = template.format(
        title=title, python=embedded, install_dir=INSTALL_DIR_LINUX, not_installed=NOT_INSTALLED
    )
    return text.encode("utf-8")


def launcher_files(python: str | None = None) -> dict[str, bytes]:
    """File name → content of the four launchers. `python` is the interpreter that has toolkit
    installed (None for a workspace shipped without one, such as the bundled sample)."""
    return {
        f"{MERGE_NAME}.bat": _bat(_BAT_MERGE, python),
        f"{CHECK_NAME}.bat": _bat(_BAT_CHECK, python),
        f"{MERGE_NAME}.sh": _sh(_SH_MERGE, MERGE_NAME, python),
        f"{CHECK_NAME}.sh": _sh(_SH_CHECK, CHECK_NAME, python),
    }


def write_launchers(
    folder: Path, python: str | None = None, *, overwrite: bool = False
) -> list[Path]:
    """Write the launchers into a workspace; existing ones are kept unless overwrite. Returns those written."""
    written = []
    for name, data in launcher_files(python).items():
        target = folder / name
        if target.exists() and not overwrite:
            continue
        target.write_bytes(data)
        if name.endswith(".sh"):
            target.chmod(0o755)
        written.append(target)
    return written
