"""Run a reader over many files in worker processes with a memory and time limit each, and the
rules every child process of toolkit follows.

Hostile files (OLE sector loops, allocation bombs) can make a native reader abort the whole
process or eat all memory. Each file is read in a worker: a worker that dies or runs out of time
costs that one file, which is reported, and a fresh worker takes over the rest.

Children are started with `fork` where the system has it and with `spawn` elsewhere (Windows);
`TOOLKIT_START_METHOD=spawn` forces spawn anywhere. Under spawn a job must pickle: a module-level
function or a functools.partial of one, never a lambda or closure. What is kept where:

- time limit per file: everywhere (the parent kills a worker that runs over);
- memory limit per file: where RLIMIT_AS exists (Linux, most Unixes); not on Windows, where a file
  that eats memory is stopped only by the time limit or by the system;
- children die with the parent: each watches the parent's lifeline (multiprocessing's parent
  sentinel: a pipe on POSIX, the parent's process handle on Windows) and exits when it is gone;
  on Linux PR_SET_PDEATHSIG is set too. Ctrl-C is the parent's business: children ignore it and
  are stopped by the parent.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Generic, TypeVar

from toolkit.core.errors import Interrupted

T = TypeVar("T")


R = TypeVar("R")


START_METHOD_VARIABLE = "TOOLKIT_START_METHOD"


STARTUP_S = 60.0  # a worker's own start (spawn imports the readers) does not count against a file


def start_method() -> str:
    """`fork` where available, else `spawn`; TOOLKIT_START_METHOD chooses any method the system has."""
    available = mp.get_all_start_methods()
    wanted = os.environ.get(START_METHOD_VARIABLE, "").strip().lower()
    if wanted in available:
        return wanted
    return "fork" if "fork" in available else "spawn"


def process_context() -> Any:
    return mp.get_context(start_method())


# ------------------------------------------------------------------ signals in the parent

_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGBREAK") if hasattr(signal, name))


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
    saved = {signum: signal.signal(signum, lambda n, f: caught.append(n)) for signum in _STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    if caught:
        raise Interrupted(caught[0])


# ------------------------------------------------------------------ the child's side


def become_child(death_signal: int | None = None, on_orphan: Callable[[], None] | None = None) -> None:
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
            signal.signal(death_signal, lambda *a: orphaned() if os.getppid() != parent.pid else os._exit(1))
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


# ------------------------------------------------------------------ the worker pool


@dataclass
class Failed:
    """What is returned for an item whose worker crashed, ran out of memory or of time."""

    reason: str


@dataclass
class Raised:
    """An exception of one of the `passthrough` types, carried back for the caller to raise."""

    error: BaseException


_READY = "ready"


def _worker(conn: Any, job: Callable[[Any], Any], passthrough: tuple[type[BaseException], ...],
            memory_bytes: int) -> None:
    become_child(getattr(signal, "SIGKILL", None))
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ImportError, ValueError, OSError):
        pass  # no RLIMIT_AS here (Windows): the time limit still holds
    import faulthandler

    faulthandler.disable()  # an abort in a native reader is this item's failure, not a crash report
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # stdout belongs to the parent (--json); readers must not write there
    os.dup2(devnull, 2)  # a native reader's panic messages are not for the clerk
    os.environ["RUST_BACKTRACE"] = "0"
    conn.send(_READY)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        index, item = message
        try:
            result = ("ok", job(item))
        except MemoryError:
            result = ("err", "内存不足")
        except passthrough as exc:
            result = ("raise", exc)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent as this item's failure
            result = ("err", f"{type(exc).__name__}: {str(exc)[:200]}")
        try:
            conn.send((index, result))
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
            conn.send((index, ("err", f"结果无法传回：{type(exc).__name__}")))


DEPTH = 2  # items in flight per worker, so a worker never waits while the parent unpickles a result


class _Slot(Generic[T]):
    def __init__(self, ctx: Any, job: Callable[[Any], Any], passthrough: tuple[type[BaseException], ...],
                 memory_bytes: int) -> None:
        parent, child = ctx.Pipe()
        self.conn = parent
        self.process = ctx.Process(target=_worker, args=(child, job, passthrough, memory_bytes), daemon=True)
        self.inflight: deque[int] = deque()
        self.ready = False
        self.started = time.monotonic()  # when the item at the head of inflight started
        try:
            start_child(self.process)
        finally:
            child.close()

    def give(self, index: int, item: Any) -> None:
        if not self.inflight:
            self.started = time.monotonic()
        self.inflight.append(index)
        self.conn.send((index, item))

    def over_time(self, now: float, timeout: float) -> bool:
        return now - self.started > (timeout if self.ready else timeout + STARTUP_S)

    def stop(self, kill: bool = False) -> None:
        if kill:
            if self.process.pid is not None:
                self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        if self.process.pid is not None:
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
        self.conn.close()


def _must_pickle(job: Callable[[Any], Any]) -> None:
    """Fork would carry any job; spawn (Windows) only one that pickles. Checked under fork too, so
    a lambda or closure fails every test run, not only on Windows."""
    import pickle

    try:
        pickle.dumps(job)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise TypeError(f"isolated_map needs a job that pickles (a module-level function or a partial "
                        f"of one), for the spawn start method: {exc}") from exc


def isolated_map(job: Callable[[T], R], items: Sequence[T], *, workers: int = 2,
                 timeout: float = 120.0, memory_mb: int = 4096,
                 on_result: Callable[[int], None] | None = None,
                 passthrough: tuple[type[BaseException], ...] = ()) -> list[R | Failed | Raised]:
    """job(item) for every item, in worker processes; results in item order. An exception of a
    `passthrough` type comes back as Raised; any other failure of an item as Failed. job must
    pickle (a module-level function or a partial of one) so that spawn can carry it. With
    workers < 1 the items are read in this process, without limits."""
    if not items:
        return []
    if workers < 1:
        results: list[R | Failed | Raised] = []
        for i, item in enumerate(items):
            try:
                results.append(job(item))
            except passthrough as exc:
                results.append(Raised(exc))
            if on_result:
                on_result(i)
        return results
    ctx = process_context()
    if ctx.get_start_method() == "fork":
        _must_pickle(job)
    memory = memory_mb * 2**20
    out: list[R | Failed | None] = [None] * len(items)
    pending = list(enumerate(items))[::-1]
    slots: list[_Slot] = []

    def new_slot() -> _Slot:
        return _Slot(ctx, job, passthrough, memory)

    def top_up(slot: _Slot) -> None:
        while len(slot.inflight) < DEPTH and pending:
            slot.give(*pending.pop())

    def done(index: int) -> None:
        if on_result:
            on_result(index)

    finished = False
    try:
        for _ in range(min(workers, len(items))):
            slots.append(new_slot())
        for slot in slots:
            top_up(slot)
        while any(slot.inflight for slot in slots):
            busy = [s for s in slots if s.inflight]
            ready = wait([s.conn for s in busy] + [s.process.sentinel for s in busy], timeout=1.0)
            now = time.monotonic()
            for n, slot in enumerate(slots):
                if not slot.inflight:
                    continue
                if slot.conn in ready:
                    try:
                        message = slot.conn.recv()
                    except (EOFError, OSError):
                        pass
                    else:
                        if message == _READY:
                            slot.ready, slot.started = True, now
                            continue
                        got_index, (kind, value) = message
                        out[got_index] = (value if kind == "ok" else Raised(value) if kind == "raise"
                                          else Failed(value))
                        slot.inflight.popleft()
                        slot.started = now
                        done(got_index)
                        top_up(slot)
                        continue
                dead = slot.process.sentinel in ready or not slot.process.is_alive()
                if not dead and not slot.over_time(now, timeout):
                    continue
                head = slot.inflight.popleft()
                out[head] = Failed("读取进程异常退出（可能是文件损坏或占用内存过大）" if dead
                                   else f"读取超过 {timeout:.0f} 秒仍未完成，已中止")
                done(head)
                for index in reversed(slot.inflight):  # sent along but not started: try them again
                    pending.append((index, items[index]))
                slot.inflight.clear()
                slot.stop(kill=True)
                slots[n] = new_slot()
                top_up(slots[n])
        finished = True
    finally:
        for slot in slots:  # interrupted or failed: the workers are killed, not waited for
            slot.stop(kill=not finished)
    return out  # type: ignore[return-value]
