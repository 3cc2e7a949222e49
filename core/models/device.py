"""Device and thread choices for torch.

- ``pick_device() -> str``: ``"cuda"`` when a CUDA GPU is usable, else ``"mps"`` (Apple), else ``"cpu"``.
- ``available_cores() -> int``: CPU cores this process may use (affinity mask, capped by a cgroup quota).
- ``set_threads(n=None) -> int``: set torch's intra-op threads to ``n`` (default: ``available_cores()``)
  and return the number set.
- ``cpu_bf16_native(cpuinfo=None) -> bool | None``: whether this CPU has bfloat16 instructions (``avx512_bf16``,
  ``amx_bf16``; Arm ``bf16``); None when it cannot tell (no ``/proc/cpuinfo``).
- ``bf16_enabled(setting) -> bool``: what a ``hyper.bf16`` setting ("true", "false", "auto") means here: auto is on
  only on a CUDA GPU with bfloat16 support.
- ``release_memory() -> bool``: garbage-collect and return the C heap's free memory to the system (glibc).
"""

from __future__ import annotations

import math
import os
from pathlib import Path


def pick_device() -> str:
    """Return the best torch device name available: ``cuda``, then ``mps``, then ``cpu``."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a hard requirement
        return "cpu"
    try:
        if torch.cuda.is_available():
            return "cuda"
    except Exception:  # a broken driver must not stop CPU use
        pass
    try:
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "mps"
    except Exception:
        pass
    return "cpu"


def _cgroup_cpu_limit() -> int | None:
    """CPUs allowed by a cgroup v2 (``cpu.max``) or v1 (``cpu.cfs_quota_us``) quota, or None if unlimited."""
    try:
        text = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if text and text[0] != "max":
            return max(1, math.ceil(int(text[0]) / int(text[1])))
    except (OSError, ValueError, IndexError):
        pass
    try:
        quota = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
        period = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
        if quota > 0 and period > 0:
            return max(1, math.ceil(quota / period))
    except (OSError, ValueError):
        pass
    return None


def available_cores() -> int:
    """Number of CPU cores this process may run on (at least 1)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    limit = _cgroup_cpu_limit()
    if limit:
        n = min(n, limit)
    return max(1, n)


THREADS_ENV = "STUDIO_THREADS"  # threads per training / evaluation process when a machine is shared


def set_threads(n: int | None = None) -> int:
    """Set torch's intra-op thread count to ``n`` (default: ``STUDIO_THREADS`` when set to a positive whole
    number, else the cores available) and return it."""
    import torch

    if n is None:
        env = os.environ.get(THREADS_ENV, "").strip()
        n = int(env) if env.isdigit() and int(env) > 0 else available_cores()
    n = max(1, int(n))
    torch.set_num_threads(n)
    return n


BF16_FLAGS = ("avx512_bf16", "amx_bf16", "bf16")  # x86 AVX-512 BF16 / AMX, Arm (cpuinfo "Features")


def cpu_bf16_native(cpuinfo: str | os.PathLike | None = None) -> bool | None:
    """True when the CPU lists a bfloat16 instruction set in ``cpuinfo`` (default ``/proc/cpuinfo``), False when
    it lists flags without one (bf16 autocast then runs emulated: measured ~25x slower per training step than
    fp32 on an AVX2 machine), None when there is no such file."""
    try:
        text = Path(cpuinfo or "/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    flags: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() in ("flags", "features"):
            flags.update(value.split())
    if not flags:
        return None
    return any(f in flags for f in BF16_FLAGS)


def bf16_enabled(setting: str) -> bool:
    """True when ``setting`` ("true", "false" or "auto", any case) turns bf16 autocast on: "true" always, "false"
    never, "auto" on a CUDA GPU that supports bfloat16 (a CPU without bfloat16 instructions runs it emulated)."""
    setting = str(setting).lower()
    if setting in ("true", "false"):
        return setting == "true"
    try:
        import torch

        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    except Exception:  # noqa: BLE001 - no usable torch or CUDA runtime: no bf16
        return False


def release_memory() -> bool:
    """Collect garbage and hand the C heap's free memory back to the operating system (glibc ``malloc_trim``).

    A training step frees its activations into the heap, where glibc keeps them for reuse: the process's resident
    memory stays at the step's peak. Before loading more models (the delivery), trimming lets that memory hold
    them instead of adding to it. Returns True when the trim ran (Linux with glibc), False elsewhere."""
    import ctypes
    import gc
    import sys

    gc.collect()
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
        return True
    except (OSError, AttributeError):
        return False
