"""Device choice and thread count."""

import os

import torch

from core.models import available_cores, pick_device, set_threads


def test_pick_device_matches_hardware():
    dev = pick_device()
    if torch.cuda.is_available():
        assert dev == "cuda"
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        assert dev == "mps"
    else:
        assert dev == "cpu"
    torch.zeros(2, device=dev)  # the device actually works


def test_set_threads_uses_available_cores():
    before = torch.get_num_threads()
    try:
        n = available_cores()
        assert 1 <= n <= len(os.sched_getaffinity(0))
        assert set_threads() == n and torch.get_num_threads() == n
        assert set_threads(1) == 1 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
