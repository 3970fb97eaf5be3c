"""The process's memory and CPU time, for the benchmarks' child processes (Linux).

``rss_mb``/``hwm_mb``: resident set and its peak (MB, 1e6 bytes) from
``/proc/self/status``; ``reset_peak`` resets the peak to the current resident set
through ``/proc/self/clear_refs``; ``cpu_seconds``: user + system time of all threads.
"""

from __future__ import annotations


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
