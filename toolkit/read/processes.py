"""How toolkit starts its child processes (the reader workers, the archive child) and how they
end: the start method, Ctrl-C and SIGTERM in the parent, and children that die with the parent.

Children are started with `fork` where the system has it and with `spawn` elsewhere (Windows);
`TOOLKIT_START_METHOD=spawn` forces spawn anywhere, so the Windows path runs in every CI. Under
spawn whatever a child is given must pickle: module-level functions or partials of them.

A child ignores Ctrl-C (the parent decides, and stops it) and exits as soon as the parent is gone:
it watches the parent's lifeline (multiprocessing's parent sentinel: a pipe on POSIX, the parent's
process handle on Windows), and on Linux PR_SET_PDEATHSIG is set as well. So a merge killed with
kill -9 or from the task manager leaves no reader behind and no archive child holding the lock.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import wait
from typing import Any

from toolkit.core.errors import Interrupted

START_METHOD_VARIABLE = "TOOLKIT_START_METHOD"


def start_method() -> str:
    """`fork` where available, else `spawn`; TOOLKIT_START_METHOD chooses any method the system has."""
    available = mp.get_all_start_methods()
    wanted = os.environ.get(START_METHOD_VARIABLE, "").strip().lower()
    if wanted in available:
        return wanted
    return "fork" if "fork" in available else "spawn"


def process_context() -> Any:
    return mp.get_context(start_method())


_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGBREAK") if hasattr(signal, name)
)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def start_child(process: Any) -> None:
    """process.start() with Ctrl-C and SIGTERM held back meanwhile: a forked child inherits the
    blocked mask, a spawned one keeps it across exec, and each unblocks only once it ignores Ctrl-C.
    A signal that came meanwhile reaches the parent right after."""
    if not hasattr(signal, "pthread_sigmask") or not _main_thread():
        process.start()
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _raise_interrupted(signum: int, frame: Any) -> None:
    raise Interrupted(signum)


@contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """While inside, SIGTERM (and Ctrl-Break on Windows) stop the run the way Ctrl-C does: as an
    Interrupted (a KeyboardInterrupt), so every cleanup runs. Only in the main thread."""
    if not _main_thread():
        yield
        return
    saved = {}
    for signum in _STOP_SIGNALS:
        if signum != signal.SIGINT:
            saved[signum] = signal.signal(signum, _raise_interrupted)
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


@contextmanager
def shielded() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back for a short step that must finish once begun (committing the
    archive entry); one that came meanwhile is raised at the end, as Interrupted."""
    if not _main_thread():
        yield
        return
    caught: list[int] = []
    saved = {
        signum: signal.signal(signum, lambda n, f: caught.append(n)) for signum in _STOP_SIGNALS
    }
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    if caught:
        raise Interrupted(caught[0])


# ------------------------------------------------------------------ the child's side


def become_child(
    death_signal: int | None = None, on_orphan: Callable[[], None] | None = None
) -> None:
    """The first thing every child does: ignore Ctrl-C (the parent stops it), take SIGTERM's
    default, and exit as soon as the parent is gone, after on_orphan() when given."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGBREAK"):
        signal.signal(signal.SIGBREAK, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    parent = mp.parent_process()
    if parent is None:
        return
    lock = threading.Lock()

    def orphaned(*_: Any) -> None:
        if lock.acquire(blocking=False):
            try:
                if on_orphan is not None:
                    on_orphan()
            finally:
                os._exit(1)

    if death_signal is not None and _set_death_signal(death_signal):
        if death_signal != signal.SIGKILL:
            signal.signal(
                death_signal, lambda *a: orphaned() if os.getppid() != parent.pid else os._exit(1)
            )
        if os.getppid() != parent.pid:  # the parent died before the death signal was set
            orphaned()

    def watch() -> None:
        try:
            wait([parent.sentinel])
        except (OSError, ValueError):
            pass
        orphaned()

    threading.Thread(target=watch, name="toolkit-parent-watch", daemon=True).start()


def _set_death_signal(signum: int) -> bool:
    """Linux: have the kernel send signum to this process when its parent dies."""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(1, int(signum), 0, 0, 0) == 0  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return False
