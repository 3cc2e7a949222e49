"""The delivered model of a run: never ship a regression.

When a run ends with a saved model, ``deliver(run_dir, base, evalset, ...)`` scores the candidates on the
validation retrieval set, one NDCG@10 per query:

- ``base`` (the model the run started from), ``best`` (``best/``), ``final`` (``final/``);
- ``blend-0.25`` / ``blend-0.5`` / ``blend-0.75``: ``core.models.merge.interpolate(base, tuned, alpha)``
  (WiSE-FT / LM-Cocktail), ``tuned`` being ``final/`` (else ``best/``);

every candidate encoded at the length it is delivered with (``shipped_length``: the base model's own maximum
length, or the run's training length when that is longer), so what delivery measures is what a team gets; the
training's own validation scores (``known_scores``) are reused: the runner's evaluator reads every text at that
delivered length while the model trains at a shorter one (``core.training.evaluators.read_at``), and scores read
at the run's length count only when every validation text fits it (``evalset_fits``);
compares each with the base by ``core.evaluation.stats.paired_difference`` and picks by one rule
(``choose``): the highest mean NDCG@10 among the candidates that are not *worse* than the base; when none is
*better* (confidence interval excluding 0) the base is delivered and the record says so in one sentence. ``best/``
competes with ``final/`` only when it is *better* than ``final/`` beyond noise (``held_back``): the trainer kept it
as the highest of the run's evaluations on these same validation queries, so its lead is biased upward.
The choice is saved with ``model.save`` as ``runs/<name>/delivered/`` (plain sentence-transformers folder)
and explained in ``delivery.json``. A forgetting guard then scores the base and the delivered model on a
general-domain BEIR set of each language of the validation queries (``general_dir``), both at that one length as
well, so the change is the weights' and not a different cut of long passages, and records the change
next to the domain gain (``"domain +8.1%, general en −0.9%"``). The guard has a say in the choice: a candidate
shown to lose more than ``data.general_max_drop`` (1 point) of general-domain NDCG@10, its whole 95% interval below
that (``fell_beyond``), is passed over for the next best candidate better than the base (in practice a blend closer to it), and when every
one falls that far, the one that falls least is delivered; the sentence names what was passed over and why
(``guarded_reason``). A language the base model does not cover
(``unserved_reason``: MiniLM and Chinese) is left out with the reason, and when the base itself is delivered
nothing is scored (its general retrieval is unchanged by construction: ``BASE_DELIVERED``).

``deliver_run(run_dir, config, evalset, log)`` is the runner's one call: it takes the validation set found in the
run's evaluator (``evalset_from_evaluator``), reports progress as ``log`` events and writes the ``delivery``
event. Output: the ``delivery.json`` dict.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from core.errors import StudioError
from core.paths import atomic_write_json
from core.progress import Progress, ProgressFn
from core.run_folder import (
    BEST_DIR,
    DELIVERED_DIR,
    DELIVERY_FILE,
    EV_DELIVERY,
    EV_LOG,
    EV_PHASE,
    EV_WARNING,
    FINAL_DIR,
    PHASE_DELIVERING,
)

DELIVERED = DELIVERED_DIR  # the names this module exported before core/run_folder.py
DELIVERY_JSON = DELIVERY_FILE
ALPHAS = (0.25, 0.5, 0.75)
METRIC = "ndcg@10"
GENERAL_ENV = "STUDIO_GENERAL_DIR"
# Why the general check scores nothing when the base model is delivered (the change is zero by construction).
BASE_DELIVERED = "the delivered model is the base model, so its general-domain retrieval is unchanged: nothing was scored"
GENERAL_MAX_PASSAGES = 3000  # general-set corpus cap (every relevant passage kept, distractors sampled)
GENERAL_MAX_DROP = 0.01  # config data.general_max_drop's default: 1 point of general-domain NDCG@10


@dataclass
class Candidate:
    """One model the run could deliver. ``model`` is loaded lazily by ``load``; ``path`` is its folder if any."""

    name: str
    source: str  # human description: "base model minilm", "final/", "blend α=0.25 of base and final/"
    load: Callable[[], Any]
    alpha: Optional[float] = None
    path: Optional[Path] = None
    mean: float = 0.0
    per_query: list[float] = field(default_factory=list)
    vs_base: Any = None  # PairedDiff


# ------------------------------------------------------------------------------------------- scoring


def evalset_from_evaluator(evaluator: Any):
    """The retrieval ``EvalSet`` an ``InformationRetrievalEvaluator`` searches (also inside a
    ``SequentialEvaluator``), or None when the evaluator is not a retrieval one."""
    from core.evaluation.evalset import EvalSet
    from core.training.evaluators import retrieval_evaluator

    ev = retrieval_evaluator(evaluator)
    if ev is None:
        return None
    return EvalSet(corpus=dict(zip(map(str, ev.corpus_ids), ev.corpus)),
                   queries=dict(zip(map(str, ev.queries_ids), ev.queries)),
                   qrels={str(q): {str(d): 1 for d in rels} for q, rels in ev.relevant_docs.items()},
                   name="validation")


def weights_digest(folder: Path) -> Optional[str]:
    """A digest of a saved model's weight files (name, size, whole content), equal for two folders holding the
    same weights; None when the folder has no safetensors file. (``core.models.model_fingerprint`` would not
    do: it samples large files and includes their mtimes, so best/ and final/ saved apart always differ.)"""
    import hashlib

    files = sorted(Path(folder).rglob("*.safetensors"))
    if not files:
        return None
    h = hashlib.sha1()
    for f in files:
        h.update(f.relative_to(folder).as_posix().encode() + str(f.stat().st_size).encode())
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


ENCODING = "deliver-encode"  # a check's texts encoded so far: the progress bar's fraction, not a log line


def per_query_ndcg(model: Any, evalset, batch_size: Optional[int] = None,
                   progress: ProgressFn | None = None) -> list[float]:
    """NDCG@10 of ``model`` for every query of ``evalset`` (in ``evalset.queries`` order), whole corpus searched.
    ``progress``: told the texts encoded so far (stage ``ENCODING``, queries then passages, one total), so a check
    that encodes for minutes (a general set at 512 tokens) moves a progress bar."""
    from core.evaluation.encoding import encode_corpus, encode_queries
    from core.evaluation.metrics import retrieval_metrics_from_embeddings

    qids, dids = list(evalset.queries), list(evalset.corpus)
    total = len(qids) + len(dids)

    def part(offset: int) -> ProgressFn | None:
        if progress is None:
            return None
        return lambda p: progress(Progress(ENCODING, offset + p.done, total))

    q = encode_queries(model, [evalset.queries[i] for i in qids], batch_size=batch_size, progress=part(0))
    c = encode_corpus(model, [evalset.corpus[i] for i in dids], batch_size=batch_size, progress=part(len(qids)))
    res = retrieval_metrics_from_embeddings(q, c, qids, dids, evalset.qrels, k_values=(10,))
    by_id = dict(zip(res.per_query["query_id"], res.per_query[METRIC]))
    return [float(by_id[i]) for i in qids]


def at_length(model: Any, length: Optional[int]) -> Any:
    """``model`` with ``max_seq_length`` set to ``length`` (left as it is when either is None); returns it."""
    if length is not None and getattr(model, "max_seq_length", None) is not None:
        model.max_seq_length = int(length)
    return model


def scores_at(model: Any, evalset, length: Optional[int], batch_size: Optional[int] = None,
              progress: ProgressFn | None = None) -> list[float]:
    """``per_query_ndcg`` of ``model`` encoding at ``length`` tokens; the model keeps its own length afterwards."""
    kept = getattr(model, "max_seq_length", None)
    at_length(model, length)
    try:
        return per_query_ndcg(model, evalset, batch_size, progress)
    finally:
        at_length(model, kept)


def shipped_length(own: Optional[int], trained: Optional[int]) -> Optional[int]:
    """The maximum length (tokens) a delivered model encodes at: the base model's ``own`` (what it was pre-trained for
    and what a team used it at), or the run's ``trained`` length when that is longer; None when neither is known.

    A shorter training length is a choice for the training's speed and memory (the recipe's "95% of passages fit");
    cutting the delivered model there would read a team's longer passages worse than the base did. Measured on the
    sample's delivered multilingual-e5-small blend (trained at 160 tokens) on general_zh's web passages: 0.9101 at
    160 tokens, 0.9116 at 512, where the base reads 0.9180 at 160 and 0.9248 at 512 (BENCHMARKS.md, "The delivered
    model's length")."""
    known = [int(x) for x in (own, trained) if x]
    return max(known) if known else None


def ship_length(base: Any, tuned: Any) -> Optional[int]:
    """``shipped_length`` of the loaded ``base`` (at its own length) and ``tuned`` (at the run's length) models."""
    return shipped_length(getattr(base, "max_seq_length", None), getattr(tuned, "max_seq_length", None))


def texts_fit(tokenizer: Any, texts: Sequence[str], length: Optional[int]) -> bool:
    """True when each of ``texts`` is at most ``length`` tokens (special tokens included): a model then encodes them
    the same at ``length`` and at any longer length. False when either is unknown."""
    if tokenizer is None or not length:
        return False
    from core.training.recipe import token_counts

    return max(token_counts(tokenizer, list(texts)), default=0) <= int(length)


def evalset_fits(model: Any, evalset, length: Optional[int]) -> bool:
    """``texts_fit`` for every query and passage of ``evalset`` as ``model`` encodes them (with its prompts)."""
    from core.evaluation.encoding import prompt_text

    q, c = prompt_text(model, "query"), prompt_text(model, "corpus")
    texts = [q + t for t in evalset.queries.values()] + [c + t for t in evalset.corpus.values()]
    return texts_fit(getattr(model, "tokenizer", None), texts, length)


def blend(base: Any, tuned: Any, alpha: float) -> Any:
    """``interpolate(base, tuned, alpha)`` at the delivered length (``ship_length``), as delivery scores and saves a
    blend, Evaluate's blend curve scores it and Export writes it. ``base`` at its own length."""
    from core.models.merge import interpolate

    return at_length(interpolate(base, tuned, alpha), ship_length(base, tuned))


# ------------------------------------------------------------------------------------------- the rule


_FIND = object()  # ``choose``'s ``kept_back`` when the caller did not pass it: ``held_back`` decides


def choose(candidates: Sequence[Candidate], kept_back: Any = _FIND) -> tuple[Candidate, str]:
    """(chosen candidate, one sentence why). ``candidates[0]`` is the base; every candidate has ``vs_base``;
    ``kept_back``: ``held_back(candidates[1:])``, computed here unless the caller, who needs it too, passes it.

    Highest mean NDCG@10 among the candidates not *worse* than the base (ties keep the earlier one, the base
    first); when no candidate is *better* than the base, the base. ``best`` competes with ``final`` only when it
    is *better* than ``final`` beyond noise (``held_back``): its validation score is already the highest of the
    run's evaluations on these same queries, so its edge over ``final`` is biased upward."""
    from core.evaluation.stats import BETTER, WORSE

    base, others = candidates[0], list(candidates[1:])
    n = len(base.per_query)
    if kept_back is _FIND:
        kept_back = held_back(others)
    pool = [c for c in others if c is not kept_back]
    better = [c for c in pool if c.vs_base.verdict == BETTER]
    if not better:
        top = max(pool, key=lambda c: c.mean, default=None)
        detail = ""
        if top is not None:
            d = top.vs_base
            detail = (f" (the highest-scoring candidate, {top.name}, scored {METRIC} {top.mean:.4f} vs {base.mean:.4f}, difference "
                      f"{d.diff:+.4f}, 95% CI [{d.ci_low:+.4f}, {d.ci_high:+.4f}])")
            if d.ci_low > 0:  # the interval alone would say better: say what held it back, as the verdicts do
                detail = (f" (the highest-scoring candidate, {top.name}, scored {METRIC} {top.mean:.4f} vs {base.mean:.4f}, difference "
                          f"{d.diff:+.4f}, 95% CI [{d.ci_low:+.4f}, {d.ci_high:+.4f}], but the paired test's "
                          f"p = {d.p_value:.2f}: too few queries to tell)")
        note = _held_back_note(kept_back, others, top)
        return base, (f"No candidate beat the base model beyond noise on {n} validation queries{detail}, "
                      f"so the delivered model is the base model.{note}")
    eligible = [base] + [c for c in pool if c.vs_base.verdict != WORSE]
    chosen = eligible[0]
    for c in eligible[1:]:
        if c.mean > chosen.mean:
            chosen = c
    d = chosen.vs_base
    if chosen is base:  # cannot happen with a better candidate (its mean is above the base's), kept for safety
        return base, f"The base model has the highest validation {METRIC} ({base.mean:.4f}), so it is delivered."
    # the sentence follows "Delivered:" in the Train tab's run header, so it names the model without that word again
    note = _held_back_note(kept_back, others, chosen)
    return chosen, (f"{chosen.name} has the highest validation {METRIC} ({chosen.mean:.4f} vs base "
                    f"{base.mean:.4f}, {d.diff:+.4f}, 95% CI [{d.ci_low:+.4f}, {d.ci_high:+.4f}]) among the candidates "
                    f"not worse than the base, on {n} queries.{note}")


def _held_back_note(kept_back: Optional[Candidate], others: Sequence[Candidate], chosen: Optional[Candidate]) -> str:
    """The sentence added when ``held_back`` kept ``best`` out and it scored above the candidate ``chosen``."""
    from core.evaluation.stats import paired_difference

    if kept_back is None or (chosen is not None and kept_back.mean <= chosen.mean):
        return ""
    final = next(c for c in others if c.name == FINAL_DIR)
    e = paired_difference(final.per_query, kept_back.per_query)
    return (f" {BEST_DIR}/ scored {e.diff:+.4f} above {FINAL_DIR}/ (95% CI [{e.ci_low:+.4f}, {e.ci_high:+.4f}]), within "
            f"noise, and it was kept as the highest of the run's evaluations on these same queries, so it was not "
            f"preferred.")


def held_back(candidates: Sequence[Candidate]) -> Optional[Candidate]:
    """The ``best`` candidate when it may not compete: the trainer kept that checkpoint because it had the highest
    validation score of the run's evaluations, on the very queries delivery scores again, so its lead over the
    fully trained ``final`` is biased upward (the winner's curse) and counts only when the paired test calls it
    *better* than ``final``. None when both are not there or ``best`` beats ``final`` beyond noise."""
    from core.evaluation.stats import BETTER, paired_difference

    by_name = {c.name: c for c in candidates}
    best, final = by_name.get(BEST_DIR), by_name.get(FINAL_DIR)
    if best is None or final is None or not best.per_query or len(best.per_query) != len(final.per_query):
        return None
    if best.per_query == final.per_query:
        return None  # the same weights (the last evaluation was the best): nothing to weigh
    return None if paired_difference(final.per_query, best.per_query).verdict == BETTER else best


# ------------------------------------------------------------------------------------------- general set


def languages_of(texts: Sequence[str], min_share: float = 0.2) -> list[str]:
    """Languages ('en', 'zh') making at least ``min_share`` of ``texts`` (Chinese = any CJK character)."""
    from core.data.language import text_language

    texts = list(texts)
    if not texts:
        return []
    zh = sum(1 for t in texts if text_language(t or "") == "zh") / len(texts)
    out = [lang for lang, share in (("en", 1 - zh), ("zh", zh)) if share >= min_share]
    return out or ["en"]


def general_dir(language: str, configured: Optional[str] = None) -> tuple[Optional[Path], str]:
    """(BEIR folder of the general set for ``language``, or None, and where it came from / why it is absent).

    Looked up in order: ``configured`` (config ``data.general``), env ``STUDIO_GENERAL_DIR``, then
    ``<project root>/../shared/data/general_<lang>``. A configured path is either that BEIR folder itself or a
    folder holding ``general_<lang>/``; ``none`` / ``off`` turns the guard off."""
    from core.evaluation.evalset import is_beir_folder

    for origin, value in (("config data.general", configured), (f"env {GENERAL_ENV}", os.environ.get(GENERAL_ENV))):
        if value in (None, ""):
            continue
        if str(value).strip().lower() in ("none", "off", "false"):
            return None, f"the general-domain check is turned off ({origin} = {value})"
        p = Path(value).expanduser()
        if is_beir_folder(p / f"general_{language}"):
            return p / f"general_{language}", origin
        if is_beir_folder(p) and not (p.name.startswith("general_") and p.name != f"general_{language}"):
            return p, origin
        return None, f"no general-domain set for '{language}' at {p} ({origin}; expected a BEIR folder or a folder holding general_{language}/)"
    root = Path(__file__).resolve().parents[2]
    default = root.parent / "shared" / "data" / f"general_{language}"
    if is_beir_folder(default):
        return default, "default ../shared/data"
    return None, f"no general-domain set for '{language}' (looked for {default}; set data.general or {GENERAL_ENV})"


def unserved_reason(lang: str, model_spec: Optional[str]) -> Optional[str]:
    """Why the general check leaves ``lang`` out for the base model ``model_spec``, or None.

    A model whose languages are known and exclude ``lang`` (``core.models.model_language``: MiniLM is English-only)
    has no general ``lang`` retrieval to lose, so scoring it there measures nothing and costs the most (the Chinese
    set's long passages in a tokenizer that splits Chinese into single characters). A model of unknown languages is
    checked in every language."""
    from core.data.language import languages_covered
    from core.models import model_language

    if not model_spec:
        return None
    served = languages_covered(model_language(model_spec)) - {"mixed"}
    if not served or lang in served:
        return None
    return f"the base model {model_spec} covers {', '.join(sorted(served))} only: it has no general {lang} retrieval to guard"


def general_set(lang: str, configured: Optional[str] = None, model_spec: Optional[str] = None):
    """``(EvalSet or None, folder, origin or why skipped, passages in the whole set)``: the general-domain set
    of ``lang`` as the check scores it (corpus capped at ``GENERAL_MAX_PASSAGES``, seeded); none for a language
    the base model ``model_spec`` does not cover (``unserved_reason``)."""
    from core.evaluation.evalset import load_beir

    unserved = unserved_reason(lang, model_spec)
    if unserved is not None:
        return None, None, unserved, 0
    folder, origin = general_dir(lang, configured)
    if folder is None:
        return None, None, origin, 0
    try:
        ev = load_beir(folder)
    except StudioError as err:
        return None, folder, f"the general-domain set {folder} cannot be read: {err}", 0
    full = len(ev.corpus)
    if full > GENERAL_MAX_PASSAGES:
        ev = ev.sample(corpus_size=GENERAL_MAX_PASSAGES, seed=0)
    return ev, folder, origin, full


def base_scores_key(base_spec: Optional[str], folder: Path, ev, length: Optional[int] = None) -> Optional[str]:
    """Cache key of a base model's per-query scores on a general set: the model folder's fingerprint (the model
    as ``load_model(spec)`` gives it, its own length limit included), the length it was scored at (``length``;
    None: its own), the set's folder and what is searched. None when the base is not a model source spec."""
    import hashlib

    if not base_spec:
        return None
    try:
        from core.models import model_fingerprint

        fp = model_fingerprint(base_spec)
    except Exception:  # an unresolvable spec: no cache, the check scores it
        return None
    parts = [fp, str(Path(folder).resolve()), str(len(ev.queries)), str(len(ev.corpus)), METRIC]
    if length is not None:
        parts.append(f"length={int(length)}")
    text = "|".join(parts)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _scores_cache(key: str) -> Path:
    from core.paths import cache_root

    return cache_root() / "general-scores" / f"{key}.json"


def cached_base_scores(key: Optional[str]) -> Optional[list[float]]:
    """The base model's per-query scores saved by an earlier run's general check, if any."""
    import json

    if key is None:
        return None
    try:
        data = json.loads(_scores_cache(key).read_text(encoding="utf-8"))
        return [float(x) for x in data["scores"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def base_general_scores(base: Any, base_spec: Optional[str], lang: str, ev, folder: Path, length: Optional[int],
                        batch_size: Optional[int] = None, progress: ProgressFn | None = None) -> list[float]:
    """The base model's per-query NDCG@10 on the general set ``ev`` (from ``folder``) at ``length``: from the cache
    an earlier run or blend curve left (``base_scores_key`` of ``base_spec``), else scored now and cached."""
    key = base_scores_key(base_spec, folder, ev, length)
    b = cached_base_scores(key)
    if b is not None and len(b) == len(ev.queries):
        _say(progress, f"General-domain check ({lang}): base model's scores from an earlier run")
        return b
    _say(progress, f"General-domain check ({lang}): base model on {ev.summary()}")
    b = scores_at(base, ev, length, batch_size, progress)
    if key is not None:
        from core.paths import atomic_write_json

        try:
            atomic_write_json(_scores_cache(key), {"scores": b, "folder": str(folder)})
        except OSError:  # a read-only cache only costs time
            pass
    return b


def general_check(base: Any, delivered: Any, languages: Sequence[str], configured: Optional[str] = None,
                  same_model: bool = False, batch_size: Optional[int] = None, progress: ProgressFn | None = None,
                  base_spec: Optional[str] = None, length: Optional[int] = None,
                  memo: Optional[dict] = None, candidate: Optional[str] = None) -> dict:
    """{lang: {"folder", "queries", "passages", "max_seq_length", "base", "delivered", "relative", "vs_base"} or
    {"skipped": why}}.

    ``length``: the maximum length both models encode at (the delivered length, ``shipped_length``), so the change
    is what training did to the weights, not a different cut of long passages (the same e5-small weights read
    general_zh's web passages 0.9248 at 512 tokens and 0.9180 at 160). None: each model as it is.

    ``base_spec``: the base model's source spec; its scores are cached (``cache_root()/general-scores``) so the
    next run from the same base model scores only its own delivered model. ``same_model`` (the base is
    delivered): a language with a general set is recorded as ``{"skipped": BASE_DELIVERED, "unchanged": True}``
    without scoring anything (a first run from a base model would otherwise spend minutes scoring it to report
    a change of zero). ``memo``: a dict kept between calls that check several models against the same base
    (delivery's candidates): each language's set is read and the base scored once; ``candidate``: the name
    progress gives ``delivered`` while it is still a candidate."""
    from core.evaluation.stats import paired_difference

    out: dict[str, dict] = {}
    memo = {} if memo is None else memo
    for lang in languages:
        unserved = unserved_reason(lang, base_spec)
        if unserved is not None:  # nothing to guard: said apart from a set that is missing or turned off
            out[lang] = {"skipped": unserved, "uncovered": True}
            continue
        if same_model:
            folder, origin = general_dir(lang, configured)  # a missing set is still said as such
            out[lang] = {"skipped": BASE_DELIVERED, "unchanged": True} if folder is not None else {"skipped": origin}
            continue
        if ("set", lang) not in memo:
            memo[("set", lang)] = general_set(lang, configured)
        ev, folder, origin, full = memo[("set", lang)]
        if ev is None:
            out[lang] = {"skipped": origin}
            continue
        b = memo.get(("base", lang)) or base_general_scores(base, base_spec, lang, ev, folder, length, batch_size,
                                                            progress)
        memo[("base", lang)] = b
        _say(progress, f"General-domain check ({lang}): candidate {candidate}" if candidate
             else f"General-domain check ({lang}): delivered model")
        d = scores_at(delivered, ev, length, batch_size, progress)
        diff = paired_difference(b, d)
        out[lang] = {"folder": str(folder), "origin": origin, "queries": len(ev.queries), "passages": len(ev.corpus),
                     "max_seq_length": length or getattr(delivered, "max_seq_length", None), "passages_in_set": full,
                     "base": diff.mean_a, "delivered": diff.mean_b, "relative": diff.relative, "vs_base": diff.to_dict()}
    return out


def _pct(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{x * 100:+.1f}%".replace("-", "−")


def change_sentence(domain_relative: Optional[float], general: dict) -> str:
    """``"domain +8.1%, general en −0.9%"`` (skipped languages say so, and say when the base model does not cover
    the language, ``unserved_reason``, or when the base model itself is delivered, ``BASE_DELIVERED``)."""
    parts = [f"domain {_pct(domain_relative)}"]
    for lang, g in general.items():
        if g.get("uncovered"):
            parts.append(f"general {lang} skipped (not a language of the base model)")
        elif g.get("unchanged"):
            parts.append(f"general {lang} unchanged (the base model is delivered)")
        elif "skipped" in g:
            parts.append(f"general {lang} skipped")
        else:
            parts.append(f"general {lang} {_pct(g['relative'])}")
    return ", ".join(parts)


def largest_fall(general: dict) -> float:
    """The largest fall of general-domain NDCG@10 among ``general_check``'s languages that were scored, 0 if none
    fell (a language skipped counts as no fall)."""
    return max([0.0] + [-g["vs_base"]["diff"] for g in general.values() if "vs_base" in g])


def fell_beyond(general: dict, max_drop: float) -> list[str]:
    """The languages of a ``general_check`` result where the model is shown to have lost more than ``max_drop``
    NDCG@10: the paired test calls it *worse* and the whole 95% interval of the change lies below ``-max_drop``.
    A fall the interval leaves unsure of (general_zh's 500 queries: about ±0.01) does not count, so the guard
    overrides the validation's choice only on evidence; the change itself is always reported."""
    from core.evaluation.stats import WORSE

    return [lang for lang, g in general.items()
            if "vs_base" in g and g["vs_base"]["verdict"] == WORSE and g["vs_base"]["ci_high"] < -max_drop]


def _fall(name: str, general: dict, max_drop: float) -> str:
    """``"final (general en -0.0707, 95% CI [-0.1285, -0.0219])"``: a candidate and the languages it is shown to lose."""
    parts = [f"general {lang} {general[lang]['vs_base']['diff']:+.4f}, 95% CI [{general[lang]['vs_base']['ci_low']:+.4f}, "
             f"{general[lang]['vs_base']['ci_high']:+.4f}]" for lang in fell_beyond(general, max_drop)]
    return f"{name} ({' and '.join(parts)})"


def guarded_reason(chosen: Candidate, base: Candidate, passed_over: Sequence[tuple[Candidate, dict]],
                   max_drop: float, still_falls: bool) -> str:
    """The delivery sentence when the forgetting guard passed over candidates with a higher validation score:
    ``chosen`` the one delivered, ``passed_over`` [(candidate, its ``general_check``)], ``still_falls`` when every
    candidate better than the base fell beyond ``max_drop`` and ``chosen`` is the one that fell least."""
    d, n = chosen.vs_base, len(base.per_query)
    over = "; ".join(_fall(c.name, g, max_drop) for c, g in passed_over)
    scores = (f"({chosen.mean:.4f} vs base {base.mean:.4f}, {d.diff:+.4f}, 95% CI [{d.ci_low:+.4f}, {d.ci_high:+.4f}] "
              f"on {n} queries)")
    if still_falls and not passed_over:
        return (f"{chosen.name} is the only candidate with a validation {METRIC} above the base {scores}, and it is "
                f"shown to lose more than {max_drop:.4f} of general-domain {METRIC}.")
    if still_falls:
        return (f"{chosen.name} has a validation {METRIC} above the base {scores} and, of the candidates above the "
                f"base, lost the least general-domain {METRIC}, though it too is shown to lose more than "
                f"{max_drop:.4f}; the others: {over}.")
    return (f"{chosen.name} has the highest validation {METRIC} {scores} among the candidates above the base not "
            f"shown to lose more than {max_drop:.4f} of general-domain {METRIC}; passed over: {over}.")


# ------------------------------------------------------------------------------------------- delivery


def _say(progress: ProgressFn | None, message: str, done: int = 0, total: Optional[int] = None) -> None:
    if progress:
        progress(Progress("deliver", done, total, message=message))


def _save_model(model: Any, path: Path) -> None:
    """``model.save`` into ``path`` through a temp folder, replacing an older one."""
    tmp = path.with_name(f".{path.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save(str(tmp))
    old = path.with_name(f".{path.name}.old")
    if path.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(path, old)
    os.replace(tmp, path)
    shutil.rmtree(old, ignore_errors=True)


def _device_of(model: Any) -> Optional[str]:
    """The torch device ``model`` sits on (``"cuda:0"``, ``"cpu"``), None when it does not say."""
    device = getattr(model, "device", None)
    return str(device) if device is not None else None


def _loader(path: Path, device: Optional[str] = None) -> Callable[[], Any]:
    """Loads the saved model at ``path`` on ``device`` (the base model's, so every candidate is scored on one device:
    on a GPU the checkpoints too, not on the CPU beside it); None: the CPU."""
    def load():
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(path), device=device or "cpu")
    return load


def deliver(run_dir: str | Path, base: Any, evalset, alphas: Sequence[float] = ALPHAS, general: Optional[str] = None,
            batch_size: Optional[int] = None, progress: ProgressFn | None = None, log: Any = None,
            known_scores: Optional[dict[str, list[float]]] = None, max_drop: float = GENERAL_MAX_DROP,
            known_length: Optional[int] = None) -> dict:
    """Score the candidates, save ``delivered/`` and ``delivery.json``; see the module docstring.

    ``base``: the run's base model (a spec for ``core.models.load_model`` or a loaded model); ``evalset``: the
    validation ``EvalSet``; ``general``: config ``data.general``; ``log``: an ``EventLog`` for the event;
    ``known_scores``: {``base`` / ``best`` / ``final``: per-query NDCG@10 in ``evalset.queries`` order} the
    training's own evaluation measured for that model, taken instead of searching again when it read the texts
    as delivery does: at ``known_length`` tokens (the runner's evaluator reads at the delivered length,
    ``core.training.evaluators.read_at``; None: at the run's training length, which counts only where it cut no
    validation text); ``max_drop``: config ``data.general_max_drop`` (``fell_beyond``; 1 turns the guard's say in
    the choice off)."""
    from core.evaluation.stats import paired_difference
    from core.models import load_model
    from core.models.merge import check_compatible, share_unchanged

    run_dir = Path(run_dir)
    base_model = base if hasattr(base, "state_dict") else load_model(str(base))
    cands = [Candidate("base", f"base model {base if isinstance(base, str) else 'as loaded'}", lambda: base_model)]
    for name in (BEST_DIR, FINAL_DIR):
        if (run_dir / name).is_dir():
            cands.append(Candidate(name, f"{name}/", _loader(run_dir / name, _device_of(base_model)),
                                   path=run_dir / name))
    if len(cands) == 1:
        raise StudioError(f"The run '{run_dir.name}' has no saved model (no best/ or final/ folder) to deliver.")
    tuned_name = FINAL_DIR if (run_dir / FINAL_DIR).is_dir() else BEST_DIR
    tuned_model = next(c for c in cands if c.name == tuned_name).load()
    trained = getattr(tuned_model, "max_seq_length", None)  # the run's training length
    length = ship_length(base_model, tuned_model)  # every candidate is scored at the length it would be delivered with
    measured_at = known_length or trained  # the length the training's evaluation read the texts at
    if known_scores and measured_at != length and not evalset_fits(base_model, evalset, measured_at):
        known_scores = None  # measured at a shorter cut of some validation texts
    blends_skipped = None
    try:
        check_compatible(base_model, tuned_model)
        share_unchanged(base_model, tuned_model)  # a frozen word table: one copy for both (e5-small: 0.37 GB)
    except StudioError as err:
        blends_skipped = str(err)
    if blends_skipped is None:
        for a in alphas:
            cands.append(Candidate(f"blend-{a:g}", f"blend α={a:g}: (1−α)·base + α·{tuned_name}/",
                                   (lambda a=a: blend(base_model, tuned_model, a)),
                                   alpha=float(a)))
    total = len(cands)
    models: dict[str, Any] = {tuned_name: tuned_model}

    def load_shared(c: Candidate):
        """``c``'s model; a saved folder shares the weights it holds unchanged from the base (``share_unchanged``)."""
        model = c.load()
        if c.path is not None and blends_skipped is None:
            share_unchanged(base_model, model)
        return model

    def model_of(c: Candidate) -> Any:
        """``c``'s model: the base or the tuned one already loaded, else loaded (or blended) now."""
        return base_model if c.name == "base" else (models.get(c.name) or load_shared(c))

    scored: dict[str, list[float]] = {}  # weights digest -> per-query NDCG@10 (best/ is often final/)
    for i, c in enumerate(cands):
        digest = weights_digest(c.path) if c.path is not None else None
        known = (known_scores or {}).get(c.name)
        if digest is not None and digest in scored:
            _say(progress, f"Delivery: {c.name} has the weights of a candidate already scored ({i + 1}/{total})", i, total)
            c.per_query = list(scored[digest])  # the same weights as a candidate already scored
        elif known is not None and len(known) == len(evalset.queries):
            _say(progress, f"Delivery: {c.name}'s scores on {len(evalset.queries)} validation queries from the "
                           f"training's evaluation ({i + 1}/{total})", i, total)
            c.per_query = [float(x) for x in known]  # measured by the training's evaluation of these weights
            if digest is not None:
                scored[digest] = c.per_query
        else:
            _say(progress, f"Delivery: scoring {c.name} on {len(evalset.queries)} validation queries ({i + 1}/{total})",
                 i, total)
            model = model_of(c)
            c.per_query = scores_at(model, evalset, length, batch_size, progress)  # the base keeps its own length
            if digest is not None:
                scored[digest] = c.per_query
            if c.name != tuned_name and c.name != "base":
                del model  # reloaded (or rebuilt) if chosen
        c.mean = sum(c.per_query) / len(c.per_query)
    for c in cands:
        c.vs_base = paired_difference(cands[0].per_query, c.per_query)
    kept_back = held_back(cands[1:])  # what choose leaves out; the guard's next choices leave it out too
    chosen, why = choose(cands, kept_back)

    languages = languages_of(list(evalset.queries.values()))
    memo: dict = {}

    def check(c: Candidate, model: Any) -> dict:
        return general_check(base_model, model, languages, configured=general, same_model=c.name == "base",
                             base_spec=base if isinstance(base, str) else None, batch_size=batch_size,
                             progress=progress, length=length, memo=memo, candidate=c.name)

    chosen_model = model_of(chosen)
    gen = check(chosen, chosen_model)
    passed_over: list[tuple[Candidate, dict]] = []
    if chosen.name != "base" and fell_beyond(gen, max_drop):  # max_drop 1: no interval lies below -1, never
        # the forgetting guard decides too: the next best candidate better than the base, closer to it
        from core.evaluation.stats import BETTER

        rest = sorted((c for c in cands[1:] if c is not chosen and c is not kept_back and c.vs_base.verdict == BETTER),
                      key=lambda c: -c.mean)
        tried = [(chosen, gen)]
        for c in rest:
            del chosen_model  # one candidate's model in memory at a time (the tuned one stays in ``models``)
            chosen_model = model_of(c)
            tried.append((c, check(c, chosen_model)))
            if not fell_beyond(tried[-1][1], max_drop):
                break
        still_falls = bool(fell_beyond(tried[-1][1], max_drop))
        keep = min(tried, key=lambda t: largest_fall(t[1])) if still_falls else tried[-1]
        if keep is not tried[-1]:
            del chosen_model
            chosen_model = model_of(keep[0])
        chosen, gen = keep
        passed_over = [t for t in tried if t is not keep]
        why = guarded_reason(chosen, cands[0], passed_over, max_drop, still_falls)
    _say(progress, f"Delivery: saving {chosen.name} as {DELIVERED}/", total, total)
    _save_model(chosen_model if chosen.name == "base" else at_length(chosen_model, length), run_dir / DELIVERED)
    domain_rel = chosen.vs_base.relative
    change = change_sentence(domain_rel, gen)
    record = {
        "delivered": chosen.name,
        "delivered_source": chosen.source,
        "folder": DELIVERED,
        "is_base": chosen.name == "base",
        "reason": why,
        "metric": METRIC,
        "validation": {"queries": len(evalset.queries), "passages": len(evalset.corpus)},
        "max_seq_length": getattr(chosen_model, "max_seq_length", None),  # what delivered/ reads (shipped_length)
        "candidates": [{"name": c.name, "source": c.source, "alpha": c.alpha, METRIC: c.mean,
                        "vs_base": c.vs_base.to_dict()} for c in cands],
        "blends_skipped": blends_skipped,
        "held_back": kept_back.name if kept_back is not None else None,
        "general_max_drop": max_drop,
        "passed_over": [{"name": c.name, "general": g} for c, g in passed_over],
        "domain": {"base": cands[0].mean, "delivered": chosen.mean, "relative": domain_rel},
        "general": gen,
        "change": change,
    }
    atomic_write_json(run_dir / DELIVERY_JSON, record)
    if log is not None:
        log.emit(EV_DELIVERY, delivered=chosen.name, is_base=record["is_base"], message=why, change=change,
                 candidates={c.name: c.mean for c in cands}, general=gen)
    return record


def deliver_run(run_dir: Path, config: Any, evalset: Any, log: Any,
                known_scores: Optional[dict[str, list[float]]] = None, known_length: Optional[int] = None) -> dict:
    """The runner's end-of-run call: deliver on the run's validation ``EvalSet`` (``evalset_from_evaluator`` of
    its evaluator, taken before the training's objects are freed; None when validation is not retrieval),
    progress as ``log`` events; ``known_scores``: per-query validation scores the run already has, read at
    ``known_length`` tokens (see ``deliver``).

    Returns the status fields to record (``delivered``, ``delivery`` sentence); a failure is logged as a
    warning (the run keeps its best/ and final/) and returns {}."""
    if evalset is None:
        log.emit(EV_LOG, message="No delivered model: the validation set is not a retrieval set, so best/ and final/ are kept as they are.")
        return {}

    said = {"what": ""}

    def progress(p: Progress) -> None:
        if p.stage == ENCODING:  # texts encoded in the current check: the bar moves, the sentence stays
            log.emit(EV_PHASE, phase=PHASE_DELIVERING, what=said["what"], done=p.done, total=p.total)
            return
        said["what"] = p.message
        log.emit(EV_LOG, message=p.message, stage=p.stage, done=p.done, total=p.total)
        # the progress bar's phase: which candidate or check is being scored (it would stay on the last step)
        log.emit(EV_PHASE, phase=PHASE_DELIVERING, what=p.message, done=p.done, total=p.total)
        log.update_status(phase=PHASE_DELIVERING, phase_what=p.message)

    try:
        rec = deliver(run_dir, config.model, evalset, general=getattr(config.data, "general", None),
                      progress=progress, log=log, known_scores=known_scores,
                      max_drop=getattr(config.data, "general_max_drop", GENERAL_MAX_DROP), known_length=known_length)
    except Exception as err:  # the trained models stay usable; say why there is no delivered one
        log.emit(EV_WARNING, message=f"No delivered model could be chosen: {type(err).__name__}: {err}")
        return {}
    return status_fields(rec)


def status_fields(rec: dict) -> dict:
    """What a run's ``status.json`` keeps of its delivery record ``rec`` (``deliver``): the delivered model's name,
    the sentence why, the domain / general change, its validation score and its paired gain over the base
    (``core.evaluation.stats.brief``; None when the base itself was delivered), which the runs list shows."""
    from core.evaluation.stats import brief

    chosen = next((c for c in rec.get("candidates") or [] if c.get("name") == rec["delivered"]), {})
    gain = chosen.get("vs_base")
    return {"delivered": rec["delivered"], "delivery": rec["reason"], "delivery_change": rec["change"],
            "delivered_metric": chosen.get(rec.get("metric") or METRIC),
            "delivered_gain": None if rec.get("is_base") or not gain else brief(gain)}


# ------------------------------------------------------------------------------------------- blend curve

BLEND_ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)


def tuned_dir(run_dir: str | Path) -> Path:
    """The run's tuned model to blend with its base: ``final/``, else ``best/``."""
    run_dir = Path(run_dir)
    for name in (FINAL_DIR, BEST_DIR):
        if (run_dir / name).is_dir():
            return run_dir / name
    raise StudioError(f"The run '{run_dir.name}' has no tuned model yet (no final/ or best/ folder); wait for it to finish.")


def base_index(alphas: Sequence[float]) -> Optional[int]:
    """The position of α 0 (the base model's own weights) among ``alphas``, None when it is not there."""
    return next((i for i, a in enumerate(alphas) if float(a) == 0.0), None)


def blend_curve(base: Any, tuned: Any, domain, alphas: Sequence[float] = BLEND_ALPHAS, general: Optional[str] = None,
                batch_size: Optional[int] = None, progress: ProgressFn | None = None) -> dict:
    """Domain and general NDCG@10 of ``interpolate(base, tuned, alpha)`` for each alpha, every blend encoding at the
    delivered length (``ship_length``), as delivery scores its candidates and general check.

    ``domain``: the retrieval ``EvalSet`` in use; ``general``: config ``data.general`` (see ``general_dir``).
    Returns {"alphas", "domain": [...], "general": {lang: [...]}, "general_skipped": {lang: why},
    "measured": {"domain": {"queries", "passages"}, "general": {lang: {"queries", "passages"}}},
    "vs_base": {"domain": [...], "general": {lang: [...]}}}: each α's paired difference from α = 0 (the base) over
    the same queries (``PairedDiff.to_dict``, None when 0 is not among ``alphas``). α 0's general scores are the
    base model's, shared with the delivery's general check through ``base_general_scores`` (cached per base)."""
    from core.evaluation.stats import paired_difference
    from core.models import load_model
    from core.models.merge import check_compatible

    base_m = base if hasattr(base, "state_dict") else load_model(str(base))
    tuned_m = tuned if hasattr(tuned, "state_dict") else load_model(str(tuned))
    check_compatible(base_m, tuned_m)
    base_spec = base if isinstance(base, str) else None
    length = ship_length(base_m, tuned_m)
    sets, folders, skipped = {}, {}, {}
    for lang in languages_of(list(domain.queries.values())):
        # the same capped set as the delivery's general check, and the same languages left out
        ev, folders[lang], origin, _ = general_set(lang, general, base_spec)
        if ev is None:
            skipped[lang] = origin
            continue
        sets[lang] = ev
    out = {"alphas": [float(a) for a in alphas], "domain": [], "general": {lang: [] for lang in sets},
           "general_skipped": skipped,
           "measured": {"domain": {"queries": len(domain.queries), "passages": len(domain.corpus)},
                        "general": {lang: {"queries": len(ev.queries), "passages": len(ev.corpus)} for lang, ev in sets.items()}}}
    per_query: dict[str, list[list[float]]] = {"domain": [], **{lang: [] for lang in sets}}
    zero = base_index(alphas)
    def within(i: int, share: float, size: float) -> ProgressFn | None:
        """Encoding progress inside α number ``i``: the bar moves from i / n to (i + 1) / n over its checks."""
        if progress is None:
            return None
        n = len(alphas)
        return lambda p: progress(Progress("deliver", i, n, message=f"Blend α={alphas[i]:g}: scoring ({i + 1}/{n})",
                                           share=(i + share + size * (p.done / p.total if p.total else 0)) / n))

    weight = 1.0 / (1 + len(sets))  # each α: the domain set, then each general set
    for i, a in enumerate(alphas):
        _say(progress, f"Blend α={a:g}: scoring ({i + 1}/{len(alphas)})", i, len(alphas))
        model = blend(base_m, tuned_m, a)
        scores = per_query_ndcg(model, domain, batch_size, within(i, 0.0, weight))
        per_query["domain"].append(scores)
        out["domain"].append(sum(scores) / len(scores))
        for lang, ev in sets.items():
            step = within(i, weight * (1 + list(sets).index(lang)), weight)
            if i == zero:  # the base's own weights: the scores delivery's general check cached, or cache them
                g = base_general_scores(base_m, base_spec, lang, ev, folders[lang], length, batch_size, step)
            else:
                g = per_query_ndcg(model, ev, batch_size, step)
            per_query[lang].append(g)
            out["general"][lang].append(sum(g) / len(g))

    def versus(lists: list[list[float]]) -> list:
        return [None if zero is None else paired_difference(lists[zero], pq).to_dict() for pq in lists]
    out["vs_base"] = {"domain": versus(per_query["domain"]), "general": {lang: versus(per_query[lang]) for lang in sets}}
    _say(progress, "Blend curve done", len(alphas), len(alphas))
    return out


def blend_chart(curve: dict, path: str | Path, title: str = "Blend base ↔ tuned", words: dict | None = None) -> Path:
    """PNG of domain and general NDCG@10 against alpha (0 = base, 1 = tuned), each line shaded with the 95% interval
    of its change from α 0 where the curve has it (``vs_base``); ``words``: see ``chart_word``."""
    from core.evaluation.plots import _save, chart_word, new_figure

    fig, ax = new_figure((6.4, 3.6))
    vs = curve.get("vs_base") or {}
    zero = base_index(curve["alphas"])

    def line(ys: list, diffs: Optional[list], label: str, **style) -> None:
        drawn = ax.plot(curve["alphas"], ys, label=label, **style)[0]
        if zero is not None and diffs and all(diffs):
            base = ys[zero]
            ax.fill_between(curve["alphas"], [base + d["ci_low"] for d in diffs], [base + d["ci_high"] for d in diffs],
                            color=drawn.get_color(), alpha=0.15, linewidth=0)

    line(curve["domain"], vs.get("domain"), chart_word("domain", words), marker="o")
    for lang, ys in curve["general"].items():
        line(ys, (vs.get("general") or {}).get(lang), f"{chart_word('general', words)} ({lang})", marker="s", linestyle="--")
    if ax.collections:  # the bands: said once, in the legend
        ax.fill_between([], [], [], color="grey", alpha=0.15, label=chart_word("band", words))
    ax.set_xlabel(chart_word("alpha", words))
    ax.set_ylabel(METRIC)
    ax.set_title(title)
    ax.set_xticks(curve["alphas"])
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)


def export_blend(base: Any, tuned: Any, alpha: float, out_dir: str | Path, card: Optional[str] = None,
                 progress: ProgressFn | None = None) -> Path:
    """Save ``interpolate(base, tuned, alpha)`` with ``model.save`` under ``out_dir/blend-<alpha>`` and zip it; the
    blend encodes at the delivered length (``ship_length``), as a delivered blend does."""
    from core.export import zip_model
    from core.models import load_model

    model = blend(base, tuned if hasattr(tuned, "state_dict") else load_model(str(tuned)), alpha)
    folder = Path(out_dir) / f"blend-{float(alpha):g}"
    _save_model(model, folder)
    return zip_model(folder, Path(out_dir) / f"blend-{float(alpha):g}.zip", card=card, progress=progress)


def read_delivery(run_dir) -> dict:
    """The run's ``delivery.json`` (written by ``deliver``) as a dict; {} when the run has none or it does not read
    as a JSON object, as ``core.training.events.read_status`` reads status.json."""
    import json

    try:
        record = json.loads((Path(run_dir) / DELIVERY_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # ValueError: JSONDecodeError and UnicodeDecodeError
        return {}
    return record if isinstance(record, dict) else {}


__all__ = ["DELIVERED", "DELIVERY_JSON", "read_delivery", "ALPHAS", "Candidate", "choose", "deliver", "deliver_run",
           "evalset_from_evaluator", "per_query_ndcg", "general_dir", "general_check", "languages_of",
           "change_sentence", "BLEND_ALPHAS", "tuned_dir", "blend_curve", "blend_chart", "export_blend"]
