"""The offline bundle for intranet machines: built with internet, installed without it.

These tests download every dependency's wheel from PyPI (slow, ~1–2 minutes); CI runs them."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow
PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"
sys.path.insert(0, str(ROOT / "scripts"))
import make_bundle  # noqa: E402


def _unzip(bundle: Path, into: Path) -> Path:
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(into)
    (folder,) = into.iterdir()
    return folder


def _offline_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    # no configuration, no find-links, and an index on a closed port: any fetch would fail
    env.update(
        {
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
            "HOME": str(home),
            "TOOLKIT_HOME": str(home / "toolkit-venv"),
            "TOOLKIT_NO_OPEN": "1",
        }
    )
    return env


def _wheel_tags(name: str) -> tuple[str, str, str]:
    parts = name[: -len(".whl")].split("-")
    return parts[-3], parts[-2], parts[-1]


@pytest.fixture(scope="module")
def linux_bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    return make_bundle.build("linux-x86_64", PYTHON, out)


def test_bundle_is_named_and_holds_what_it_promises(linux_bundle, tmp_path):
    assert linux_bundle.name == f"toolkit-offline-linux-x86_64-{make_bundle.version()}.zip"
    folder = _unzip(linux_bundle, tmp_path)
    for name in (
        "install.sh",
        "install.bat",
        "安装说明.txt",
        "SHA256SUMS.txt",
        "示例工作目录/issues.xlsx",
        "示例工作目录/合并台账.sh",
    ):
        assert (folder / name).is_file(), name
    wheels = sorted(p.name for p in (folder / "wheelhouse").glob("*.whl"))
    assert any(n.startswith("toolkit-") for n in wheels)
    for dist in ("openpyxl", "XlsxWriter", "pandas", "typer", "python_calamine", "python_docx"):
        assert any(n.lower().startswith(dist.lower() + "-") for n in wheels), dist
    listed = {}
    for line in (folder / "SHA256SUMS.txt").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {
        "SHA256SUMS.txt"
    }
    assert set(listed) == files
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    bat = (folder / "install.bat").read_bytes()
    assert b"\n" not in bat.replace(b"\r\n", b"") and "--no-index" in bat.decode("gbk")


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the Linux bundle installs on Linux only"
)
def test_linux_bundle_installs_offline_and_merges_the_sample(linux_bundle, tmp_path):
    folder = _unzip(linux_bundle, tmp_path / "unzipped")
    env = _offline_env(tmp_path / "home")
    env["PYTHON"] = sys.executable  # this interpreter's version is the bundle's
    installed = subprocess.run(
        ["sh", str(folder / "install.sh")], env=env, capture_output=True, timeout=900
    )
    assert installed.returncode == 0, installed.stderr.decode("utf-8", "replace")
    assert "安装完成" in installed.stdout.decode("utf-8")
    sample = folder / "示例工作目录"
    merged = subprocess.run(
        ["sh", str(sample / "合并台账.sh")],
        cwd=sample,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=300,
    )
    assert merged.returncode == 0, merged.stderr.decode("utf-8", "replace")
    assert "已生成：outbox/汇总台账_" in merged.stdout.decode("utf-8")
    assert list((sample / "outbox").glob("汇总台账_*.xlsx"))


def test_windows_bundle_holds_only_windows_wheels_for_its_python(tmp_path):
    bundle = make_bundle.build("win-amd64", "3.11", tmp_path / "dist")
    folder = _unzip(bundle, tmp_path / "unzipped")
    wheels = [p.name for p in (folder / "wheelhouse").glob("*.whl")]
    assert len(wheels) > 10
    for name in wheels:
        python, abi, platform = _wheel_tags(name)
        if platform == "any":
            assert abi == "none", name
        else:
            assert platform == "win_amd64", name
            assert "cp311" in python.split(".") or abi == "abi3", name
    text = (folder / "install.bat").read_bytes().decode("gbk")
    assert "py -3.11" in text and r"%LOCALAPPDATA%\toolkit\venv" in text
