"""Compare tab: one query, the base and the tuned model's ranked lists side by side, rank-change marks and
gold passages marked.

Engine calls: ``core.evaluation.load_evalset`` (corpus + gold), ``core.evaluation.SideBySide`` (corpus
embeddings cached on disk, so a restart reads them back instead of encoding again; the loaded pair is kept in
memory per (base, tuned, corpus) for fast queries). A cold start shows its phases in the progress bar:
``load-corpus``, ``load-model`` i/2, ``embed-corpus`` done/total per model, ``ready``.
The last search's hits stay in a ``gr.State``; ``render(lists, lang)`` draws them for the search and again for
the language switch (endpoint ``compare_language``). Only the tuned list has the Δ column (↑/↓ and "new" say how
the tuned model moved a passage against the base); the narrow columns never wrap; a passage longer than
``PASSAGE_CHARS`` is cut at a word boundary (Chinese at a character) with an ellipsis (``clip``).
"""

from __future__ import annotations

import html
import re
import threading
from pathlib import Path

import gradio as gr

from ui.common import handler
from ui.common import progress_fn as _progress_fn
from ui.strings import t
from ui.tabs.evaluate import eval_source
from ui.tabs.runs_common import base_model_of, model_dir, run_dir, wire_run_picker

_CACHE: dict[tuple, tuple] = {}
_LOCK = threading.Lock()


def _searcher(base: str, tuned: str, corpus_path: str, progress=None, run=None):
    """The side-by-side searcher of ``base`` and ``tuned`` over ``corpus_path`` (the run ``run``'s own test file is
    searched as Evaluate searches it, ``core.training.data.evalset_for``), and that evaluation set; one kept."""
    from core.evaluation import SideBySide
    from core.progress import Progress
    from core.training.data import evalset_for

    key = (base, tuned, corpus_path, str(run))
    with _LOCK:
        if key not in _CACHE:
            if progress:
                progress(Progress("load-corpus", 0, 1))
            evalset = evalset_for(corpus_path, run)
            _CACHE.clear()  # one pair of models in memory at a time
            _CACHE[key] = (SideBySide([("base", base), ("tuned", tuned)], evalset, progress=progress), evalset)
        return _CACHE[key]


PASSAGE_CHARS = 300  # longer passages are cut (``clip``)
# letters and digits of space-separated scripts (Latin, Cyrillic, Greek, Hangul, ...): a cut between two of them
# is mid-word; CJK ideographs and kana are not, each is a word of its own
_CJK = re.compile(r"[\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3040-\u30ff\u3190-\u319f\u31c0-\u31ff"
                  r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_TRAILING = " \t\r\n,;:-–—、，；：（(《“\"'"


def _in_word(c: str) -> bool:
    return (c.isalnum() or c in "'’_") and not _CJK.match(c)


def clip(text: str, limit: int = PASSAGE_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters plus "…": at the last word boundary when the cut would fall
    inside a word (unless that word is more than half the limit long), at any character in Chinese / Japanese."""
    text = str(text or "")
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if _in_word(cut[-1]) and _in_word(text[limit]):  # mid-word: back to where the word starts
        start = len(cut)
        while start > 0 and _in_word(cut[start - 1]):
            start -= 1
        if start > limit // 2:
            cut = cut[:start]
    return cut.rstrip(_TRAILING) + "…"


_NOWRAP = " style='white-space:nowrap'"  # the gold header (标准答案 wrapped one character a line) and the short cells


def hits_html(hits, title: str, lang: str = "en", marks: bool = True) -> str:
    """One ranked list as an HTML table; ``marks``: the Δ column (rank change against the other model)."""
    rows = []
    for h in hits:
        gold = "✅" if h.gold else ""
        cells = [str(h.rank), gold]
        if marks:
            if h.is_new:
                cells.append(f'<span class="rank-up">{html.escape(t("cmp_new", lang))}</span>')
            elif h.rank_change:
                cls = "rank-up" if h.rank_change > 0 else "rank-down"
                arrow = "↑" if h.rank_change > 0 else "↓"
                cells.append(f'<span class="{cls}">{arrow}{abs(h.rank_change)}</span>')
            else:
                cells.append("=")
        cells.append(f"{h.score:.3f}")
        tds = "".join(f"<td{_NOWRAP}>{c}</td>" for c in cells)
        rows.append(f"<tr data-gold='{int(bool(h.gold))}'>{tds}<td>{html.escape(clip(h.text))}</td></tr>")
    names = ["#", t("cmp_gold", lang)] + (["Δ"] if marks else []) + [t("cmp_score", lang), t("cmp_passage", lang)]
    head = "".join(f"<th{_NOWRAP if n == t('cmp_gold', lang) else ''}>{html.escape(n)}</th>" for n in names)
    return (f"<div class='cmp-list'><h3>{html.escape(title)}</h3><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def render(lists, lang: str) -> list:
    """The base and the tuned model's ranked lists (``[base hits, tuned hits]``, or ``[base hits, what, tuned hits]``)
    as two HTML tables in ``lang``; only the tuned list marks rank changes (against the base). ``what``: the searched
    passages' count and source and the two models' names (``searched``), said under the tuned list."""
    right = hits_html(lists[-1], t("right_model", lang), lang)
    if len(lists) == 3 and lists[1]:
        what = lists[1]
        note = t("cmp_searched", lang, n=f"{what['n']:,}", corpus=what["corpus"]) + " " + t("eval_models", lang, **what["models"])
        right = right.replace("</table></div>", f"</table><p class='cmp-note'>{html.escape(note)}</p></div>", 1)
    return [hits_html(lists[0], t("left_model", lang), lang, marks=False), right]


def searched(evalset, rd, tuned: str, base: str) -> dict:
    """What a search ran over, for the note under the lists: the passages' count and source, and the words for the
    two models (``ui.tabs.evaluate.tuned_and_base``: which folder 'tuned' is, e.g. a blend, and the base's name)."""
    from ui.tabs.evaluate import tuned_and_base

    return {"n": len(evalset.corpus), "corpus": evalset.name or "", "models": tuned_and_base(rd, Path(tuned), base)}


def build(ctx) -> dict:
    L = ctx.labeler
    with gr.Tab(t("tab_compare"), id=4, elem_id="tab-compare") as tab:
        L.add(tab, label="tab_compare")
        L.add(gr.Markdown(t("cmp_intro")), value="cmp_intro")
        with gr.Row():
            run = L.add(gr.Dropdown([], label=t("eval_run"), allow_custom_value=True, elem_id="cmp-run"), label="eval_run")
            examples = L.add(gr.Dropdown([], label=t("example_queries"), allow_custom_value=True, elem_id="cmp-examples"),
                             label="example_queries")
        with gr.Row():
            query = L.add(gr.Textbox(label=t("query"), elem_id="cmp-query", scale=4), label="query")
            k = L.add(gr.Slider(1, 30, 10, step=1, label=t("top_k"), scale=1), label="top_k")
            go = L.add(gr.Button(t("search"), variant="primary", scale=1, elem_id="cmp-go"), value="search")
        with gr.Row():
            left = gr.HTML("", elem_id="cmp-left")
            right = gr.HTML("", elem_id="cmp-right")
        lists = gr.State(None)  # the last search's two ranked lists (SearchHit records): redrawn on the language switch
        show = ctx.views.add("compare", lists, [left, right], render)
        # inside the tab: a gr.State made here after the tab's block would be a child of gr.Tabs, and Gradio would
        # then register the next tab under a wrong position (the tab bar showed "6. Export" twice)
        wire_run_picker(ctx, "compare", tab, run)  # after the lists: compare_language returns them first

    def fill_examples(ds):
        try:
            from core.evaluation import load_evalset

            ev = load_evalset(eval_source(ds, None))
            qs = list(getattr(ev, "queries", {}).values())[:20]
            return gr.update(choices=qs, value=None)
        except Exception:
            return gr.update(choices=[])

    ctx.data_state.change(fill_examples, ctx.data_state, examples, api_name=False)
    examples.change(lambda q: q or gr.skip(), examples, query, api_name=False)

    @handler
    def do_search(run_name, data_state, q, k_v, lang, progress=gr.Progress()):
        from core.errors import StudioError

        if not (q or "").strip():
            raise StudioError(t("cmp_need_query", lang))
        rd = run_dir(run_name)
        base, tuned = base_model_of(rd), str(model_dir(rd))
        sbs, evalset = _searcher(base, tuned, eval_source(data_state, None), _progress_fn(progress, lang), run=rd)
        found = sbs.search(q.strip(), k=int(k_v or 10))
        return show([found[0], searched(evalset, rd, tuned, base), found[-1]], lang)

    go.click(do_search, [run, ctx.data_state, query, k, ctx.lang], [lists, left, right], api_name="compare")
    query.submit(do_search, [run, ctx.data_state, query, k, ctx.lang], [lists, left, right], api_name=False)
    return {"tab": tab, "run": run}
