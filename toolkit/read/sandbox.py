"""Run a reader over many files in worker processes with a memory and time limit each.

Hostile files (OLE sector loops, allocation bombs) can make a native reader abort the whole
process or eat all memory. Each file is read in a worker: a worker that dies or runs out of time
costs that one file, which is reported, and a fresh worker takes over the rest.

Workers are started as read.processes says (fork, or spawn on Windows and with
TOOLKIT_START_METHOD=spawn), so a job must pickle: a module-level function or a partial of one.
What is kept where:

- time limit per file: everywhere (the parent kills a worker that runs over; a spawned worker's
  own start does not count against the file);
- memory limit per file: where RLIMIT_AS exists (Linux, most Unixes); not on Windows, where a file
  that eats memory is stopped only by the time limit or by the system;
- workers ignore Ctrl-C, are killed by the parent when it is interrupted, and exit when it dies.
"""

from __future__ import annotations

import os
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Generic, TypeVar

from toolkit.read.processes import become_child, process_context, start_child

T = TypeVar("T")


R = TypeVar("R")


STARTUP_S = 60.0  # a worker's own start (spawn imports the readers) does not count against a file


@dataclass
class Failed:
    """What is returned for an item whose worker crashed, ran out of memory or of time."""

    reason: str


@dataclass
class Raised:
    """An exception of one of the `passthrough` types, carried back for the caller to raise."""

    error: BaseException


_READY = "ready"


def _worker(
    conn: Any,
    job: Callable[[Any], Any],
    passthrough: tuple[type[BaseException], ...],
    memory_bytes: int,
) -> None:
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
    def __init__(
        self,
        ctx: Any,
        job: Callable[[Any], Any],
        passthrough: tuple[type[BaseException], ...],
        memory_bytes: int,
    ) -> None:
        parent, child = ctx.Pipe()
        self.conn = parent
        self.process = ctx.Process(
            target=_worker, args=(child, job, passthrough, memory_bytes), daemon=True
        )
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


class _Pool:
    """Workers fed DEPTH items each; a worker that dies or runs over loses its head item and is
    replaced, and the items it had not started go to the others."""

    def __init__(
        self,
        job: Callable[[Any], Any],
        items: Sequence[Any],
        timeout: float,
        memory_bytes: int,
        passthrough: tuple[type[BaseException], ...],
        on_result: Callable[[int], None] | None,
    ) -> None:
        self.ctx = process_context()
        if self.ctx.get_start_method() == "fork":
            _must_pickle(job)
        self.job, self.items, self.timeout, self.memory = job, items, timeout, memory_bytes
        self.passthrough, self.on_result = passthrough, on_result
        self.out: list[Any] = [None] * len(items)
        self.pending = list(enumerate(items))[::-1]
        self.slots: list[_Slot] = []

    def new_slot(self, top_up: bool = True) -> _Slot:
        slot = _Slot(self.ctx, self.job, self.passthrough, self.memory)
        if top_up:
            self.top_up(slot)
        return slot

    def top_up(self, slot: _Slot) -> None:
        while len(slot.inflight) < DEPTH and self.pending:
            slot.give(*self.pending.pop())

    def done(self, index: int, value: Any) -> None:
        self.out[index] = value
        if self.on_result:
            self.on_result(index)

    def run(self, workers: int) -> list[Any]:
        for _ in range(min(workers, len(self.items))):
            self.slots.append(self.new_slot(top_up=False))
        for slot in (
            self.slots
        ):  # one item each first: the issue list and a lone big file on two cores, not one
            if self.pending:
                slot.give(*self.pending.pop())
        for slot in self.slots:
            self.top_up(slot)
        while any(slot.inflight for slot in self.slots):
            busy = [s for s in self.slots if s.inflight]
            ready = wait([s.conn for s in busy] + [s.process.sentinel for s in busy], timeout=1.0)
            now = time.monotonic()
            for n, slot in enumerate(self.slots):
                if slot.inflight and not (slot.conn in ready and self.receive(slot, now)):
                    self.check(n, slot, slot.process.sentinel in ready, now)
        return self.out

    def receive(self, slot: _Slot, now: float) -> bool:
        """Take one message from a worker; False when its pipe broke (it died)."""
        try:
            message = slot.conn.recv()
        except (EOFError, OSError):
            return False
        if message == _READY:
            slot.ready, slot.started = True, now
            return True
        index, (kind, value) = message
        slot.inflight.popleft()
        slot.started = now
        self.done(
            index, value if kind == "ok" else Raised(value) if kind == "raise" else Failed(value)
        )
        self.top_up(slot)
        return True

    def check(self, n: int, slot: _Slot, exited: bool, now: float) -> None:
        """A worker that died or ran over: its head item fails, the rest are sent again."""
        dead = exited or not slot.process.is_alive()
        if not dead and not slot.over_time(now, self.timeout):
            return
        head = slot.inflight.popleft()
        self.done(
            head,
            Failed(
                "读取进程异常退出（可能是文件损坏或占用内存过大）"
                if dead
                else f"读取超过 {self.timeout:.0f} 秒仍未完成，已中止"
            ),
        )
        for index in reversed(slot.inflight):  # sent along but not started: try them again
            self.pending.append((index, self.items[index]))
        slot.inflight.clear()
        slot.stop(kill=True)
        self.slots[n] = self.new_slot()

    def stop(self, kill: bool) -> None:
        for slot in self.slots:
            slot.stop(kill=kill)


def _must_pickle(job: Callable[[Any], Any]) -> None:
    """Fork would carry any job; spawn (Windows) only one that pickles. Checked under fork too, so
    a lambda or closure fails every test run, not only on Windows."""
    import pickle

    try:
        pickle.dumps(job)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise TypeError(
            f"isolated_map needs a job that pickles (a module-level function or a partial "
            f"of one), for the spawn start method: {exc}"
        ) from exc


def isolated_map(
    job: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int = 2,
    timeout: float = 120.0,
    memory_mb: int = 4096,
    on_result: Callable[[int], None] | None = None,
    passthrough: tuple[type[BaseException], ...] = (),
) -> list[R | Failed | Raised]:
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
    pool = _Pool(job, items, timeout, memory_mb * 2**20, passthrough, on_result)
    finished = False
    try:
        out = pool.run(workers)
        finished = True
    finally:
        pool.stop(
            kill=not finished
        )  # interrupted or failed: the workers are killed, not waited for
    return out
