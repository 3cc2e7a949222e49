"""Device choice and thread count, driven by what torch and the OS report (monkeypatched), not re-derived."""

from __future__ import annotations

import types

import pytest
import torch

from core.models import available_cores, pick_device, set_threads
from core.models import device as device_mod


def _fake_backends(monkeypatch, cuda: bool | Exception, mps: bool | None):
    def cuda_available():
        if isinstance(cuda, Exception):
            raise cuda
        return cuda

    monkeypatch.setattr(torch.cuda, "is_available", cuda_available)
    if mps is None:
        monkeypatch.setattr(torch.backends, "mps", None, raising=False)
    else:
        monkeypatch.setattr(torch.backends, "mps", types.SimpleNamespace(is_available=lambda: mps), raising=False)


@pytest.mark.parametrize("cuda, mps, expected", [
    (True, True, "cuda"),
    (False, True, "mps"),
    (False, False, "cpu"),
    (False, None, "cpu"),
    (RuntimeError("broken driver"), False, "cpu"),
    (RuntimeError("broken driver"), True, "mps"),
])
def test_pick_device_prefers_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    _fake_backends(monkeypatch, cuda, mps)
    assert pick_device() == expected


def test_picked_device_works_here():
    torch.zeros(2, device=pick_device())


@pytest.mark.parametrize("affinity, quota, expected", [
    ({0, 1, 2, 3}, None, 4),
    ({0, 1, 2, 3}, 2, 2),
    ({0}, 8, 1),
    (set(range(16)), 3, 3),
])
def test_available_cores_is_affinity_capped_by_cgroup_quota(monkeypatch, affinity, quota, expected):
    monkeypatch.setattr(device_mod.os, "sched_getaffinity", lambda pid: affinity)
    monkeypatch.setattr(device_mod, "_cgroup_cpu_limit", lambda: quota)
    assert available_cores() == expected


def test_cgroup_v2_quota_is_read(monkeypatch, tmp_path):
    files = {"/sys/fs/cgroup/cpu.max": "150000 100000\n"}

    class FakePath(type(tmp_path)):
        def read_text(self, *a, **k):
            if str(self) in files:
                return files[str(self)]
            raise OSError("absent")

    monkeypatch.setattr(device_mod, "Path", FakePath)
    assert device_mod._cgroup_cpu_limit() == 2  # 1.5 CPUs rounds up
    files["/sys/fs/cgroup/cpu.max"] = "max 100000\n"
    assert device_mod._cgroup_cpu_limit() is None


def test_set_threads_sets_torch_threads(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.setattr(device_mod, "available_cores", lambda: 3)
    monkeypatch.delenv("STUDIO_THREADS", raising=False)
    try:
        assert set_threads() == 3 and torch.get_num_threads() == 3
        monkeypatch.setenv("STUDIO_THREADS", "2")  # a shared machine: threads per process
        assert set_threads() == 2 and torch.get_num_threads() == 2
        monkeypatch.setenv("STUDIO_THREADS", "many")  # not a whole number: the cores available
        assert set_threads() == 3
        monkeypatch.delenv("STUDIO_THREADS")
        assert set_threads(1) == 1 and torch.get_num_threads() == 1
        assert set_threads(0) == 1  # never zero threads
    finally:
        torch.set_num_threads(before)


def test_cpu_bf16_native_reads_the_instruction_flags(tmp_path):
    from core.models.device import cpu_bf16_native

    avx2 = tmp_path / "avx2"
    avx2.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n\nprocessor\t: 1\nflags\t\t: fpu sse2 avx avx2 fma\n")
    sapphire = tmp_path / "spr"
    sapphire.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n")
    arm = tmp_path / "arm"
    arm.write_text("processor\t: 0\nFeatures\t: fp asimd bf16 i8mm\n")
    empty = tmp_path / "empty"
    empty.write_text("processor\t: 0\n")
    assert cpu_bf16_native(avx2) is False
    assert cpu_bf16_native(sapphire) is True
    assert cpu_bf16_native(arm) is True
    assert cpu_bf16_native(empty) is None
    assert cpu_bf16_native(tmp_path / "missing") is None


def test_bf16_on_a_cpu_without_bf16_instructions_is_warned_about():
    from core.training.runner import bf16_warning

    assert "hyper.bf16" in bf16_warning(True, False, False)
    assert bf16_warning(True, False, True) is None  # native bf16 on this CPU
    assert bf16_warning(True, True, False) is None  # on CUDA
    assert bf16_warning(True, False, None) is None  # cannot tell: no claim
    assert bf16_warning(False, False, False) is None


def test_release_memory_trims_the_heap_on_linux():
    import sys

    from core.models.device import release_memory

    assert release_memory() is sys.platform.startswith("linux")


def test_bf16_setting_means_the_same_to_the_trainer_and_the_memory_plan(monkeypatch):
    """``hyper.bf16``: "true"/"false" in any case are obeyed; "auto" is on only on a CUDA GPU with bfloat16 (this
    machine has none, so off); the runner and the memory estimate read it through the one function."""
    import torch

    import core.training.memory as memory
    import core.training.runner as runner
    from core.models.device import bf16_enabled

    assert bf16_enabled("true") and bf16_enabled("TRUE") and not bf16_enabled("False")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert not bf16_enabled("auto")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert bf16_enabled("auto")
    assert runner.bf16_enabled is bf16_enabled
    assert not hasattr(memory, "_bf16") and not hasattr(runner, "_bf16")
