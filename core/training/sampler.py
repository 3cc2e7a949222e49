"""Length-grouped batches that keep the no-duplicates guarantee of in-batch-negative losses.

``LengthGrouped(row_lengths(train_dataset, tokenizer, max_length))`` is what the runner gives
``SentenceTransformerTrainingArguments(batch_sampler=...)`` when ``hyper.group_by_length`` is on: sentence-transformers
calls it with the training dataset and gets a ``LengthGroupedNoDuplicatesBatchSampler``.

Why: every text column of a batch is padded to its longest text, so a batch mixing a 40-token passage with a
300-token one computes (and, on a CPU, pays for) mostly padding; attention grows with the square of the length.
Grouping rows of similar length into a batch cuts the padding without changing what is learned from each row.

How (the "mega-batch" scheme of ``transformers``' ``LengthGroupedSampler``, kept random):

1. each epoch, shuffle the rows (seeded by ``seed + epoch``, as sentence-transformers' samplers are);
2. cut the shuffled order into groups of ``batch_size x group`` rows and sort each group by length, longest
   first, so a group's batches hold rows of similar length while which rows meet in a group changes every epoch;
3. fill batches in that order exactly as ``NoDuplicatesBatchSampler`` does (a row sharing any text with the
   batch is deferred to a later batch, so no text is a false in-batch negative of another row);
4. shuffle the order of the batches, so training does not see long batches first.

A batch of one row (the pass's last row when the rows divide by the batch size with one over, or a row that
clashes with every other) has no in-batch negative: its loss and gradient are 0 and its step is wasted. Such a row
joins a full batch that holds none of its texts (one row more than the batch size), and the sampler's length
(``core.training.schedule.batch_count``, which the run's step plan uses too) counts the folded tail.

With ``keys`` (one small integer per row: its language, ``row_languages``) each group is sorted by key first, then
by length, so a group's batches hold rows of one language (but where a key's rows run out mid-batch). Why: in a
batch mixing Chinese and English rows, a multilingual model tells the other language's passages apart from the
first step on; they are in-batch negatives that teach nothing, so half of a mixed batch's negatives are wasted.
One language per batch makes every in-batch negative count (data of one language is unchanged).

Inputs: a ``datasets.Dataset`` of text columns (and optional ``label`` / ``score``); a row's length is the sum
over its text columns of ``min(tokens, max_length)`` (the tokens a model encodes). Output: lists of row indices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Optional

import numpy as np
import torch
from sentence_transformers.base.sampler import NoDuplicatesBatchSampler

from core.training.recipe import token_counts

GROUP = 8  # batches per sorted group: padding falls with it, batch variety across epochs with it too
_SKIP = ("label", "score", "dataset_name")


def column_lengths(dataset, tokenizer: Any, max_length: Optional[int] = None) -> list[np.ndarray]:
    """Per text column of ``dataset``: each row's token count (special tokens included), capped at ``max_length``."""
    cap = int(max_length) if max_length else None
    out = []
    for col in dataset.column_names:
        if col in _SKIP:
            continue
        texts = dataset[col]
        if not len(texts) or not isinstance(texts[0], str):
            continue
        out.append(np.asarray(token_counts(tokenizer, texts, cap), dtype=np.int64))
    return out


def row_lengths(dataset, tokenizer: Any, max_length: Optional[int] = None) -> np.ndarray:
    """Per row of ``dataset``: the summed token counts of its text columns, each capped at ``max_length``."""
    cols = column_lengths(dataset, tokenizer, max_length)
    return np.sum(cols, axis=0) if cols else np.zeros(len(dataset), dtype=np.int64)


def groupable(loss_name: Optional[str]) -> bool:
    """True when loss ``loss_name`` batches without duplicates (in-batch negatives), the batches this sampler makes."""
    from sentence_transformers.base.sampler import BatchSamplers

    from core import losses as L
    from core.errors import ConfigError

    if not loss_name:
        return False
    try:
        return L.batch_sampler_for(loss_name) == BatchSamplers.NO_DUPLICATES
    except ConfigError:  # an unknown loss: the config check names it
        return False


def groups_by_length(loss_name: str, hyper) -> bool:
    """True when a run with ``hyper`` and loss ``loss_name`` uses the length-grouped sampler: ``hyper.group_by_length``
    on and a ``groupable`` loss."""
    return bool(hyper.group_by_length) and groupable(loss_name)


def grouped_step_factor(dataset, tokenizer: Any, max_length: Optional[int], batch_size: int, seed: int = 0) -> float:
    """Time of a length-grouped step over a random one, from the padded positions each computes (attention's
    square term left out): ``(1 - random padding) / (1 - grouped padding)``."""
    random_share, grouped_share = padding_shares(column_lengths(dataset, tokenizer, max_length), batch_size, seed)
    return (1.0 - random_share) / (1.0 - grouped_share) if grouped_share < 1 else 1.0


def language_keys(texts: Sequence[Any]) -> np.ndarray:
    """Per text: 1 when it is Chinese (``core.data.language.text_language``), else 0 (also for a non-text)."""
    from core.data.language import text_language

    return np.asarray([1 if isinstance(t, str) and text_language(t) == "zh" else 0 for t in texts], dtype=np.int64)


def row_languages(dataset) -> np.ndarray:
    """Per row of ``dataset``: ``language_keys`` of its first text column (the query / anchor), the ``keys`` that
    put one language in a batch."""
    for col in dataset.column_names:
        if col in _SKIP:
            continue
        texts = dataset[col]
        if len(texts) and isinstance(texts[0], str):
            return language_keys(texts)
    return np.zeros(len(dataset), dtype=np.int64)


def grouped_order(perm: Sequence[int], lengths: np.ndarray, group_rows: int,
                  keys: Optional[np.ndarray] = None) -> list[int]:
    """``perm`` cut into runs of ``group_rows`` indices, each run sorted by length, longest first (stable); with
    ``keys``, by key first (rows of one key together), then by length."""
    out: list[int] = []
    for start in range(0, len(perm), max(1, group_rows)):
        run = list(perm[start:start + group_rows])
        if keys is None:
            run.sort(key=lambda i: -int(lengths[i]))
        else:
            run.sort(key=lambda i: (int(keys[i]), -int(lengths[i])))
        out.extend(run)
    return out


class LengthGroupedNoDuplicatesBatchSampler(NoDuplicatesBatchSampler):
    """``NoDuplicatesBatchSampler`` whose batches hold rows of similar length (see the module docstring).

    ``lengths``: one number per dataset row (``row_lengths``); ``group``: batches per sorted group; ``keys``: one
    integer per row (``row_languages``), rows of one key batched together, or None."""

    def __init__(self, dataset, batch_size: int, drop_last: bool, valid_label_columns: Optional[list[str]] = None,
                 generator: Optional[torch.Generator] = None, seed: int = 0, lengths: Optional[np.ndarray] = None,
                 group: int = GROUP, keys: Optional[np.ndarray] = None) -> None:
        super().__init__(dataset, batch_size=batch_size, drop_last=drop_last, valid_label_columns=valid_label_columns,
                         generator=generator, seed=seed)
        if lengths is None or len(lengths) != len(dataset):
            raise ValueError("lengths must give one length per dataset row")
        if keys is not None and len(keys) != len(dataset):
            raise ValueError("keys must give one key per dataset row")
        self.lengths = np.asarray(lengths)
        self.keys = None if keys is None or np.unique(keys).size < 2 else np.asarray(keys)  # one language: no keys
        self.group = max(1, int(group))

    def _iter_one_pass(self, get_sample_values: Callable, has_overlap: Callable) -> Iterator[list[int]]:
        n = len(self.dataset)
        perm = torch.randperm(n, generator=self.generator).tolist()
        remaining = grouped_order(perm, self.lengths, self.batch_size * self.group, self.keys)
        batches: list[list[int]] = []
        while remaining:
            batch: list[int] = []
            values: set = set()
            deferred: list[int] = []
            rest: list[int] = []
            for pos, index in enumerate(remaining):
                sample = get_sample_values(index)
                if has_overlap(sample, values):
                    deferred.append(index)  # stays in place for a later batch
                    continue
                batch.append(index)
                values.update(sample)
                if len(batch) == self.batch_size:
                    rest = remaining[pos + 1:]
                    break
            remaining = deferred + rest
            batches.append(batch)  # a short batch: every row left clashes with it
        batches = self._repair(batches, get_sample_values, has_overlap)
        if self.drop_last:
            batches = [b for b in batches if len(b) == self.batch_size]
        else:
            batches = self._fold_singles(batches, get_sample_values, has_overlap)
        for k in torch.randperm(len(batches), generator=self.generator).tolist():
            yield batches[k]

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.dataset) // self.batch_size
        from core.training.schedule import batch_count

        return batch_count(len(self.dataset), self.batch_size, fold_lone_row=True)

    def _fold_singles(self, batches: list[list[int]], get_sample_values: Callable,
                      has_overlap: Callable) -> list[list[int]]:
        """``batches`` with each batch of one row put into a full batch that holds none of its texts (each full
        batch takes at most one); a row no full batch can take keeps its batch."""
        full = [i for i, b in enumerate(batches) if len(b) >= self.batch_size]
        singles = [i for i, b in enumerate(batches) if len(b) == 1]
        if not full or not singles or self.batch_size < 2:
            return batches
        order = [full[k] for k in torch.randperm(len(full), generator=self.generator).tolist()]
        folded: set[int] = set()
        for i in singles:
            row_values = get_sample_values(batches[i][0])
            for j in order:
                if j in folded:
                    continue
                values: set = set()
                for x in batches[j]:
                    values.update(get_sample_values(x))
                if not has_overlap(row_values, values):
                    batches[j] = batches[j] + batches[i]
                    folded.update((i, j))
                    break
        return [b for i, b in enumerate(batches) if i not in folded or len(b) > 1]

    def _repair(self, batches: list[list[int]], get_sample_values: Callable, has_overlap: Callable) -> list[list[int]]:
        """Batches with the rows of all but the first short batch swapped into full ones.

        Length grouping puts rows that share a passage (several questions about one article) next to each other;
        when such a cluster is left at the end of a pass, every row of it clashes with every other, and the greedy
        fill above makes one batch per row: a batch of one has no in-batch negative (MNRL's loss is exactly 0) and
        the pass yields more batches than the trainer's schedule counts. Each such row goes into a full batch
        that holds none of its texts, in exchange for a row of that batch that does not clash with the first
        short batch, which the exchanged rows fill. Rows that find no such swap keep a batch of their own."""
        short = [i for i, b in enumerate(batches) if len(b) < self.batch_size]
        if len(short) < 2:
            return batches
        full = [b for b in batches if len(b) == self.batch_size]
        last, left = list(batches[short[0]]), [x for i in short[1:] for x in batches[i]]
        last_values: set = set()
        for x in last:
            last_values.update(get_sample_values(x))
        out_short: list[list[int]] = []
        order = torch.randperm(len(full), generator=self.generator).tolist() if full else []
        held: dict[int, set] = {}  # a full batch's texts, built when first needed and kept up to date on each swap

        def texts_of(k: int) -> set:
            if k not in held:
                held[k] = set()
                for x in full[k]:
                    held[k].update(get_sample_values(x))
            return held[k]

        for r in left:
            r_values = get_sample_values(r)
            placed = False
            if not has_overlap(r_values, last_values):  # room in the short batch itself (a clash-free row)
                last.append(r)
                last_values.update(r_values)
                placed = True
            for k in ([] if placed else order):
                b, b_values = full[k], texts_of(k)
                if has_overlap(r_values, b_values):
                    continue
                for j, x in enumerate(b):
                    x_values = get_sample_values(x)
                    if not has_overlap(x_values, last_values):
                        b[j] = r
                        b_values.difference_update(x_values)  # exact: rows of a batch never share a text
                        b_values.update(r_values)
                        last.append(x)
                        last_values.update(x_values)
                        placed = True
                        break
                if placed:
                    break
            if not placed:
                out_short.append([r])
            if len(last) == self.batch_size:  # the short batch is full: the next swaps fill a new one
                full.append(last)
                held[len(full) - 1] = last_values
                order.append(len(full) - 1)
                last, last_values = [], set()
        return full + ([last] if last else []) + out_short


class LengthGrouped:
    """The ``batch_sampler`` for ``SentenceTransformerTrainingArguments``: sentence-transformers calls it with the
    training dataset and gets a ``LengthGroupedNoDuplicatesBatchSampler``. ``lengths``: ``row_lengths`` of that
    dataset, measured once by the runner (a plain array, so the training arguments still pickle into checkpoints);
    ``keys``: ``row_languages`` of it, or None."""

    def __init__(self, lengths: np.ndarray, group: int = GROUP, keys: Optional[np.ndarray] = None):
        self.lengths, self.group = np.asarray(lengths), int(group)
        self.keys = None if keys is None else np.asarray(keys)

    def __call__(self, dataset, **kwargs) -> LengthGroupedNoDuplicatesBatchSampler:
        return LengthGroupedNoDuplicatesBatchSampler(dataset, lengths=self.lengths, group=self.group, keys=self.keys,
                                                     **kwargs)


def padding_shares(lengths: Sequence[Sequence[int]], batch_size: int, seed: int = 0,
                   group: int = GROUP) -> tuple[float, float]:
    """``(share of padded positions with random batches, the same with length-grouped batches)``.

    ``lengths``: one list per text column, one token count per row (every column pads to its own longest text in
    a batch). Duplicates are ignored here: this is the estimate the recipe's plan line prints."""
    by_col = np.asarray(lengths, dtype=np.int64)
    if by_col.ndim != 2 or by_col.shape[1] == 0:
        return 0.0, 0.0
    rows = by_col.shape[1]
    perm = np.random.default_rng(seed).permutation(rows).tolist()

    def share(order: list[int]) -> float:
        padded = real = 0
        for start in range(0, rows, max(1, batch_size)):
            idx = order[start:start + batch_size]
            block = by_col[:, idx]
            padded += int(block.max(axis=1).sum()) * len(idx)
            real += int(block.sum())
        return 1.0 - real / padded if padded else 0.0

    return share(perm), share(grouped_order(perm, by_col.sum(axis=0), batch_size * group))
