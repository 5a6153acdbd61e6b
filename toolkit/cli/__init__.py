"""The `toolkit` command line: parse arguments, call one library function (toolkit.api), render,
pick the exit code.

The commands live in one module per group (setup, merging, mail, tasks, history; what they share in
shared); this module puts them together in the order `toolkit --help` lists them, and holds the
console entry. Nothing heavy is imported here: `toolkit --help` stays fast."""

from __future__ import annotations

import sys

import typer

from toolkit import __version__
from toolkit.cli.history import history_app, report
from toolkit.cli.mail import mail_command, remind
from toolkit.cli.merging import check, merge
from toolkit.cli.setup import init, issues_app, template
from toolkit.cli.shared import interrupt_told, new_app
from toolkit.cli.tasks import close, extend

app = new_app(
    "整改台账工具：合并各责任单位报回的台账，逐行对照问题清单校验，生成汇总台账。",
    no_args_is_help=True,
)


@app.callback(invoke_without_command=True)
def main(version: bool = typer.Option(False, "--version", help="显示版本号")) -> None:
    from toolkit.render import safe_streams

    safe_streams()  # a GBK console or log file never stops a command over one character
    if version:
        typer.echo(f"toolkit {__version__}")
        raise typer.Exit(0)


app.command()(merge)
app.command()(init)
app.add_typer(issues_app, name="issues")
app.command()(template)
app.command()(check)
app.command("mail")(mail_command)
app.command()(remind)
app.command()(extend)
app.command()(close)
app.add_typer(history_app, name="history")
app.command()(report)


def run() -> None:
    """The console entry (`toolkit`, `python -m toolkit`). Typer turns a Ctrl-C that comes while it
    is still parsing the command line into a silent exit 130: say it here, in one line."""
    try:
        app(prog_name="toolkit")
    except SystemExit as exc:
        if exc.code == 130 and not interrupt_told():
            typer.echo(early_interrupt_line(sys.argv[1:]), err=True)
        if exc.code in (130, 143):
            forget_interrupt()
        raise
    except KeyboardInterrupt:  # while Typer builds the command, before its own handling
        if not interrupt_told():
            typer.echo(early_interrupt_line(sys.argv[1:]), err=True)
        forget_interrupt()
        sys.exit(130)


def forget_interrupt() -> None:
    """A Ctrl-C that landed in code run by exec() of a string (dataclasses, pydantic) leaves CPython
    marked "KeyboardInterrupt unhandled" even once caught, and it would then end by SIGINT instead
    of exit 130. Running exec() again clears the mark.

    An interrupt can also cut an object off half-built (a ZipFile stopped inside its __init__),
    which complains with "Exception ignored in …" and a traceback when it is collected at exit. The
    one line already said what happened: those echoes are dropped, unless --debug."""
    exec("None")
    if "--debug" not in sys.argv:
        sys.unraisablehook = lambda unraisable: None


def early_interrupt_line(args: list[str]) -> str:
    """Ctrl-C that Typer met itself: for merge, before its work began (its own handler covers the
    rest); for other commands, anywhere."""
    command = next((a for a in args if not a.startswith("-")), "")
    return "已中断，未生成汇总台账" if command == "merge" else "已中断"
