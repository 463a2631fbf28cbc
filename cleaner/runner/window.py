"""Cleaning a stream of input items in order: in this process, or through the worker pool.

:func:`run` cleans a stream of input items and yields ``(item, record)`` in
input order. In a batch run (``isolate``, or more than one worker) it feeds
the :class:`~cleaner.runner.pool.Pool` through a sliding window; otherwise it
cleans in this process. Chunks of items are queued while earlier ones are
cleaned, so a worker never waits at the end of a batch for the slowest chunk,
and at most ``workers * window_chunks`` chunks are in flight, so memory stays
flat however long the input is. The records come back in any order and wait
for the head of the window.

A worker that dies (killed by the watchdog, a crash in a C library, the OOM
killer) is replaced by the pool; here, the document it was cleaning becomes an
``error`` record that says why, the documents of its chunk done before that
one and those queued behind it are cleaned again, and the window moves on. A
worker that dies outside any document has its documents retried one by one,
so that only the one that kills a worker becomes an ``error`` record.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from typing import Any

from cleaner.errors import CleanerError
from cleaner.io.items import InputItem
from cleaner.pipeline import Pipeline
from cleaner.runner.pool import Death, Pool
from cleaner.runner.worker import clean_item, encode_record, failed_record

__all__ = ["run"]

WINDOW_BYTES = 128 << 20  # input held in the window (see _run_pool)
MAX_BLIND_DEATHS = 8  # workers in a row that die outside any document: the run stops


def run(
    items: Iterable[InputItem],
    config: str | None,
    workers: int = 1,
    progress: Any = None,
    chunk: int = 16,
    chunk_bytes: int = 1 << 19,
    window_chunks: int = 4,
    pipeline: Pipeline | None = None,
    encode: bool = False,
    isolate: bool = False,
) -> Generator[tuple[InputItem, Any], None, None]:
    """Clean items, yielding (item, record) in input order; with ``encode``,
    (item, :class:`~cleaner.runner.worker.Encoded`): the record as its JSONL line and its summary facts.

    With several workers, or with ``isolate`` (one worker process, watched, as
    ``cleaner clean`` runs), at most ``workers * window_chunks`` chunks of up to
    ``chunk`` items (or ``chunk_bytes`` of input) are in flight. Otherwise the
    items are cleaned in this process, under the stages' own time limits only
    (a call into C that never returns is not stopped).
    """
    pipe = pipeline if pipeline is not None else Pipeline.from_yaml(config)
    if workers <= 1 and not isolate:
        for item in items:
            rec = clean_item(pipe, item)
            yield item, (encode_record(rec) if encode else rec)
        return
    # the kernels compiled (a first run) or loaded here, before the workers fork:
    # they inherit them, and no worker compiles under the watchdog's time limits
    pipe.warm(html=False)
    yield from _run_pool(
        iter(items), config, max(1, workers), chunk, chunk_bytes, window_chunks, pipe, encode
    )


def _run_pool(
    it: Iterator[InputItem],
    config: str | None,
    workers: int,
    chunk: int,
    chunk_bytes: int,
    window_chunks: int,
    pipeline: Pipeline,
    encode: bool = False,
) -> Iterator[tuple[InputItem, Any]]:
    pool = Pool(workers, config, pipeline, encode)
    max_items = max(workers * window_chunks * chunk, 2 * chunk)
    max_tasks = workers * window_chunks
    # input held for the window (large documents, up to the size limit each): at
    # most this much beyond the documents being cleaned
    max_bytes = max(WINDOW_BYTES, workers * chunk_bytes * window_chunks)
    held = 0
    pending: dict[int, InputItem] = {}  # index -> item, from head to next_index
    done: dict[int, Any] = {}  # index -> record (or Encoded), waiting for the head
    tasks: dict[int, list[int]] = {}  # task id -> indices
    retried: set[int] = set()
    blind = 0  # deaths in a row outside any document
    head = next_index = next_tid = 0
    exhausted = False
    graceful = False

    def submit(indices: list[int]) -> None:
        nonlocal next_tid
        tasks[next_tid] = indices
        pool.submit(next_tid, [pending[i] for i in indices])
        next_tid += 1

    def fail(i: int, message: str) -> None:
        rec = failed_record(pending[i], message)
        done[i] = encode_record(rec) if encode else rec

    try:
        while True:
            # keep the window full
            while (
                not exhausted
                and len(tasks) < max_tasks
                and next_index - head < max_items
                and (held < max_bytes or not tasks)
            ):
                batch: list[int] = []
                nbytes = 0
                while len(batch) < chunk and nbytes < chunk_bytes:
                    try:
                        item = next(it)
                    except StopIteration:
                        exhausted = True
                        break
                    pending[next_index] = item
                    batch.append(next_index)
                    nbytes += item.size
                    held += item.size
                    next_index += 1
                if batch:
                    submit(batch)
            # hand out what is ready, in order
            while head in done:
                item = pending.pop(head)
                held -= item.size
                yield item, done.pop(head)
                head += 1
            if exhausted and head == next_index:
                graceful = True
                return
            if (
                not exhausted
                and len(tasks) < max_tasks
                and next_index - head < max_items
                and (held < max_bytes or not tasks)
            ):
                continue
            results, deaths = pool.wait(1.0)
            for tid, recs in results:
                indices = tasks.pop(tid, None)
                if indices is None:  # a task already given up on
                    continue
                for i, rec in zip(indices, recs, strict=True):
                    done.setdefault(i, rec)
            for death in deaths:
                blind = _after_death(death, tasks, submit, fail, retried, blind)
    finally:
        pool.close(graceful)


def _after_death(
    death: Death, tasks: dict[int, list[int]], submit: Any, fail: Any, retried: set[int], blind: int
) -> int:
    """Give the documents of a dead worker out again; the one it died on
    becomes an error record. Returns the count of deaths in a row that no
    document could be blamed for."""
    culprit: tuple[int, int, str] | None = None
    if death.state is not None:
        task, index = death.state[0], death.state[1]
        if death.killed is not None and death.killed[:2] == (task, index):
            culprit = death.killed
        elif death.killed is None or death.killed[1] < 0:  # a crash, or stopped for memory while idle
            why = death.killed[2] if death.killed is not None else _death_message(death.exitcode)
            culprit = (task, index, why)
        # else: killed for a document it had just finished; the next one is not to blame
    blamed = False
    for tid in death.lost:
        indices = tasks.pop(tid, None)
        if not indices:
            continue
        if culprit is not None and tid == culprit[0] and 0 <= culprit[1] < len(indices):
            bad = indices[culprit[1]]
            fail(bad, culprit[2])
            blamed = True
            rest = [i for i in indices if i != bad]
            if rest:
                submit(rest)
        elif tid != death.lost[0] or culprit is not None:  # queued behind, or not running: not a suspect
            submit(indices)
        elif len(indices) == 1 and indices[0] in retried:
            fail(indices[0], _death_message(death.exitcode))
            blamed = True
        else:  # died outside a document (or before telling which): one document per task
            for i in indices:
                retried.add(i)
                submit([i])
    if blamed:
        return 0
    blind += 1
    if blind >= MAX_BLIND_DEATHS:
        raise CleanerError(
            f"{blind} worker processes in a row died outside any document (last: {_death_message(death.exitcode)}"
            f"); is the machine out of memory or processes?"
        )
    return blind


def _death_message(exitcode: int | None) -> str:
    how = (
        f"killed by signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"exit code {exitcode}"
    )
    return f"worker process died while cleaning this document ({how})"
