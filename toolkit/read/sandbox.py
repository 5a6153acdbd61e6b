"""Run a reader over many files in worker processes with a memory and time limit each.

Hostile files (OLE sector loops, allocation bombs) can make a native reader abort the whole
process or eat all memory. Each file is read in a forked worker: a worker that dies or runs out
of time costs that one file, which is reported, and a fresh worker takes over the rest.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Generic, TypeVar

T = TypeVar("T")


R = TypeVar("R")


@dataclass
class Failed:
    """What is returned for an item whose worker crashed, ran out of memory or of time."""

    reason: str


@dataclass
class Raised:
    """An exception of one of the `passthrough` types, carried back for the caller to raise."""

    error: BaseException


_job: Callable[[Any], Any] | None = None


_passthrough: tuple[type[BaseException], ...] = ()


def _worker(conn: Any, memory_bytes: int) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ImportError, ValueError, OSError):
        pass
    import faulthandler

    faulthandler.disable()  # an abort in a native reader is this item's failure, not a crash report
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # stdout belongs to the parent (--json); readers must not write there
    os.dup2(devnull, 2)  # a native reader's panic messages are not for the clerk
    os.environ["RUST_BACKTRACE"] = "0"
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        index, item = message
        try:
            result = ("ok", _job(item))
        except MemoryError:
            result = ("err", "内存不足")
        except _passthrough as exc:
            result = ("raise", exc)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent as this item's failure
            result = ("err", f"{type(exc).__name__}: {str(exc)[:200]}")
        try:
            conn.send((index, result))
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
            conn.send((index, ("err", f"结果无法传回：{type(exc).__name__}")))


DEPTH = 2  # items in flight per worker, so a worker never waits while the parent unpickles a result


class _Slot(Generic[T]):
    def __init__(self, ctx: Any, memory_bytes: int) -> None:
        parent, child = ctx.Pipe()
        self.conn = parent
        self.process = ctx.Process(target=_worker, args=(child, memory_bytes), daemon=True)
        self.process.start()
        child.close()
        self.inflight: deque[int] = deque()
        self.started = 0.0  # when the item at the head of inflight started

    def give(self, index: int, item: Any) -> None:
        if not self.inflight:
            self.started = time.monotonic()
        self.inflight.append(index)
        self.conn.send((index, item))

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def isolated_map(job: Callable[[T], R], items: Sequence[T], *, workers: int = 2,
                 timeout: float = 120.0, memory_mb: int = 4096,
                 on_result: Callable[[int], None] | None = None,
                 passthrough: tuple[type[BaseException], ...] = ()) -> list[R | Failed | Raised]:
    """job(item) for every item, in forked workers; results in item order. An exception of a
    `passthrough` type comes back as Raised; any other failure of an item as Failed. Falls back to
    in-process calls where fork is not available (the limits then do not apply)."""
    global _job, _passthrough
    if not items:
        return []
    if "fork" not in mp.get_all_start_methods() or workers < 1:
        results: list[R | Failed | Raised] = []
        for i, item in enumerate(items):
            try:
                results.append(job(item))
            except passthrough as exc:
                results.append(Raised(exc))
            if on_result:
                on_result(i)
        return results
    _job, _passthrough = job, passthrough
    ctx = mp.get_context("fork")
    memory = memory_mb * 2**20
    out: list[R | Failed | None] = [None] * len(items)
    pending = list(enumerate(items))[::-1]
    slots = [_Slot(ctx, memory) for _ in range(min(workers, len(items)))]

    def top_up(slot: _Slot) -> None:
        while len(slot.inflight) < DEPTH and pending:
            slot.give(*pending.pop())

    def done(index: int) -> None:
        if on_result:
            on_result(index)

    try:
        for slot in slots:  # one item each first: the issue list and a lone big file on two cores, not one
            if pending:
                slot.give(*pending.pop())
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
                        got_index, (kind, value) = slot.conn.recv()
                    except (EOFError, OSError):
                        pass
                    else:
                        out[got_index] = (value if kind == "ok" else Raised(value) if kind == "raise"
                                          else Failed(value))
                        slot.inflight.popleft()
                        slot.started = now
                        done(got_index)
                        top_up(slot)
                        continue
                dead = slot.process.sentinel in ready or not slot.process.is_alive()
                if not dead and now - slot.started <= timeout:
                    continue
                head = slot.inflight.popleft()
                out[head] = Failed("读取进程异常退出（可能是文件损坏或占用内存过大）" if dead
                                   else f"读取超过 {timeout:.0f} 秒仍未完成，已中止")
                done(head)
                for index in reversed(slot.inflight):  # sent along but not started: try them again
                    pending.append((index, items[index]))
                slot.inflight.clear()
                slot.stop(kill=True)
                slots[n] = _Slot(ctx, memory)
                top_up(slots[n])
    finally:
        for slot in slots:
            slot.stop()
        _job, _passthrough = None, ()
    return out  # type: ignore[return-value]
