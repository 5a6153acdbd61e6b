"""Shared fixtures: the seed, small issue lists, and factories for messy returned ledgers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2025, 3, 31)


def seed_file() -> Path:
    env = os.environ.get("TOOLKIT_SEED")
    if env:
        return Path(env)
    return ROOT.parent / "shared" / "seeds" / "000_fa07499f0b0f03df.txt"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    path = seed_file()
    if not path.exists():
        pytest.skip(f"seed not found at {path}; set TOOLKIT_SEED")
    return path


@pytest.fixture(scope="session")
def sample_source(tmp_path_factory, seed_path) -> Path:
    """The bundled sample, rebuilt from the seed by scripts/build_sample.py into a fresh folder."""
    out = tmp_path_factory.mktemp("sample")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_sample.py"), "--seed-file", str(seed_path),
                    "--out", str(out)], check=True, capture_output=True)
    return out


@pytest.fixture
def sample_ws(sample_source, tmp_path) -> Path:
    """A private copy of the sample workspace that a test may change."""
    target = tmp_path / "ws"
    shutil.copytree(sample_source, target)
    return target


def soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found and os.environ.get("TOOLKIT_REQUIRE_SOFFICE"):
        pytest.fail("LibreOffice (soffice) is required here but not installed")
    return found


def to_pdf(path: Path, outdir: Path) -> Path:
    """Convert a workbook with LibreOffice; returns the PDF (raises if LibreOffice fails)."""
    exe = soffice()
    if exe is None:
        pytest.skip("LibreOffice not installed")
    profile = outdir / "lo-profile"
    subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(outdir), str(path)], check=True, capture_output=True, timeout=240)
    pdf = outdir / (path.stem + ".pdf")
    assert pdf.exists() and pdf.stat().st_size > 1000, f"LibreOffice produced no PDF for {path.name}"
    return pdf
