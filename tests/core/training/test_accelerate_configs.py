"""The accelerate config files shipped in configs/accelerate/ are read by accelerate's own launcher code into the
settings they promise (FSDP 2 with full state dicts so the saved folder is a plain sentence-transformers model,
DeepSpeed ZeRO-2, DDP), without launching anything. The 2-process CPU layout is run for real in
test_distributed.py."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT

CONFIGS = ROOT / "configs" / "accelerate"
EXPECTED = {
    "ddp.yaml": {"multi_gpu": True},
    "cpu_2proc.yaml": {"multi_gpu": True, "mixed_precision": "no"},
    "fsdp.yaml": {"use_fsdp": True, "env": {"ACCELERATE_USE_FSDP": "true", "FSDP_VERSION": "2",
                                             "FSDP_STATE_DICT_TYPE": "FULL_STATE_DICT",
                                             "FSDP_AUTO_WRAP_POLICY": "TRANSFORMER_BASED_WRAP"}},
    "deepspeed_zero2.yaml": {"use_deepspeed": True, "env": {"ACCELERATE_USE_DEEPSPEED": "true",
                                                            "ACCELERATE_DEEPSPEED_ZERO_STAGE": "2"}},
}


def test_every_shipped_config_is_checked():
    assert sorted(p.name for p in CONFIGS.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_accelerate_reads_the_config(name, monkeypatch):
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser
    from accelerate.utils.launch import prepare_deepspeed_cmd_env, prepare_multi_gpu_env

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    args = launch_command_parser().parse_args(["--config_file", str(CONFIGS / name), "-m", "core", "train",
                                               "--config", "cfg.yaml"])
    args, defaults, mp_from_config = _validate_launch_command(args)  # unknown keys or values raise here
    want = EXPECTED[name]
    for flag in ("multi_gpu", "use_fsdp", "use_deepspeed"):
        assert bool(getattr(args, flag)) == bool(want.get(flag)), flag
    assert args.num_processes == 2 and args.num_machines == 1
    assert args.mixed_precision == want.get("mixed_precision", "bf16")
    assert args.training_script == "core" and args.module
    if args.use_deepspeed:  # as accelerate's launch_command prepares it
        fields = list(defaults.deepspeed_config) + (["mixed_precision"] if mp_from_config else [])
        args.deepspeed_fields_from_accelerate_config = ",".join(fields)
        _, env = prepare_deepspeed_cmd_env(args)
    else:
        env = prepare_multi_gpu_env(args)
    for key, value in want.get("env", {}).items():
        assert env.get(key) == value, (key, env.get(key))
