"""Keep a long run's memory at what it holds: buffers a batch or a commit frees go back to the
system instead of staying with the allocators.

Two allocators kept freed memory. glibc's malloc raises its mmap threshold to the largest block
freed (up to 32 MB), so after the first big buffer is freed, later ones come from its heap and
stay there when freed; Arrow's default pool (mimalloc) keeps freed segments. Committing the 205
staged batches of a 1 GB WARC in one process, RSS climbed from 211 to 282 MB while it held 12 MB
of Python objects and no Arrow buffers at all. With the threshold fixed at 1 MB and Arrow's system
pool it climbed from 142 to 160 MB, for 28% more CPU in the commit (0.2% of that run's); at 128 KB
the commit and the report that follows it peaked at 225 MB instead of 326 MB. Through the CLI a
1 GB JSONL dump's peak fell from 733 to 671 MB; a 1 GB WARC's did not (749, then 763 MB: README).

glibc also gives each thread that allocates an arena of its own, up to 8 per core. One worker runs
its batches in Prefect's worker threads and commits and reports in the flow's thread, which cannot
reuse what the batches freed in their arenas. With one arena for the process, through the CLI, a 50
MB WARC's run peaked at 542 and 561 MB against 571 and 599 MB without (runs vary by some 30 MB),
and a 1 GB WARC's (grown from 100 pages) at 688 MB against 763 MB: its commit and report added 42
MB to the batches' peak instead of about 118 MB. The price is CPU: on a 50 MB JSONL dump through
the CLI, 87.1 and 87.7 CPU s with one arena against 82.3 and 86.4 without (about 4%; in process,
with no Prefect threads, none). The limit binds threads started after it is set: the CLI sets it
before Prefect starts any (cli.py). A flow run started otherwise gets it when `run_dataset` starts:
its batch threads then make no arenas of their own but share those that Prefect's threads already
made.

Settings the user made in the environment (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_ARENA_MAX`,
`ARROW_DEFAULT_MEMORY_POOL`) are left as they are.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

# Blocks of at least this size get their own mapping, returned to the system when freed. 128 KB
# (glibc's starting value) kept the commit's memory a little lower, for more page faults.
MMAP_THRESHOLD_BYTES = 1 << 20
MALLOC_ARENAS = 1
# mallopt's parameter numbers, from glibc's malloc.h, with the environment variable each stands for.
_MALLOPT = {"MALLOC_MMAP_THRESHOLD_": (-3, MMAP_THRESHOLD_BYTES), "MALLOC_ARENA_MAX": (-8, MALLOC_ARENAS)}


@functools.cache
def return_freed_memory() -> None:
    """Set, once per process, the allocators to give freed buffers back (see the module's text).

    >>> return_freed_memory(); import pyarrow as pa
    >>> pa.default_memory_pool().backend_name in ("system", os.environ.get("ARROW_DEFAULT_MEMORY_POOL"))
    True
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        for variable, (parameter, value) in _MALLOPT.items():
            if variable not in os.environ:
                libc.mallopt(parameter, value)
    except (OSError, AttributeError):  # not glibc: its allocator keeps its own ways
        pass
    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        import pyarrow as pa

        pa.set_memory_pool(pa.system_memory_pool())
