"""BM25 mining end to end, tokenisation included: our ``core.builder.bm25.BM25Index`` (bm25s, rjieba when
installed) against ``rank_bm25.BM25Okapi`` fed the same tokens (jieba search mode, as before rjieba).

Usage: .venv/bin/python bench/mining.py [--quick] [--sizes 10000 100000] [--queries 1000] [--langs en zh]
                                        [--ref-queries 1000 100] [--threads 2] [--data ../shared/data]
Supersedes bench/bm25.py (same comparison, now at 10k and 100k passages and with the tokeniser timed).

Pools, per language, from the BEIR folders under ``--data``: English = financial_qa_10k + en_domain_climate_fever
+ general_en, Chinese = zh_domain_law_stard + t2ranking_100 + general_zh (title + text, exact duplicates
dropped). A pool smaller than the language's distinct passages is a seeded sample of them; a bigger one holds
all of them plus seeded *slices* (a random contiguous 50-100 % stretch of a random passage, in words for
English and characters for Chinese, unique), because neither language has 100k distinct passages here.
Queries: a seeded sample of the same folders' queries.

Per (language, pool size) one row per side, measured one after the other in this run:
- rank-bm25: passages tokenised with ``tokenize(zh_tokenizer="jieba")`` (today's jieba search mode + words +
  stopwords), ``BM25Okapi`` fitted, then per query: tokenise, ``get_scores``, top-10. rank-bm25 scores every
  passage in Python, so it runs ``--ref-queries`` queries per size and its time is scaled to all queries
  (marked "extrapolated"); jieba on a pool above 20,000 passages is timed on the first 20,000 and scaled the
  same way (the reference is then fed rjieba's tokens, whose identity with jieba's is measured on those
  20,000 and shown).
- ours: ``BM25Index(pool, method=...)`` (tokenise with ``zh_tokenizer="auto"`` = rjieba + build) and
  ``search(queries, k=10)``; both the default ``lucene`` and the ``robertson`` idf (the one Okapi uses).
Columns: tokenise / build / search seconds, total, the speed-up (reference total / ours total), the share of
queries whose top-10 *set* equals rank-bm25's (robertson; "≈" also counts sets that differ only among
passages tied, within 1e-4, with the 10th score) and, for Chinese, the share of texts that jieba and rjieba cut
into identical tokens. A final table checks retrieval quality with each tokeniser (hit@10 and nDCG@10 of
``BM25Index`` on t2ranking_100 and zh_domain_law_stard against their qrels).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SOURCES = {
    "en": ("financial_qa_10k", "en_domain_climate_fever", "general_en"),
    "zh": ("zh_domain_law_stard", "t2ranking_100", "general_zh"),
}
QUALITY_SETS = ("t2ranking_100", "zh_domain_law_stard")
JIEBA_TIMED_MAX = 20_000


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _beir(folder: Path) -> tuple[list[str], list[str], list[str], dict[str, dict[str, float]]]:
    """(doc ids, texts, query texts, qrels {query text: {doc id: grade}}) of a BEIR folder."""
    corpus = _read_jsonl(folder / "corpus.jsonl")
    queries = _read_jsonl(folder / "queries.jsonl")
    qtext = {q["_id"]: q["text"] for q in queries}
    rel: dict[str, dict[str, float]] = {}
    for qrel in sorted((folder / "qrels").glob("*.tsv")):
        for line in qrel.read_text(encoding="utf-8").splitlines()[1:]:
            parts = line.split("\t")
            if len(parts) >= 3 and parts[0] in qtext and float(parts[2]) > 0:
                rel.setdefault(qtext[parts[0]], {})[parts[1]] = float(parts[2])
    texts = [((d.get("title") or "") + " " + d["text"]).strip() for d in corpus]
    return [d["_id"] for d in corpus], texts, [q["text"] for q in queries], rel


def _slice(text: str, lang: str, rng: random.Random) -> str:
    units = text.split() if lang == "en" else list(text)
    if len(units) < 4:
        return text
    n = max(2, int(len(units) * rng.uniform(0.5, 1.0)))
    start = rng.randrange(0, len(units) - n + 1)
    return (" " if lang == "en" else "").join(units[start : start + n])


def build_pool(distinct: list[str], size: int, lang: str, seed: int = 13) -> tuple[list[str], int]:
    """``size`` passages: a seeded sample of ``distinct``, or all of them plus unique seeded slices.
    Returns (pool, number of slices)."""
    rng = random.Random(f"{seed}:{lang}:{size}")
    if size <= len(distinct):
        return rng.sample(distinct, size), 0
    pool, seen = list(distinct), set(distinct)
    tries = 0
    while len(pool) < size:
        s = _slice(distinct[rng.randrange(len(distinct))], lang, rng)
        tries += 1
        if s not in seen or tries > 50 * size:
            seen.add(s)
            pool.append(s)
    rng.shuffle(pool)
    return pool, size - len(distinct)


CPU: dict[str, float] = {}  # process CPU seconds of the last _time call (robust when other jobs share the cores)


def _time(fn):
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    CPU["last"] = time.process_time() - c
    return out, time.perf_counter() - t


def _same_set(ref_row, ref_scores, ours_row, k: int) -> tuple[bool, bool]:
    """(exact top-k set equality, equality up to passages tied with the k-th reference score)."""
    a, b = set(ref_row.tolist()), set(ours_row.tolist())
    if a == b:
        return True, True
    kth = ref_scores[ref_row[k - 1]]
    diff = a ^ b
    tol = 1e-4 * max(1.0, abs(kth))
    return False, all(abs(ref_scores[j] - kth) <= tol for j in diff)


def _ndcg10(ranked: list[str], rel: dict[str, float]) -> float:
    dcg = sum(rel.get(d, 0.0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted(rel.values(), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10k passages only, 200 queries, 50 rank-bm25 queries")
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument(
        "--ref-queries",
        type=int,
        nargs="+",
        default=[1000, 100],
        help="queries rank-bm25 runs per size (one value per --sizes entry, the last repeats)",
    )
    ap.add_argument("--langs", nargs="+", default=["en", "zh"], choices=sorted(SOURCES))
    ap.add_argument("--threads", type=int, default=2, help="BM25Index n_threads")
    ap.add_argument("-k", type=int, default=10)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.queries, args.ref_queries = [10_000], 200, [50]
    t_start = time.perf_counter()
    k = args.k

    import numpy as np
    from rank_bm25 import BM25Okapi

    from core.builder.bm25 import BM25Index, _jieba, rjieba_available, tokenize

    if not rjieba_available():
        print("note: rjieba is not installed, so 'ours' tokenises with jieba too", file=sys.stderr)
    _jieba()  # load jieba's dictionary once, outside every timing
    tokenize(["预热的段落"], zh_tokenizer="auto")
    BM25Index(["warm-up passage", "预热的段落"]).search(["warm-up 预热"], k=1)
    BM25Okapi([["warm"], ["up"]]).get_scores(["warm"])

    data: dict[str, tuple[list[str], list[str]]] = {}
    for lang in args.langs:
        texts, queries, seen = [], [], set()
        for name in SOURCES[lang]:
            folder = args.data / name
            if not (folder / "corpus.jsonl").is_file():
                print(f"skipping {name}: {folder} is absent", file=sys.stderr)
                continue
            _, t, q, _ = _beir(folder)
            for x in t:
                if x not in seen:
                    seen.add(x)
                    texts.append(x)
            queries += q
        if texts:
            data[lang] = (texts, queries)
    if not data:
        print(f"No benchmark data under {args.data}; nothing to measure.")
        print(json.dumps({"bench": "mining", "skipped": True}))
        return 0

    rows, tok_identity, headline = [], {}, {}
    for lang, (distinct, all_queries) in data.items():
        queries = random.Random(f"q:{lang}").sample(all_queries, min(args.queries, len(all_queries)))
        for si, size in enumerate(args.sizes):
            n_ref = min(len(queries), args.ref_queries[min(si, len(args.ref_queries) - 1)])
            pool, n_slices = build_pool(distinct, size, lang)
            print(
                f"{lang} {size}: {len(distinct)} distinct + {n_slices} slices, {len(queries)} queries "
                f"(rank-bm25: {n_ref})",
                file=sys.stderr,
            )
            # ---- ours (default lucene, then robertson for the agreement check)
            ours = {}
            for method in ("lucene", "robertson"):
                index, t_build = _time(lambda m=method: BM25Index(pool, method=m, n_threads=args.threads))
                c_build = CPU["last"]
                (idx, _), t_search = _time(lambda ix=index: ix.search(queries, k=k))
                ours[method] = (t_build, t_search, idx, c_build + CPU["last"])
                del index
            # ---- reference: jieba tokens + BM25Okapi
            timed = pool if (lang == "en" or size <= JIEBA_TIMED_MAX) else pool[:JIEBA_TIMED_MAX]
            jtoks, t_tok = _time(lambda p=timed: tokenize(p, zh_tokenizer="jieba"))
            c_ref = CPU["last"] * len(pool) / len(timed)
            note = []
            if len(timed) < len(pool):
                rtoks = tokenize(pool, zh_tokenizer="auto")
                same = sum(a == b for a, b in zip(jtoks, rtoks)) / len(jtoks)
                tok_identity[f"{lang}-{size}"] = same
                t_tok *= len(pool) / len(timed)
                toks = jtoks + rtoks[len(timed) :]
                note.append(f"jieba timed on {len(timed):,} passages and scaled")
            else:
                toks = jtoks
                if lang == "zh":
                    rtoks = tokenize(pool, zh_tokenizer="auto")
                    tok_identity[f"{lang}-{size}"] = sum(a == b for a, b in zip(jtoks, rtoks)) / len(jtoks)
            okapi, t_fit = _time(lambda t=toks: BM25Okapi(t, k1=1.5, b=0.75))
            c_ref += CPU["last"]
            del toks, jtoks

            def ref_search(qs, okapi=okapi):
                out, all_s = [], []
                for q in tokenize(qs, zh_tokenizer="jieba"):
                    s = okapi.get_scores(q)
                    top = np.argpartition(-s, k - 1)[:k]
                    out.append(top[np.lexsort((top, -s[top]))])
                    all_s.append(s)
                return np.array(out), all_s

            (ref_idx, ref_scores), t_ref = _time(lambda: ref_search(queries[:n_ref]))
            c_ref += CPU["last"] * len(queries) / n_ref
            if n_ref < len(queries):
                t_ref *= len(queries) / n_ref
                note.append(f"rank-bm25 search timed on {n_ref} queries and scaled")
            del okapi
            ref_total = t_tok + t_fit + t_ref
            exact = approx = 0
            for j in range(n_ref):
                e, a = _same_set(ref_idx[j], ref_scores[j], ours["robertson"][2][j], k)
                exact += e
                approx += a
            lucene_same = float(
                np.mean([set(ref_idx[j].tolist()) == set(ours["lucene"][2][j].tolist()) for j in range(n_ref)])
            )
            rows.append(
                (
                    lang,
                    size,
                    "rank_bm25.BM25Okapi + jieba tokens",
                    t_tok,
                    t_fit,
                    t_ref,
                    ref_total,
                    None,
                    None,
                    c_ref,
                    None,
                    "; ".join(note),
                )
            )
            for method in ("lucene", "robertson"):
                b, s, _, c = ours[method]
                same = (
                    (100 * exact / n_ref, 100 * approx / n_ref) if method == "robertson" else (100 * lucene_same, None)
                )
                rows.append(
                    (
                        lang,
                        size,
                        f"BM25Index {method}" + (" (default)" if method == "lucene" else ""),
                        None,
                        b,
                        s,
                        b + s,
                        ref_total / (b + s),
                        same,
                        c,
                        c_ref / c,
                        "",
                    )
                )
            headline[f"{lang}_{size}"] = {
                "speedup_lucene": round(ref_total / sum(ours["lucene"][:2]), 1),
                "speedup_robertson": round(ref_total / sum(ours["robertson"][:2]), 1),
                "cpu_speedup_lucene": round(c_ref / ours["lucene"][3], 1),
                "top10_same_pct": round(100 * exact / n_ref, 2),
                "top10_same_upto_ties_pct": round(100 * approx / n_ref, 2),
            }

    # ---- retrieval quality with each tokeniser (Chinese)
    quality = []
    if "zh" in args.langs:
        sets = QUALITY_SETS[:1] if args.quick else QUALITY_SETS
        for name in sets:
            folder = args.data / name
            if not (folder / "corpus.jsonl").is_file():
                continue
            ids, texts, qs, rel = _beir(folder)
            qs = [q for q in qs if q in rel]
            for tk in ("jieba", "rjieba") if rjieba_available() else ("jieba",):
                (idx, _), t = _time(
                    lambda tk=tk: BM25Index(texts, zh_tokenizer=tk, n_threads=args.threads).search(qs, k=10)
                )
                ranked = [[ids[i] for i in row] for row in idx]
                hit = 100 * float(np.mean([bool(set(r) & set(rel[q])) for r, q in zip(ranked, qs)]))
                ndcg = float(np.mean([_ndcg10(r, rel[q]) for r, q in zip(ranked, qs)]))
                quality.append((name, tk, len(texts), len(qs), t, hit, ndcg))

    print(
        f"\n{'lang':<4} {'passages':>8} {'what':<36} {'tokenise s':>10} {'build s':>8} {'search s':>9} "
        f"{'total s':>8} {'speed-up':>8} {'same top-10':>16} {'CPU s':>8} {'CPU ratio':>9}"
    )
    for lang, size, what, tok, b, s, tot, ratio, same, cpu, cratio, note in rows:
        sm = "-" if same is None else (f"{same[0]:.1f}%" + (f" (≈{same[1]:.1f}%)" if same[1] is not None else ""))
        print(
            f"{lang:<4} {size:>8} {what:<36} {'' if tok is None else f'{tok:.2f}':>10} {b:>8.2f} {s:>9.2f} "
            f"{tot:>8.2f} {'1' if ratio is None else f'{ratio:.1f}x':>8} {sm:>16} {cpu:>8.2f} "
            f"{'1' if cratio is None else f'{cratio:.1f}x':>9}" + (f"  ({note})" if note else "")
        )
    print(
        f"\nspeed-up = rank-bm25 total / ours total (tokenise + build + {len(queries)} queries, top-{k}); "
        "ours tokenises inside build. same top-10 = queries whose top-10 set equals rank-bm25's "
        "(robertson: same idf; lucene: our default idf); ≈ counts differences among passages tied with the "
        "10th score. CPU = process CPU seconds (both threads of ours' search counted), steadier than wall time "
        "when other jobs share the cores."
    )
    if tok_identity:
        print(
            "jieba vs rjieba identical token lists: "
            + ", ".join(f"{k_}: {100 * v:.3f}%" for k_, v in tok_identity.items())
        )
    if quality:
        print(
            f"\n{'dataset':<20} {'tokeniser':<8} {'passages':>8} {'queries':>7} {'index+search s':>14} "
            f"{'hit@10':>7} {'nDCG@10':>8}"
        )
        for name, tk, n, nq, t, hit, ndcg in quality:
            print(f"{name:<20} {tk:<8} {n:>8} {nq:>7} {t:>14.2f} {hit:>6.1f}% {ndcg:>8.4f}")
    summary = {
        "bench": "mining",
        "quick": args.quick,
        "queries": len(queries),
        "results": headline,
        "token_identity_pct": {k_: round(100 * v, 3) for k_, v in tok_identity.items()},
        "quality": {f"{n}/{tk}": {"hit@10": round(h, 2), "ndcg@10": round(d, 4)} for n, tk, _, _, _, h, d in quality},
        "seconds": round(time.perf_counter() - t_start, 1),
        "load_avg_1m": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
