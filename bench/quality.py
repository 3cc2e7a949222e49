"""Quality of the studio's recipe on real domain sets: base vs a plain sentence-transformers script vs the
studio's default (recipe auto, delivered model), same training pairs, test NDCG@10 with 95% bootstrap CIs,
plus the general-domain change (forgetting).

    .venv/bin/python bench/quality.py [--quick] [--sets financial_qa_10k,en_domain_climate_fever,...]
                                      [--pairs N] [--test-queries N] [--corpus N] [--conditions plain,studio]
                                      [--max-length N]

For each set in ``../shared/data`` with a test split: training pairs come from its train queries (financial
QA: split by ticker, so no company is in both), test queries are searched over the whole corpus (``--corpus``
caps it with seeded distractors, gold passages always kept). Conditions, all on the same pairs:

- ``base``: the language's default model untouched (MiniLM for English, multilingual-e5-small for Chinese);
- ``plain``: MNRL, batch 32, lr 2e-5, 1 epoch, no-duplicates batches (``recipe: plain``);
- ``studio``: ``python -m core train`` with its defaults (``recipe: auto``); the model it delivers
  (``runs/<name>/delivered`` when the run made one, else ``final``);
- one row per lever, the studio's defaults with one setting changed: ``studio-inbatch`` (no mined negatives),
  ``studio-gist`` (GISTEmbed loss, the base model as the guide), ``studio-staged`` (the ``staged`` strategy),
  ``studio-2-epochs`` (2 epochs where the recipe's small-data branch gives 3: run it with ``--pairs`` under 1,000),
  ``studio-3-epochs`` (3 epochs where the mid-size branch gives 2: ``--pairs`` from ~1,300);
  on sets that ship raw training files for the same queries (t2ranking_100): ``studio-distill`` (the teacher's
  scores with DistillKLDivLoss) and ``studio-given-negatives`` (the hard negatives the set's authors chose);
- ``studio-build-negatives``: the pairs with negatives as the Build tab mines them (BM25 over the knowledge base
  below, ranks 3-100, 3 per query, 5% guard), one per row kept; ``studio-build-negatives-measured``: the same rows
  with ``data.neg_nums`` left to the recipe (the base model weighs them), compared with the former;
- the round-trip filter for generated queries (``core.builder.roundtrip``, the Build tab's default: BM25, top 3),
  the pool being the training side's knowledge base (the training pairs' passages, then the set's other passages
  that answer no test query, seeded, up to ``--corpus`` or 3,000): ``studio-filtered`` trains on the pairs whose
  query finds its own passage again (financial_qa_10k's questions were written by an LLM from their passage, so
  they are generated queries); ``studio-ict`` trains on as many queries made without an LLM from the knowledge
  base (inverse cloze, ``core.builder.pseudo_queries``: no real query at all), and ``studio-ict-filtered`` on
  those of them that pass the check; it is compared with ``studio-ict``, not with the recipe.

Prints a table per set with the recipe against the plain script and against each lever (paired
95% CIs over the test queries) and one JSON line per set as it completes; last, one JSON line with every
figure. Needs ``../shared/data``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._child import DATA  # noqa: E402  (../shared/data, also from a git worktree)

SETS = {  # name: (language, how to split)
    "financial_qa_10k": ("en", "ticker"),
    "en_domain_climate_fever": ("en", "qrels"),
    "zh_domain_law_stard": ("zh", "qrels"),
    "t2ranking_100": ("zh", "half"),  # 100 queries, test qrels only: half of the queries train, every positive a pair
}
GENERAL = {"en": "general_en", "zh": "general_zh"}
MODELS = {"en": "minilm", "zh": "multilingual-e5-small"}
# (row name, recipe, config overrides): the plain script, the studio's defaults, and one row per lever
CONDITIONS = [
    ("plain", "plain", {}),
    ("studio", "auto", {}),
    ("studio-inbatch", "auto", {"data.hard_negatives": "off"}),
    # GISTEmbed with the base model as the guide: in-batch candidates the guide scores above the positive are masked
    ("studio-gist", "auto", {"loss.name": "GISTEmbedLoss", "loss.guide_model": "{model}"}),
    ("studio-staged", "auto", {"strategy.name": "staged"}),  # full warm-up, then bias terms only (switch 0.5)
    ("studio-2-epochs", "auto", {"hyper.epochs": 2.0}),  # the small-data branch (< 1,000 rows: 3 epochs) with 2
    ("studio-3-epochs", "auto", {"hyper.epochs": 3.0}),  # the mid-size branch (1,000-4,999 rows: 2 epochs) with 3
    # rows of the set's own raw files for the same training queries (sets that ship them; skipped elsewhere):
    # the teacher's scores with a distillation loss, and the hard negatives the set's authors chose
    # each query's positive and 7 of its scored passages as one softmax the student matches (data.neg_nums default 1
    # would give the teacher's distribution over two passages only)
    ("studio-distill", "auto", {"loss.name": "DistillKLDivLoss", "data.neg_nums": 7}),
    # one of them per row, kept whatever the base model says of them (left open, the recipe measures them and may
    # train on in-batch negatives only: bench/negatives_choice.py --own shows its choice)
    ("studio-given-negatives", "auto", {"data.neg_nums": 1}),
    # negatives as the Build tab mines them (BM25 over the knowledge base, ranks 3-100, 3 per query, 5% guard):
    # one per row kept whatever the base model says of them, and the same rows weighed by the recipe
    ("studio-build-negatives", "auto", {"data.neg_nums": 1}),
    ("studio-build-negatives-measured", "auto", {}),
    # the round-trip filter for generated queries (rows made by ``lever_rows``)
    ("studio-filtered", "auto", {}),
    ("studio-ict", "auto", {}),
    ("studio-ict-filtered", "auto", {}),
]
REFERENCE = {"studio-ict-filtered": "studio-ict", "studio-build-negatives-measured": "studio-build-negatives"}  # the row a lever is compared with, when not the recipe's
# condition -> (raw file of the set, how its rows are read): the data those conditions train on instead of the pairs
RAW_DATA = {
    "studio-distill": ("raw/t2rank_100.distill.jsonl", "query"),  # {query, content, score}: RAG-Retrieval distillation
    "studio-given-negatives": ("raw/t2rank_100.jsonl", "query"),  # {query, pos[], neg[]}
}


def raw_rows(name: str, cond: str, pairs) -> list[dict] | None:
    """The rows of ``RAW_DATA[cond]`` in set ``name`` whose query is a training query of ``pairs`` (so every
    condition trains on the same queries), or None when the set has no such file."""
    if cond not in RAW_DATA:
        return None
    path = DATA / name / RAW_DATA[cond][0]
    if not path.is_file():
        return None
    train_q = {p["anchor"] for p in pairs}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get(RAW_DATA[cond][1]) in train_q]


def lever_rows(name: str, cond: str, pairs, kb: list[str], seed: int = 0) -> tuple[list[dict] | None, str]:
    """(rows condition ``cond`` trains on instead of ``pairs``, or None to skip it; one line saying what they are).
    Pairs for most conditions; raw files (``raw_rows``); the round-trip filter's kept pairs and inverse-cloze rows,
    both with ``kb`` (passage texts, the training pairs' first) as the pool."""
    if cond in RAW_DATA:
        return raw_rows(name, cond, pairs), ""
    if cond in ("studio-build-negatives", "studio-build-negatives-measured"):
        from core.builder.negatives import mine_negatives

        ok = [{"query": p["anchor"], "pos": [p["positive"]], "neg": []} for p in pairs
              if str(p["anchor"]).strip() and str(p["positive"]).strip()]  # the Build tab cleans before it mines
        result = mine_negatives(ok, passages=kb, method="bm25", num_negatives=3, rank_window=(3, 100),
                                false_negative_margin_rel=0.05, seed=seed)
        rows = [{"query": r["query"], "pos": r["pos"], "neg": list(r.get("neg") or [])} for r in result.rows]
        got = sum(bool(r["neg"]) for r in rows)
        return rows, f"{cond}: {got} of {len(rows)} queries got BM25 negatives from the {len(kb)}-passage knowledge base"
    if cond not in ("studio-filtered", "studio-ict", "studio-ict-filtered"):
        return pairs, ""
    from core.builder.chunking import Passage
    from core.builder.pseudo_queries import pseudo_queries_report
    from core.builder.roundtrip import roundtrip_filter

    passages = [Passage(id=f"p{i}", text=t, source=name, page=1, chunk_index=i) for i, t in enumerate(kb)]
    if cond == "studio-filtered":
        report = roundtrip_filter([{"query": p["anchor"], "pos": [p["positive"]]} for p in pairs], passages)
        kept = [{"anchor": r["query"], "positive": r["pos"][0]} for r in report.kept]
        return kept, f"{cond}: {report.summary()}"
    made = pseudo_queries_report(passages, "inverse_cloze", seed=seed).rows[: len(pairs)]  # as many as the pairs
    rows = [{"query": r["query"], "pos": r["pos"], "neg": []} for r in made]
    line = f"{cond}: {len(rows)} inverse-cloze queries from the {len(passages)}-passage knowledge base"
    if cond == "studio-ict-filtered":
        report = roundtrip_filter(made, passages)
        rows = [{"query": r["query"], "pos": r["pos"], "neg": []} for r in report.kept]
        line += f"; {report.summary()}"
    return rows, line


def knowledge_base(pairs, train_ev, test, cap: int, seed: int = 0) -> list[str]:
    """The training side's passages: the pairs' positives, then other passages of ``train_ev`` that answer no
    query of ``test`` (seeded), up to ``cap`` in all."""
    texts = list(dict.fromkeys(p["positive"] for p in pairs))
    held, have = {d for rel in test.qrels.values() for d in rel}, set(texts)
    others = [d for d in sorted(train_ev.corpus) if d not in held and train_ev.corpus[d] not in have]
    random.Random(seed).shuffle(others)
    return texts + [train_ev.corpus[d] for d in others[: max(0, cap - len(texts))]]


def _pairs(ev, qids, rng, limit, every_positive: bool = False):
    """Training pairs: one per query (its best-graded passage), or one per relevant passage."""
    qids = list(qids)
    rng.shuffle(qids)
    out = []
    for q in qids:
        ranked = sorted(ev.qrels[q].items(), key=lambda kv: -kv[1])
        golds = [d for d, g in ranked if g > 0] if every_positive else [d for d, _ in ranked[:1]]
        out += [{"anchor": ev.queries[q], "positive": ev.corpus[d]} for d in golds if d in ev.corpus]
        if len(out) >= limit:
            break
    return out[:limit]


def load_set(name: str, n_pairs: int, n_test: int, corpus: int | None, seed: int = 0):
    """(language, train pairs, test EvalSet, the training side's knowledge base: ``knowledge_base``) for one set."""
    from core.evaluation import load_beir

    rng = random.Random(seed)
    folder = DATA / name
    lang, how = SETS[name]
    if how == "ticker":
        full = load_beir(folder)
        tickers = sorted({m.get("ticker", "") for m in full.query_meta.values()})
        random.Random(0).shuffle(tickers)
        held = set(tickers[: len(tickers) // 2])
        test_q = [q for q in full.queries if full.query_meta.get(q, {}).get("ticker") in held]
        train_q = [q for q in full.queries if full.query_meta.get(q, {}).get("ticker") not in held]
        train_ev, test_ev = full, full
    elif how == "half":  # too few queries for a train split of its own: a seeded half of them train
        full = load_beir(folder, "test")
        qids = sorted(full.qrels)
        random.Random(0).shuffle(qids)
        train_q, test_q = qids[: len(qids) // 2], qids[len(qids) // 2:]
        train_ev, test_ev = full, full
    else:
        train_ev, test_ev = load_beir(folder, "train"), load_beir(folder, "test")
        train_q, test_q = list(train_ev.qrels), list(test_ev.qrels)
    pairs = _pairs(train_ev, train_q, rng, n_pairs, every_positive=how == "half")
    test_q = rng.sample(test_q, min(n_test, len(test_q)))
    test = test_ev.sample(query_ids=test_q, corpus_size=corpus, seed=seed)
    return lang, pairs, test, knowledge_base(pairs, train_ev, test, corpus or 3000, seed)


def ndcg_per_query(model, ev) -> list[float]:
    from core.evaluation.encoding import encode_corpus, encode_queries
    from core.evaluation.metrics import retrieval_metrics_from_embeddings

    q = encode_queries(model, [ev.queries[x] for x in ev.query_ids], batch_size=64)
    c = encode_corpus(model, [ev.corpus[d] for d in ev.doc_ids], batch_size=64)
    m = retrieval_metrics_from_embeddings(q, c, ev.query_ids, ev.doc_ids, ev.qrels)
    return [float(x) for x in m.per_query["ndcg@10"]]


def train(pairs, model: str, recipe: str, runs: Path, name: str, **overrides) -> dict:
    """Train one condition on ``pairs`` (rows in any layout the studio reads: pairs, qpn, scored pairs); returns
    its folders (delivered or final, and final), validation figures and time.
    ``overrides``: dotted config keys set before the run (e.g. ``{"data.hard_negatives": "off"}``)."""
    from core.training import TrainConfig, run_training
    from core.training.recipe import set_setting

    data = runs / f"{name}.jsonl"
    data.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
    cfg = TrainConfig(name=name, model=model, recipe=recipe)
    cfg.data.train = [str(data)]
    for key, value in overrides.items():
        set_setting(cfg, key.replace("__", "."), value)
    t0 = time.monotonic()
    status = run_training(cfg, runs / name)
    if status.get("status") != "completed":
        raise RuntimeError(f"{name}: {status}")
    run = runs / name
    out = {"seconds": time.monotonic() - t0, "final": str(run / "final"),
           "delivered": str(run / "delivered") if (run / "delivered").is_dir() else str(run / "final")}
    delivery = run / "delivery.json"
    if delivery.is_file():
        rec = json.loads(delivery.read_text(encoding="utf-8"))
        cands = {c["name"]: c for c in rec.get("candidates", [])}
        out["val_queries"] = rec.get("validation", {}).get("queries")
        out["val_passages"] = rec.get("validation", {}).get("passages")
        out["val_base"] = cands.get("base", {}).get("ndcg@10")
        out["val_final"] = cands.get("final", {}).get("ndcg@10")
        out["val_delivered"] = rec.get("domain", {}).get("delivered")
        out["delivered_name"] = rec.get("delivered")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="one English set, 300 pairs, 150 test queries, 3,000 passages")
    ap.add_argument("--sets", default=None)
    ap.add_argument("--pairs", type=int, default=None)
    ap.add_argument("--test-queries", type=int, default=None)
    ap.add_argument("--corpus", type=int, default=None, help="cap the searched corpus (default: whole corpus)")
    ap.add_argument("--max-length", type=int, default=None,
                    help="one token cap for every condition's training and every model's scoring (long-passage sets "
                         "on a small machine); default: each run's recipe and each model's own length")
    ap.add_argument("--conditions", default=None, help=f"comma-separated subset of {','.join(c for c, _, _ in CONDITIONS)}")
    args = ap.parse_args()
    conditions = [c for c in CONDITIONS if not args.conditions or c[0] in args.conditions.split(",")]
    if not DATA.is_dir():
        print(f"skipped: {DATA} is absent")
        print(json.dumps({"skipped": "no shared data"}))
        return
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    names = args.sets.split(",") if args.sets else (["financial_qa_10k"] if args.quick else list(SETS))
    n_pairs = args.pairs or (300 if args.quick else 1000)
    n_test = args.test_queries or (150 if args.quick else 400)
    corpus = args.corpus or (3000 if args.quick else None)

    from sentence_transformers import SentenceTransformer

    from core.evaluation.stats import paired_difference
    from core.models import load_model
    from core.training.delivery import at_length

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        runs = Path(tmp)
        os.environ["STUDIO_RUNS_DIR"] = str(runs)
        for name in names:
            lang, pairs, test, kb = load_set(name, n_pairs, n_test, corpus)
            gen = load_set_general(lang, n_test, corpus)
            base_spec = MODELS[lang]
            base = at_length(load_model(base_spec), args.max_length)
            scores = {"base": (ndcg_per_query(base, test), ndcg_per_query(base, gen) if gen else None, 0.0)}
            val = {}
            for cond, recipe, over in conditions:
                over = {k: (v.format(model=base_spec) if isinstance(v, str) else v) for k, v in over.items()}
                if args.max_length:
                    over["hyper.max_seq_length"] = args.max_length
                rows, line = lever_rows(name, cond, pairs, kb)
                if not rows:
                    continue  # the set ships no such raw file
                if line:
                    print(line, flush=True)
                info = train(rows, base_spec, recipe, runs, f"{name}-{cond}", **over)
                m = at_length(SentenceTransformer(info["delivered"], device="cpu"), args.max_length)
                scores[cond] = (ndcg_per_query(m, test), ndcg_per_query(m, gen) if gen else None, info["seconds"])
                if info["final"] != info["delivered"] and cond != "plain":
                    f = at_length(SentenceTransformer(info["final"], device="cpu"), args.max_length)
                    scores[cond + "/final"] = (ndcg_per_query(f, test), None, info["seconds"])
                val[cond] = info
            rows = {}
            b_dom, b_gen, _ = scores["base"]
            print(f"\n{name} ({lang}): {len(pairs)} training pairs, test {len(test.queries)} queries over "
                  f"{len(test.corpus)} passages; general {GENERAL[lang]}")
            print(f"{'model':16} {'NDCG@10':>8} {'vs base':>9} {'95% CI':>20} {'verdict':>14} {'general':>8} {'Δgen':>7} {'train s':>8}")
            for cond, (dom, gen_s, secs) in scores.items():
                d = paired_difference(b_dom, dom)
                g = paired_difference(b_gen, gen_s) if gen_s else None
                rows[cond] = {"ndcg@10": d.mean_b, "diff": d.diff, "ci": [d.ci_low, d.ci_high], "verdict": d.verdict,
                              "relative": d.relative, "general": g.mean_b if g else None,
                              "general_diff": g.diff if g else None, "train_seconds": round(secs, 1)}
                ci = f"[{d.ci_low:+.4f}, {d.ci_high:+.4f}]"
                gen_txt = f"{g.mean_b:8.4f} {g.diff:+7.4f}" if g else f"{'-':>8} {'-':>7}"
                print(f"{cond:16} {d.mean_b:8.4f} {d.relative or 0:+9.1%} {ci:>20} {d.verdict:>14} {gen_txt} {secs:8.0f}")
            versus = {}  # the recipe against the plain script and against its own levers, paired over test queries
            levers = [c for c, _, _ in CONDITIONS if c not in ("plain", "studio")]
            pairs_vs = ([("plain", "studio")] + [(c, REFERENCE.get(c, "studio")) for c in levers]
                        + [(c + "/final", REFERENCE.get(c, "studio") + "/final") for c in levers])
            for a, b in pairs_vs:
                if a in scores and b in scores:
                    d = paired_difference(scores[a][0], scores[b][0])
                    versus[f"{b} - {a}"] = {"diff": d.diff, "ci": [d.ci_low, d.ci_high], "verdict": d.verdict}
                    print(f"{b} - {a}: {d.diff:+.4f} [{d.ci_low:+.4f}, {d.ci_high:+.4f}] {d.verdict}")
            print("validation vs test (the gain's sign must agree):")
            print(f"{'run':16} {'model':10} {'val base':>9} {'val tuned':>9} {'val gain':>9} {'test gain':>9} {'agree':>6}")
            agree = {}
            for cond, info in val.items():
                if info.get("val_base") is None:
                    continue
                for which, key in (("final", "val_final"), ("delivered", "val_delivered")):
                    label = cond + "/final" if which == "final" and cond + "/final" in scores else cond
                    if which == "final" and label == cond and info.get("delivered_name") != "final":
                        continue  # final/ was not scored on test (it is the delivered model or the plain run)
                    vg = (info.get(key) or 0.0) - info["val_base"]
                    tg = rows[label]["diff"]
                    ok = (vg > 0) == (tg > 0) or abs(vg) < 1e-9
                    agree[f"{cond}:{which}"] = {"val_gain": vg, "test_gain": tg, "agree": ok}
                    print(f"{cond:16} {which:10} {info['val_base']:9.4f} {info.get(key) or 0:9.4f} {vg:+9.4f} "
                          f"{tg:+9.4f} {'yes' if ok else 'NO':>6}")
            results[name] = {"lang": lang, "pairs": len(pairs), "test_queries": len(test.queries),
                             "corpus": len(test.corpus), "rows": rows, "versus": versus, "validation": agree,
                             "validation_size": {c: [i.get("val_queries"), i.get("val_passages")] for c, i in val.items()},
                             "delivered": {c: i.get("delivered_name") for c, i in val.items()}}
            print(json.dumps({"bench": "quality", "set": name, **results[name]}, ensure_ascii=False))  # kept if stopped
    print(json.dumps({"bench": "quality", "pairs": n_pairs, "sets": results}, ensure_ascii=False))


def load_set_general(lang: str, n_test: int, corpus: int | None):
    from core.evaluation import load_beir

    folder = DATA / GENERAL[lang]
    if not (folder / "corpus.jsonl").is_file():
        return None
    ev = load_beir(folder, "test")
    rng = random.Random(0)
    qids = rng.sample(list(ev.qrels), min(n_test, len(ev.qrels)))
    return ev.sample(query_ids=qids, corpus_size=corpus, seed=0)


if __name__ == "__main__":
    main()
