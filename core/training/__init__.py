"""Training runs: config, the in-process runner, child-process launch, events."""

from core.training.config import DataConfig, EvalConfig, HyperParams, LossConfig, StrategyConfig, TrainConfig
from core.training.events import EventLog, read_events, read_status
from core.training.launch import (
                                  RunInfo,
                                  active_run,
                                  advance_queue,
                                  is_alive,
                                  list_runs,
                                  new_run_dir,
                                  queue_position,
                                  request_stop,
                                  run_phase,
                                  run_status,
                                  start_run,
                                  wait,
)
from core.training.runner import last_checkpoint, run_training

__all__ = [
    "DataConfig", "EvalConfig", "HyperParams", "LossConfig", "StrategyConfig", "TrainConfig",
    "EventLog", "read_events", "read_status",
    "RunInfo", "active_run", "advance_queue", "is_alive", "list_runs", "new_run_dir", "queue_position", "request_stop", "run_phase", "run_status",
    "start_run", "wait",
    "last_checkpoint", "run_training",
]
