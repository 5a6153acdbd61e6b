"""Old binary office formats (.doc, .wps, .et) through LibreOffice, when it is installed."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from toolkit.core.errors import ReadError

# what LibreOffice converts each suffix to: Word-like documents to .docx, sheets to .xlsx
TARGET = {
    ".doc": "docx",
    ".wps": "docx",
    ".rtf": "docx",
    ".odt": "docx",
    ".et": "xlsx",
    ".ett": "xlsx",
}


def soffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    for name in ("soffice", "libreoffice", "soffice.exe"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in (
        Path("C:/Program Files/LibreOffice/program/soffice.exe"),
        Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
    ):
        if candidate.is_file():
            return str(candidate)
    return None


def convert(path: Path, timeout: float = 120.0) -> bytes:
    """The file converted to .docx or .xlsx by LibreOffice, as bytes. Raises ReadError with a line the
    clerk can act on when LibreOffice is missing or fails."""
    target = TARGET.get(path.suffix.lower())
    if target is None:
        raise ReadError("unreadable-file", "unsupported-type", suffix=path.suffix)
    program = soffice()
    if program is None:
        raise ReadError("unreadable-file", "no-libreoffice", suffix=path.suffix, target=target)
    with tempfile.TemporaryDirectory(prefix="toolkit-convert-") as work:
        work_dir = Path(work)
        source = work_dir / f"source{path.suffix.lower()}"
        shutil.copyfile(path, source)
        profile = (work_dir / "profile").as_uri()
        command = [
            program,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(work_dir / "out"),
            str(source),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ReadError(
                "unreadable-file", "convert-failed", name=path.name, error=exc.__class__.__name__
            ) from exc
        produced = work_dir / "out" / f"source.{target}"
        if not produced.is_file():
            raise ReadError("unreadable-file", "convert-broken", name=path.name, target=target)
        return produced.read_bytes()
