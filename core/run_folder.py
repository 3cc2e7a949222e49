"""The run-folder contract: the names of the files a run folder holds and the types of the events its
``events.jsonl`` carries, in one place. ``core/README.md`` documents both tables, and
``tests/core/test_run_folder.py`` checks that the tables and these constants agree.

A leaf module (it imports nothing), so ``core.paths`` and every area can use it without an import cycle.
``core.training.events`` re-exports the names it used before (``EVENTS``, ``STATUS``, ``STOP_FILE``).
"""

from __future__ import annotations

# --------------------------------------------------------------------------------- files and folders of a run
CONFIG_FILE = "config.yaml"
EVENTS_FILE = "events.jsonl"
STATUS_FILE = "status.json"
STOP_FILE = "STOP"
PID_FILE = "pid"
OWNER_FILE = "owner.json"  # who started the run (core.training.owners): a user name or a salted session hash
LOG_FILE = "train.log"
METRICS_FILE = "metrics.json"
DELIVERY_FILE = "delivery.json"
BASE_SCORES_FILE = "base_scores.json"  # the base model's per-query validation scores, kept for a resumed run
CHECKPOINTS_DIR = "checkpoints"
FINAL_DIR = "final"
BEST_DIR = "best"
DELIVERED_DIR = "delivered"

RUN_FILES = (CONFIG_FILE, EVENTS_FILE, STATUS_FILE, STOP_FILE, PID_FILE, OWNER_FILE, LOG_FILE, METRICS_FILE, DELIVERY_FILE,
             BASE_SCORES_FILE, CHECKPOINTS_DIR, FINAL_DIR, BEST_DIR, DELIVERED_DIR)
QUEUE_LOCK = ".queue.lock"  # in the runs folder (not a run folder): held while the training queue is read or advanced
MODEL_DIRS = (DELIVERED_DIR, BEST_DIR, FINAL_DIR)  # folders that hold a loadable model, in order of preference

# ------------------------------------------------------------------------------------ event types (events.jsonl)
EV_STATUS = "status"
EV_PLAN = "plan"
EV_DATA = "data"
EV_RECIPE = "recipe"
EV_PARAMS = "params"
EV_PHASE = "phase"
EV_PROGRESS = "progress"
EV_TRAIN = "train"
EV_EVAL = "eval"
EV_BEST = "best"
EV_DELIVERY = "delivery"
EV_LOG = "log"
EV_WARNING = "warning"
EV_ERROR = "error"

EVENT_TYPES = (EV_STATUS, EV_PLAN, EV_DATA, EV_RECIPE, EV_PARAMS, EV_PHASE, EV_PROGRESS, EV_TRAIN, EV_EVAL, EV_BEST,
               EV_DELIVERY, EV_LOG, EV_WARNING, EV_ERROR)
MESSAGE_EVENTS = (EV_LOG, EV_WARNING, EV_ERROR)  # events whose point is their ``message``
PHASE_DELIVERING = "delivering"  # the ``phase`` event's name while the delivered model is chosen (after training)
