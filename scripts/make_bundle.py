"""Build an offline install bundle for machines on an intranet (政务内网) that cannot reach PyPI.

    python scripts/make_bundle.py --platform linux-x86_64|win-amd64 [--python 3.11] [--out dist]

Run it on a machine with internet. It writes dist/toolkit-offline-<platform>-<version>.zip holding:
  wheelhouse/      the project's wheel and every dependency's wheel for that platform and Python
                   (pip download --only-binary), nothing to compile on the target machine
  install.sh / install.bat   make a venv and install from the wheelhouse with --no-index
  示例工作目录/    the bundled sample workspace, to try 合并台账 straight away
  安装说明.txt     short instructions in Chinese
  SHA256SUMS.txt   the SHA-256 of every file in the bundle
Copy the zip to the intranet machine (U 盘/光盘), unzip, run install.bat (Windows) or sh install.sh.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from toolkit.write.launchers import INSTALL_DIR_LINUX, INSTALL_DIR_WINDOWS  # noqa: E402

# pip's platform tags for each bundle: manylinux up to glibc 2.28 covers UOS 20 and Kylin V10
PLATFORMS = {
    "linux-x86_64": [
        "manylinux_2_28_x86_64",
        "manylinux_2_27_x86_64",
        "manylinux_2_26_x86_64",
        "manylinux_2_24_x86_64",
        "manylinux_2_17_x86_64",
        "manylinux2014_x86_64",
        "manylinux_2_12_x86_64",
        "manylinux2010_x86_64",
        "manylinux_2_5_x86_64",
        "manylinux1_x86_64",
        "linux_x86_64",
    ],
    "win-amd64": ["win_amd64"],
}
SAMPLE = [
    "issues.xlsx",
    "toolkit.toml",
    "templates",
    "inbox",
    "合并台账.bat",
    "合并台账.sh",
    "检查台账.bat",
    "检查台账.sh",
]


def version() -> str:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args], check=True)


def fetch_wheels(wheelhouse: Path, platform: str, python: str) -> None:
    """The project's wheel, then every dependency as a binary wheel for the target."""
    wheelhouse.mkdir(parents=True, exist_ok=True)
    _pip("wheel", "--no-deps", "-q", "-w", str(wheelhouse), str(REPO))
    project = next(wheelhouse.glob("toolkit-*.whl"))
    tags = [arg for tag in PLATFORMS[platform] for arg in ("--platform", tag)]
    abi = "cp" + python.replace(".", "")
    _pip(
        "download",
        "-q",
        "--only-binary=:all:",
        *tags,
        "--python-version",
        python,
        "--implementation",
        "cp",
        "--abi",
        abi,
        "-d",
        str(wheelhouse),
        str(project),
    )


INSTALL_SH = """#!/bin/sh
# 整改台账工具 离线安装（Linux：UOS、麒麟等）。在解压后的文件夹里执行：sh install.sh
set -e
here=$(cd "$(dirname "$0")" && pwd)
target="${{TOOLKIT_HOME:-{install_dir}}}"
python="${{PYTHON:-python{python}}}"
if ! command -v "$python" >/dev/null 2>&1; then python=python3; fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info[:2] == ({major}, {minor}) else 1)' 2>/dev/null; then
  echo "需要 Python {python}：这个安装包里的组件是为 Python {python} 准备的。请先安装 Python {python}（或用 PYTHON=解释器路径 sh install.sh 指定）。" >&2
  exit 2
fi
echo "正在安装到 $target ……"
"$python" -m venv "$target"
"$target/bin/python" -m pip install --no-index --find-links "$here/wheelhouse" --disable-pip-version-check -q toolkit
echo "安装完成。以后在任何工作目录里双击（或执行 sh）“合并台账.sh”即可；也可以直接运行：$target/bin/toolkit --help"
"""

INSTALL_BAT = r"""@echo off
setlocal
cd /d "%~dp0"
rem 整改台账工具 离线安装（Windows）。双击运行即可。
set "TARGET={install_dir}"
if defined TOOLKIT_HOME set "TARGET=%TOOLKIT_HOME%"
set "PY="
where py >nul 2>nul
if not errorlevel 1 (
  py -{python} -c "import sys" >nul 2>nul
  if not errorlevel 1 set "PY=py -{python}"
)
if not defined PY (
  python -c "import sys; sys.exit(0 if sys.version_info[:2] == ({major}, {minor}) else 1)" >nul 2>nul
  if not errorlevel 1 set "PY=python"
)
if not defined PY (
  echo 需要 Python {python}：这个安装包里的组件是为 Python {python} 准备的。请先安装 Python {python} 64 位（安装时勾选 Add python.exe to PATH），再双击本文件。
  pause
  exit /b 2
)
echo 正在安装到 %TARGET% ……
%PY% -m venv "%TARGET%"
if errorlevel 1 goto fail
"%TARGET%\Scripts\python.exe" -m pip install --no-index --find-links "%~dp0wheelhouse" --disable-pip-version-check -q toolkit
if errorlevel 1 goto fail
echo 安装完成。以后在工作目录里双击“合并台账.bat”即可；新建工作目录：“%TARGET%\Scripts\toolkit.exe” init 目录名
pause
exit /b 0
:fail
echo 安装失败：请把上面的提示截图发给维护人员。
pause
exit /b 1
"""

GUIDE = """整改台账工具 离线安装说明（{platform}，Python {python}，版本 {version}）

一、在能上网的电脑上（已经做好，就是这个压缩包）
    python scripts/make_bundle.py --platform {platform} --python {python}

二、在内网电脑上
  1. 先安装 Python {python}（64 位）。Windows 安装时勾选“Add python.exe to PATH”。
  2. 把本压缩包拷到内网电脑，解压到任意文件夹。
  3. Windows：双击 install.bat。Linux（统信 UOS、麒麟）：在解压后的文件夹里打开终端，执行 sh install.sh。
     安装位置：Windows 为 {install_windows}，Linux 为 {install_linux}。安装过程不联网。
  4. 试一试：打开“示例工作目录”，双击“合并台账.bat”（Linux 运行 sh 合并台账.sh），
     outbox 文件夹里会出现汇总台账。
  5. 自己的工作目录：在命令行运行 toolkit init 目录名（Windows 为 {install_windows}\\Scripts\\toolkit.exe init 目录名），
     目录里会有“合并台账”“检查台账”两个双击运行的文件。

三、核对文件是否完整
    SHA256SUMS.txt 列出了每个文件的 SHA-256。Linux：sha256sum -c SHA256SUMS.txt；
    Windows：certutil -hashfile 文件名 SHA256，与清单对照。
"""


def _crlf_gbk(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("gbk")


def write_scripts(folder: Path, platform: str, python: str, version_text: str) -> None:
    major, minor = python.split(".")
    values = {"python": python, "major": major, "minor": minor}
    sh = folder / "install.sh"
    sh.write_text(
        INSTALL_SH.format(install_dir=INSTALL_DIR_LINUX, **values), encoding="utf-8", newline="\n"
    )
    sh.chmod(0o755)
    (folder / "install.bat").write_bytes(
        _crlf_gbk(INSTALL_BAT.format(install_dir=INSTALL_DIR_WINDOWS, **values))
    )
    guide = GUIDE.format(
        platform=platform,
        python=python,
        version=version_text,
        install_windows=INSTALL_DIR_WINDOWS,
        install_linux=INSTALL_DIR_LINUX,
    )
    # Notepad on Windows reads UTF-8 with a BOM; Linux editors read it too
    (folder / "安装说明.txt").write_bytes(
        b"\xef\xbb\xbf" + guide.replace("\n", "\r\n").encode("utf-8")
    )


def copy_sample(folder: Path) -> None:
    target = folder / "示例工作目录"
    for name in SAMPLE:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.is_file():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def write_checksums(folder: Path) -> None:
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.relative_to(folder).as_posix()}")
    (folder / "SHA256SUMS.txt").write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


def build(platform: str, python: str, out: Path) -> Path:
    version_text = version()
    name = f"toolkit-offline-{platform}-{version_text}"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="toolkit-bundle-") as work:
        folder = Path(work) / name
        fetch_wheels(folder / "wheelhouse", platform, python)
        write_scripts(folder, platform, python, version_text)
        copy_sample(folder)
        write_checksums(folder)
        target = out / f"{name}.zip"
        partial = target.with_name(target.name + ".part")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo.from_file(
                        path, path.relative_to(folder.parent).as_posix()
                    )
                    info.flag_bits |= (
                        0x800  # UTF-8 names, so Chinese file names unzip right everywhere
                    )
                    with path.open("rb") as data, bundle.open(info, "w") as member:
                        shutil.copyfileobj(data, member)
        os.replace(partial, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成内网离线安装包（在能上网的电脑上运行）")
    parser.add_argument(
        "--platform", required=True, choices=sorted(PLATFORMS), help="目标电脑的系统"
    )
    parser.add_argument(
        "--python",
        default=f"{sys.version_info[0]}.{sys.version_info[1]}",
        help="目标电脑上的 Python 版本，如 3.11（默认与本机相同）",
    )
    parser.add_argument("--out", type=Path, default=REPO / "dist", help="输出目录，默认 dist/")
    args = parser.parse_args(argv)
    if not args.python.count(".") == 1 or not all(p.isdigit() for p in args.python.split(".")):
        parser.error("--python 应写成 3.11 这样的版本号")
    try:
        target = build(args.platform, args.python, args.out)
    except subprocess.CalledProcessError as exc:
        print(
            f"下载或打包失败（{' '.join(exc.cmd[3:5])}）：请确认这台电脑能访问 PyPI，再重试",
            file=sys.stderr,
        )
        return 1
    print(f"已生成：{target}（{target.stat().st_size / 2**20:.1f} MB）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
