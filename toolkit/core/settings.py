"""Settings: named defaults, overridden by the workspace's toolkit.toml (read by core.settings_file),
overridden by flags. Frozen: built once per command and passed down."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from toolkit.core.defaults import (
    DEFAULT_COLORS,
    DEFAULT_HEADERS,
    DEFAULT_IMPORT_HEADERS,
    DEFAULT_LIMITS,
    DEFAULT_PATHS,
    DEFAULT_REPORT,
    DEFAULT_STATUS_BLOCKERS,
    DEFAULT_STATUS_HINTS,
    DEFAULT_STATUS_SYNONYMS,
    DUE_SOON_DAYS,
    MATCH_THRESHOLD,
)

SETTINGS_FILE = "toolkit.toml"


def _frozen(mapping: dict) -> MappingProxyType:
    return MappingProxyType(mapping)


@dataclass(frozen=True)
class Settings:
    as_of: date | None = None
    due_soon_days: int = DUE_SOON_DAYS
    match_threshold: float = MATCH_THRESHOLD
    paths: MappingProxyType = field(default_factory=lambda: _frozen(dict(DEFAULT_PATHS)))
    unit_names: tuple[str, ...] = ()
    unit_aliases: MappingProxyType = field(default_factory=lambda: _frozen({}))
    status_synonyms: MappingProxyType = field(
        default_factory=lambda: _frozen({k: list(v) for k, v in DEFAULT_STATUS_SYNONYMS.items()})
    )
    headers: MappingProxyType = field(
        default_factory=lambda: _frozen({k: list(v) for k, v in DEFAULT_HEADERS.items()})
    )
    status_hints: MappingProxyType = field(
        default_factory=lambda: _frozen({k: list(v) for k, v in DEFAULT_STATUS_HINTS.items()})
    )
    status_blockers: tuple[str, ...] = tuple(DEFAULT_STATUS_BLOCKERS)
    colors: MappingProxyType = field(
        default_factory=lambda: _frozen({k: dict(v) for k, v in DEFAULT_COLORS.items()})
    )
    import_headers: MappingProxyType = field(
        default_factory=lambda: _frozen({k: list(v) for k, v in DEFAULT_IMPORT_HEADERS.items()})
    )
    limits: MappingProxyType = field(default_factory=lambda: _frozen(dict(DEFAULT_LIMITS)))
    report: MappingProxyType = field(default_factory=lambda: _frozen(dict(DEFAULT_REPORT)))
    workspace: Path = Path(".")
    source: str = ""  # the settings file read, if any

    def path(self, key: str) -> Path:
        return self.workspace / self.paths[key]

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def __getstate__(self) -> dict[str, Any]:
        """Settings travel to spawned reader processes: the read-only tables as plain dicts."""
        return {k: dict(v) if isinstance(v, MappingProxyType) else v for k, v in vars(self).items()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, _frozen(value) if isinstance(value, dict) else value)
