"""Returning freed memory to the operating system (glibc only; a no-op elsewhere).

After a large fit frees its temporaries, glibc's allocator keeps the pages of chunks
below its mmap threshold in the heap; the next large allocation then adds to the
process's resident memory instead of reusing them.  ``malloc_trim(0)`` gives the free
pages back.  Called where a fit has just released temporaries larger than the data it
is about to copy (:mod:`linreg.fixed_effects.fit`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

__all__ = ["release_freed_memory"]

_LIBC = None


def release_freed_memory() -> None:
    """Ask glibc to return the free heap pages to the system (nothing on other
    platforms or C libraries)."""
    global _LIBC
    if not sys.platform.startswith("linux"):
        return
    if _LIBC is None:
        try:
            _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _LIBC.malloc_trim.argtypes = [ctypes.c_size_t]
        except (OSError, AttributeError):
            _LIBC = False
    if _LIBC:
        _LIBC.malloc_trim(0)
