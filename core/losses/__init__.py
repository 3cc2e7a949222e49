"""Loss registry: sentence-transformers losses, the data formats they train on, their parameters.

Public API:

- ``Param``, ``LossSpec``, ``LOSSES``, ``DEFAULT_LOSS``, ``FORMAT_NAMES``
- ``get_loss(name) -> LossSpec``; ``losses_for(format) -> list[LossSpec]`` (best first);
  ``default_loss_for(format, num_labels=None) -> str``; ``run_loss(name, format) -> str | None`` (the configured
  loss, else the format's default: the one rule every caller uses)
- ``check_compatible(name, format) -> LossSpec`` (ConfigError naming the formats the loss needs)
- ``validate_params(name, params) -> dict`` (defaults filled, ConfigError on a bad value)
- ``build_loss(name, model, params, data_format, num_labels=None, guide_model=None, matryoshka_dims=None)``
- ``batch_sampler_for(name) -> BatchSamplers``; ``validate_matryoshka_dims(dims, model_dim) -> list[int]``
- ``dataset_for_loss(df_or_dataset, data_format, loss_name) -> datasets.Dataset``
"""

from core.losses.build import (
    batch_sampler_for,
    build_loss,
    gathers_across_devices,
    validate_matryoshka_dims,
    world_size,
)
from core.losses.columns import dataset_for_loss
from core.losses.params import Param, coerce_value, validate_values
from core.losses.registry import (
    DEFAULT_LOSS,
    FORMAT_NAMES,
    LOSSES,
    LossSpec,
    check_compatible,
    default_loss_for,
    get_loss,
    losses_for,
    run_loss,
    validate_params,
)

__all__ = [
    "DEFAULT_LOSS",
    "FORMAT_NAMES",
    "LOSSES",
    "LossSpec",
    "Param",
    "batch_sampler_for",
    "build_loss",
    "gathers_across_devices",
    "world_size",
    "check_compatible",
    "coerce_value",
    "dataset_for_loss",
    "default_loss_for",
    "run_loss",
    "get_loss",
    "losses_for",
    "validate_matryoshka_dims",
    "validate_params",
    "validate_values",
]
