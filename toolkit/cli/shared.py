"""What every command shares: the common options, the one-line error and interrupt messages (exit
codes included), and where the as-of date came from."""

from __future__ import annotations

from datetime import date
from typing import Any

import typer

from toolkit.core.errors import ToolkitError


def new_app(help: str, **options: Any) -> typer.Typer:
    """A Typer app (or group) set up as every toolkit one is: no completion, no locals in a
    traceback (a cell value never lands in one), plain help text."""
    return typer.Typer(
        help=help,
        add_completion=False,
        pretty_exceptions_show_locals=False,
        rich_markup_mode=None,
        **options,
    )


WORKSPACE = typer.Option(
    None, "--workspace", "-w", help="工作目录（默认：当前目录）", show_default=False
)


DEBUG = typer.Option(False, "--debug", help="出错时显示完整的技术信息（traceback）")


AS_OF = typer.Option(
    None, "--as-of", help="统计截止日期，如 2025-03-31（默认：toolkit.toml 中的 as_of，否则今天）"
)


def fail(exc: BaseException, debug: bool) -> None:
    if debug:
        raise exc
    if isinstance(exc, ToolkitError):
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(exc.exit_code)
    from toolkit.write.files import fault_line

    line = fault_line(exc)  # a full disk, read-only or refused folder, however a library wrapped it
    if line is not None:
        typer.echo(f"错误：{line}", err=True)
        raise typer.Exit(2)
    typer.echo(
        f"内部错误：{type(exc).__name__}: {exc}。请加 --debug 重新运行，并把输出发给维护人员",
        err=True,
    )
    raise typer.Exit(2)


_told = False  # an interrupt was already explained in its line


def interrupted(exc: KeyboardInterrupt, run=None) -> None:
    """Ctrl-C or SIGTERM: one line saying what was left (workbook, archive entry), exit 130 / 143."""
    from toolkit.core.errors import Interrupted
    from toolkit.render import interrupted_line

    global _told
    _told = True
    if not isinstance(exc, Interrupted):
        exc = Interrupted(2, run.output if run else None, run.run_id if run else None)
    elif run is not None and exc.output is None:
        exc.output, exc.run_id = run.output, run.run_id
    typer.echo(interrupted_line(exc), err=True)
    raise typer.Exit(exc.exit_code)


def interrupt_told() -> bool:
    """Whether a command already said in its own line that it was interrupted."""
    return _told


def as_of_option(value: str | None) -> date | None:
    """The --as-of option as a date (None when not given)."""
    if value is None:
        return None
    from toolkit.core.settings_file import parse_as_of

    return parse_as_of(value, "--as-of")


def as_of_source(settings, as_of: str | None) -> str:
    """Where the as-of date came from, so a date left in toolkit.toml is never used unnoticed."""
    if as_of is not None:
        return "--as-of"
    return "toolkit.toml 的 as_of" if settings.as_of else "今天"
