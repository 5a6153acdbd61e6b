"""Never over an earlier file: the next free name, and publishing a finished temporary file."""

from __future__ import annotations

import os
from pathlib import Path


def numbered(path: Path, n: int) -> Path:
    """path for n = 1, else path with _n before the suffix (汇总台账_…_2.xlsx)."""
    return path if n == 1 else path.with_name(f"{path.stem}_{n}{path.suffix}")


def next_free(path: Path) -> Path:
    """path, or the first of path_2, path_3 … that does not exist yet."""
    n = 1
    while numbered(path, n).exists():
        n += 1
    return numbered(path, n)


def publish(temp: Path, target: Path) -> Path:
    """Give a finished temporary file the first free name from target on, never replacing an
    existing file (a hard link fails instead of overwriting); returns the name used."""
    for n in range(1, 100_000):
        candidate = numbered(target, n)
        try:
            os.link(temp, candidate)
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links
            if candidate.exists():
                continue
            os.replace(temp, candidate)
            return candidate
        Path(temp).unlink(missing_ok=True)
        return candidate
    raise FileExistsError(target)
