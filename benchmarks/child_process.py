"""What the benchmarks that time each library in its own child process share (Linux).

``rss_mb``/``hwm_mb``: resident set and its peak (MB, 1e6 bytes) from
``/proc/self/status``; ``reset_peak`` resets the peak to the current resident set
through ``/proc/self/clear_refs``; ``cpu_seconds``: user + system time of all threads;
``machine``/``versions``: the table's header; ``run_in_data_folder``: ``main``'s data
folder (kept when given, else a temporary one removed at the end).
"""

from __future__ import annotations

import os
import platform
import shutil
import tempfile


def _status_kb(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key))


def rss_mb():
    return _status_kb("VmRSS:") * 1024 / 1e6


def hwm_mb():
    return _status_kb("VmHWM:") * 1024 / 1e6


def cpu_seconds():
    """User + system CPU time of this process so far (all threads)."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def reset_peak():
    """Reset the kernel's peak-RSS counter (VmHWM) to the current RSS; False if refused."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def machine() -> str:
    """CPU model, cores and memory of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 2**20
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB"


def versions(packages) -> str:
    """Python's version and those of the installed ``packages``."""
    import importlib.metadata as md

    found = []
    for p in packages:
        try:
            found.append(f"{p} {md.version(p)}")
        except md.PackageNotFoundError:
            pass
    return f"Python {platform.python_version()}, " + ", ".join(found)


def run_in_data_folder(args, run, prefix: str) -> None:
    """``run(args)`` with ``args.dir`` a data folder: the one given (kept), else a new
    temporary one, removed at the end."""
    keep = args.dir is not None
    args.dir = args.dir or tempfile.mkdtemp(prefix=prefix)
    os.makedirs(args.dir, exist_ok=True)
    try:
        run(args)
    finally:
        if not keep:
            shutil.rmtree(args.dir, ignore_errors=True)
