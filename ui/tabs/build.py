"""Build tab: documents → passages → query/passage pairs (LLM endpoint or offline pseudo-queries) → hard
negatives (rank window, false-negative guard, review of the suspects) → cleaning report → split → downloads → use.

Engine calls: ``core.builder.documents.load_documents``, ``core.builder.chunking.chunk / Passage``,
``core.builder.pseudo_queries.pseudo_queries_report``, ``core.builder.llm_queries.generate_queries_llm``,
``core.builder.roundtrip.roundtrip_filter`` (generated queries that do not find their own passage again are dropped,
shown with the reason and saved as a download), ``core.builder.llm.LLMConfig``,
``core.builder.negatives.mine_negatives / apply_review``, ``core.builder.clean.clean_rows``,
``core.builder.split.split_rows / empty_split_warnings`` and ``core.builder.dataset_files.write_splits``.
Endpoints: build_passages, build_pairs, build_mine, build_review (untick "keep" to drop a suspect's query row),
build_drop_suspects, build_clean, build_split, build_use (makes the split the active ``DataState`` and shows it
in the Data tab). The API key (typed, or read from the named environment variable) is passed to the engine in
memory only and never stored in any state.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import gradio as gr
import pandas as pd

from ui.common import handler, usable_model
from ui.common import progress_fn as _progress_fn
from ui.state import DataState
from ui.strings import Msg, t, table_headers, tr_engine, translate_keys


def _short(text, n=160) -> str:
    text = str(text or "")
    return text if len(text) <= n else text[: n - 1] + "…"


ROW_HEADERS = ["query", "pos", "neg", "synthetic"]
# the split's "Keep together" choices: (ui.strings key, the rows' column whose equal values stay in one split)
KEEP_CHOICES = (("keep_none", ""), ("keep_document", "source"), ("keep_passage", "passage_id"))
PASSAGE_HEADERS = ["id", "source", "page", "title", "text"]


def _rows_frame(rows: list[dict], lang: str = "en") -> pd.DataFrame:
    """The pairs table (first 300 rows) with its headers in ``lang``."""
    return pd.DataFrame([[_short(r.get("query")), _short(" ‖ ".join(r.get("pos") or [])), len(r.get("neg") or []),
                          r.get("synthetic", "")] for r in rows[:300]], columns=table_headers(ROW_HEADERS, lang))


def _passages_frame(passages, lang: str = "en") -> pd.DataFrame:
    """The passages table (first 300) with its headers in ``lang``."""
    return pd.DataFrame([[p.id, Path(p.source).name, p.page, p.title or "", _short(p.text, 200)] for p in passages[:300]],
                        columns=table_headers(PASSAGE_HEADERS, lang))


def _render_clean(summary: dict, lang: str) -> list:
    """The cleaning report (``rows_in``, ``counts``, ``why`` sentences, …) with its keys and sentences in ``lang``."""
    return [translate_keys({**summary, "why": [tr_engine(w, lang) for w in summary.get("why", [])]}, lang)]


def _render_rt(view: tuple, lang: str) -> list:
    """The round-trip summary and the dropped rows' table; ``view`` = (``Msg``, dropped rows shown)."""
    msg, dropped = view
    return [msg.render(lang), _dropped_frame(dropped, lang)]


DROPPED_HEADERS = ["query", "passage", "rank", "why"]


def _dropped_frame(dropped: list[dict], lang: str) -> pd.DataFrame:
    """The round-trip check's dropped rows (first 300): query, source passage, its rank and why, in ``lang``."""
    from ui.strings import table_headers

    return pd.DataFrame([[_short(r.get("query"), 120), _short(" ‖ ".join(r.get("pos") or []), 160), r.get("roundtrip_rank"),
                          tr_engine(r.get("roundtrip_reason", ""), lang)] for r in dropped[:300]],
                        columns=table_headers(DROPPED_HEADERS, lang))


SUSPECT_HEADERS = ["id", "keep", "query", "candidate", "score", "positive", "rank"]
SUSPECTS_SHOWN = 300


def _suspects_frame(sus: list[dict], lang: str = "en") -> pd.DataFrame:
    """The review table: the first ``SUSPECTS_SHOWN`` suspects, ``id`` = index into the full list, ``keep`` ticked;
    headers in ``lang`` (the review reads the columns by position)."""
    return pd.DataFrame([[i, True, _short(s.get("query"), 80), _short(s.get("candidate"), 140),
                          round(float(s.get("score", 0)), 4), round(float(s.get("positive_score", 0)), 4), s.get("rank")]
                         for i, s in enumerate(sus[:SUSPECTS_SHOWN])], columns=table_headers(SUSPECT_HEADERS, lang))


def _relabel_suspects(table, lang: str) -> list:
    """The review table as the page holds it (the user's unticked boxes kept) with its headers in ``lang``."""
    frame = _review_frame(table)
    if frame.shape[1] != len(SUSPECT_HEADERS):
        return [gr.skip()]
    return [frame.set_axis(table_headers(SUSPECT_HEADERS, lang), axis=1)]


def _review_frame(table) -> pd.DataFrame:
    """The review table as a DataFrame: as the page gives it, or from a Dataframe payload ({"headers", "data"})
    sent by a client."""
    from core.errors import DataError

    if isinstance(table, pd.DataFrame):
        return table
    if not isinstance(table, dict) or "data" not in table:
        raise DataError("The review table is missing; mine hard negatives first (step 3).")
    return pd.DataFrame(data=table.get("data") or [], columns=table.get("headers") or SUSPECT_HEADERS)


def _truthy(v) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("1", "true", "yes", "y", "✓")
    return bool(v) and not (isinstance(v, float) and v != v)


def _passages_from_sample(sample_dir: Path):
    """The sample knowledge base's passages.jsonl as ``Passage`` objects (reading a shipped file, no logic)."""
    from core.builder.chunking import Passage
    from core.errors import DataError

    path = sample_dir / "passages.jsonl"
    if not path.is_file():
        raise DataError(f"The sample passages file {path} is missing.")
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if line.strip():
            d = json.loads(line)
            out.append(Passage(id=str(d.get("id") or d.get("_id") or i), text=d.get("text", ""), source=d.get("source", path.name),
                               page=int(d.get("page", 1) or 1), chunk_index=i, title=d.get("title")))
    return out


def build(ctx) -> dict:
    L = ctx.labeler

    with gr.Tab(t("tab_build"), id=1, elem_id="tab-build") as tab:
        passages_st = gr.State([])
        rows_st = gr.State([])
        L.add(tab, label="tab_build")
        L.add(gr.Markdown(t("build_intro")), value="build_intro")
        with gr.Row():
            docs = L.add(gr.File(label=t("docs"), file_count="multiple", elem_id="build-docs"), label="docs")
            with gr.Column():
                use_sample = L.add(gr.Checkbox(True, label=t("use_sample_docs"), elem_id="build-use-sample"), label="use_sample_docs")
                size = L.add(gr.Number(512, label=t("chunk_size"), precision=0, minimum=16), label="chunk_size")
                overlap = L.add(gr.Number(64, label=t("chunk_overlap"), precision=0, minimum=0), label="chunk_overlap")
        pass_btn = L.add(gr.Button(t("make_passages"), elem_id="build-passages"), value="make_passages")
        pass_md = gr.Markdown("", elem_id="build-passages-md")
        pass_df = L.add(gr.Dataframe(_passages_frame([]), label=t("passages"), interactive=False, max_height=240, wrap=True,
                                     elem_id="build-passages-table"), label="passages")

        mode = L.add(gr.Radio([(t("qm_pseudo"), "pseudo"), (t("qm_llm"), "llm")], value="pseudo", label=t("query_mode"),
                              elem_id="build-mode"),
                     label="query_mode", choices=[("qm_pseudo", "pseudo"), ("qm_llm", "llm")])
        with gr.Row(visible=False) as llm_row:
            base_url = L.add(gr.Textbox("https://api.openai.com/v1", label=t("llm_base_url")), label="llm_base_url")
            llm_model = L.add(gr.Textbox("gpt-4o-mini", label=t("llm_model")), label="llm_model")
            api_key = L.add(gr.Textbox("", type="password", label=t("llm_key")), label="llm_key")
            key_env = L.add(gr.Textbox("OPENAI_API_KEY", label=t("llm_key_env")), label="llm_key_env")
            per_passage = L.add(gr.Number(1, label=t("queries_per_passage"), precision=0, minimum=1, maximum=10),
                                label="queries_per_passage")
        with gr.Row():
            rt_on = L.add(gr.Checkbox(True, label=t("rt_on"), elem_id="build-rt-on"), label="rt_on")
            rt_k = L.add(gr.Number(3, label=t("rt_k"), precision=0, elem_id="build-rt-k"), label="rt_k")
            rt_model = L.add(gr.Dropdown(["bm25"], value="bm25", allow_custom_value=True, label=t("rt_model"),
                                         elem_id="build-rt-model"), label="rt_model")
        pairs_btn = L.add(gr.Button(t("make_pairs"), elem_id="build-pairs"), value="make_pairs")
        pairs_md = gr.Markdown("", elem_id="build-pairs-md")
        pairs_df = L.add(gr.Dataframe(_rows_frame([]), label=t("pairs"), interactive=False, max_height=240, wrap=True,
                                      elem_id="build-pairs-table"), label="pairs")
        rt_md = gr.Markdown("", elem_id="build-rt-md")
        with gr.Row():
            rt_df = L.add(gr.Dataframe(_dropped_frame([], "en"), label=t("rt_dropped"), interactive=False, max_height=240, wrap=True,
                                       elem_id="build-rt-dropped"), label="rt_dropped")
            rt_file = L.add(gr.File(label=t("rt_file"), interactive=False), label="rt_file")

        with gr.Row():
            mine_model = L.add(gr.Dropdown(["bm25"], value="bm25", allow_custom_value=True, label=t("mine_model")),
                               label="mine_model")
            rank_lo = L.add(gr.Number(3, label=t("rank_lo"), precision=0, minimum=0), label="rank_lo")
            rank_hi = L.add(gr.Number(100, label=t("rank_hi"), precision=0, minimum=1), label="rank_hi")
            n_neg = L.add(gr.Number(3, label=t("num_negatives"), precision=0, minimum=1), label="num_negatives")
            margin = L.add(gr.Slider(0, 0.5, 0.05, step=0.01, label=t("fn_margin")), label="fn_margin")
        mine_btn = L.add(gr.Button(t("mine"), elem_id="build-mine"), value="mine")
        mine_md = gr.Markdown("", elem_id="build-mine-md")
        guard_md = gr.Markdown("", elem_id="build-guard")
        suspects_st = gr.State([])  # every suspect the miner listed (up to its cap), in its order
        suspects = L.add(gr.Dataframe(label=t("suspects"), interactive=True, max_height=300, wrap=True, elem_id="build-suspects",
                                      headers=SUSPECT_HEADERS, datatype=["number", "bool", "str", "str", "number", "number", "number"],
                                      static_columns=[0, 2, 3, 4, 5, 6]), label="suspects")
        with gr.Row():
            review_btn = L.add(gr.Button(t("apply_review"), elem_id="build-review"), value="apply_review")
            drop_all_btn = L.add(gr.Button(t("drop_all_suspects"), elem_id="build-drop-suspects"), value="drop_all_suspects")
        review_md = gr.Markdown("")

        clean_btn = L.add(gr.Button(t("clean"), elem_id="build-clean"), value="clean")
        clean_md = gr.Markdown("", elem_id="build-clean-md")
        clean_json = L.add(gr.JSON(label=t("clean_report")), label="clean_report")

        with gr.Row():
            ratios = L.add(gr.Textbox("0.8, 0.1, 0.1", label=t("split_ratios")), label="split_ratios")
            keep = L.add(gr.Dropdown([(t(k), v) for k, v in KEEP_CHOICES], value="", label=t("split_keep"),
                                     info=t("split_keep_info"), elem_id="build-keep"),
                         label="split_keep", info="split_keep_info", choices=list(KEEP_CHOICES))
            split_btn = L.add(gr.Button(t("split"), elem_id="build-split"), value="split")
        split_md = gr.Markdown("", elem_id="build-split-md")
        files = L.add(gr.File(label=t("downloads"), file_count="multiple", interactive=False), label="downloads")
        built_st = gr.State(None)  # the durable folder under datasets_root() holding the split files
        use_btn = L.add(gr.Button(t("use_built"), elem_id="build-use"), value="use_built")
        use_md = gr.Markdown("", elem_id="build-use-md")
        # each step's last message (a ui.strings.Msg) and the round-trip view: redrawn on the language switch
        msg_st = {name: gr.State(None) for name in ("pass", "pairs", "mine", "guard", "review", "clean", "split", "use")}
        rt_st = gr.State(None)
        clean_st = gr.State(None)  # the cleaning report's summary dict (keys, engine sentences)

    mode.change(lambda m: gr.update(visible=m == "llm"), mode, llm_row, api_name=False)
    views = ctx.views
    views.add("build", passages_st, [pass_df], lambda ps, lang: [_passages_frame(ps, lang)],
              blank=lambda lang: [_passages_frame([], lang)])
    views.add("build", rows_st, [pairs_df], lambda rows, lang: [_rows_frame(rows, lang)],
              blank=lambda lang: [_rows_frame([], lang)])
    show_rt = views.add("build", rt_st, [rt_md, rt_df], _render_rt, blank=lambda lang: ["", _dropped_frame([], lang)])
    show = {name: views.add_text("build", msg_st[name], md) for name, md in
            (("pass", pass_md), ("pairs", pairs_md), ("guard", guard_md), ("review", review_md), ("clean", clean_md),
             ("split", split_md), ("use", use_md), ("mine", mine_md))}
    show_clean = views.add("build", clean_st, [clean_json], _render_clean)
    views.add("build", suspects, [suspects], _relabel_suspects)  # the table itself: its ticks are the user's

    def rt_default_k(spec):
        from core.builder.roundtrip import DEFAULT_K

        return DEFAULT_K["bm25" if (spec or "bm25").strip() in ("", "bm25") else "dense"]

    rt_model.change(rt_default_k, rt_model, rt_k, api_name=False)  # each retriever's default k

    @handler
    def do_passages(paths, sample, size_v, overlap_v, lang="en", progress=gr.Progress()):
        from core.builder.chunking import chunk
        from core.builder.documents import load_documents
        from core.errors import DataError

        pfn = _progress_fn(progress, lang)
        problems = []
        if paths:
            documents = load_documents([str(p) for p in paths], progress=pfn)
            # an upload's server-side path means nothing to its owner: each message names the file by its name
            problems = [(Path(p.path).name, p.message.replace(f"'{p.path}'", f"'{Path(p.path).name}'"))
                        for p in documents.problems]
            passages = chunk(documents, size=int(size_v or 512), overlap=int(overlap_v or 0), progress=pfn)
        elif sample:
            passages = _passages_from_sample(ctx.sample_dir)
        else:
            raise DataError("Upload documents or tick the sample passages box first.")
        lines = [part for i, (name, why) in enumerate(problems) for part in (("\n\n" if i == 0 else "\n") + f"- {name}: ",
                                                                               Msg.en(why))]
        msg = Msg.cat(Msg.of("passages_made", n=len(passages)), *lines)
        if not paths:  # the sample's passages are cut already: the two boxes did nothing, and the line says so
            msg = Msg.cat(msg, Msg.of("passages_sample_cut"))
        m, md = show["pass"](msg, lang)
        return m, passages, md, _passages_frame(passages, lang)

    pass_btn.click(do_passages, [docs, use_sample, size, overlap, ctx.lang], [msg_st["pass"], passages_st, pass_md, pass_df],
                   api_name="build_passages")

    @handler
    def do_pairs(passages, mode_v, url, model, key, env, n, lang, rt_on_v=True, rt_k_v=3, rt_model_v="bm25",
                 progress=gr.Progress()):
        from core.builder.roundtrip import check_k, check_retriever
        from core.errors import ConfigError, DataError

        if not passages:
            raise DataError("Make passages first (step 1).")
        if rt_on_v:  # checked before any LLM request is sent
            rt_spec = (rt_model_v or "bm25").strip() or "bm25"
            retriever = "bm25" if rt_spec == "bm25" else "dense"
            if retriever == "dense":
                usable_model(rt_spec)
            check_retriever(retriever, None if retriever == "bm25" else rt_spec)
            rt_k_v = check_k(rt_k_v)
            if retriever == "dense":  # a model that cannot be loaded is refused before anything is generated
                from core.evaluation.encoding import as_model

                rt_spec = as_model(rt_spec)
        pfn = _progress_fn(progress, lang)
        if mode_v == "llm":
            from core.builder.llm import LLMConfig
            from core.builder.llm_queries import generate_queries_llm
            from core.deployment import multi_user
            from core.paths import datasets_root
            from ui.common import refuse_in_public

            refuse_in_public("public_off_llm")

            if not (url or "").strip():
                raise ConfigError(t("llm_no_url", lang))
            cfg = LLMConfig(base_url=url.strip(), model=(model or "").strip(), api_key_env=(env or "").strip())
            typed = (key or "").strip() or None
            if multi_user() and not typed:  # a user who picks the endpoint is not lent the server's key
                raise ConfigError(t("llm_type_key_shared", lang))
            api_key = cfg.resolve_api_key(typed, from_env=not multi_user())  # typed key wins, else the variable
            if not api_key:
                raise ConfigError(t("llm_no_key", lang, env=cfg.api_key_env) if cfg.api_key_env else t("llm_no_key_no_env", lang))
            # A folder per passage set and endpoint: asking again after a crash or restart resumes there.
            folder_id = hashlib.sha1("\n".join([cfg.base_url, cfg.model, *(str(getattr(p, "id", "")) for p in passages)]).encode()).hexdigest()[:12]
            out = datasets_root() / f"llm-{folder_id}" / "llm_questions.jsonl"
            report = generate_queries_llm(passages, cfg, api_key=api_key, n_per_passage=int(n or 1), out_path=out, progress=pfn)
            rows, head = list(report.rows), "pairs_llm"
            details = ["\n\n", Msg.en(report.summary())]
        else:
            from core.builder.pseudo_queries import pseudo_queries_report

            report = pseudo_queries_report(passages, mode="inverse_cloze", progress=pfn)
            rows, head = report.rows, "pairs_pseudo"
            details = [part for x in report.sentences() for part in ("\n\n- ", Msg.en(x))]
        if rt_on_v:
            rows, rt_msg, dropped, file = _roundtrip(rows, passages, retriever, rt_spec, rt_k_v, pfn)
        else:
            rt_msg, dropped, file = Msg.of("rt_off"), [], None
        m, md = show["pairs"](Msg.cat(Msg.of(head, rows=len(rows), passages=len(passages)), *details), lang)
        rt_v, rt_text, rt_frame = show_rt((rt_msg, dropped[:300]), lang)
        return m, rt_v, rows, md, _rows_frame(rows, lang), rt_text, rt_frame, file

    def _roundtrip(rows, passages, retriever, spec, k, pfn):
        """Round-trip check of the generated rows (``spec``: a loaded model for ``dense``): (kept rows, summary,
        dropped rows, download of the dropped rows)."""
        import uuid

        from core.builder.roundtrip import DROPPED_FILE, roundtrip_filter
        from core.jsonl import write_jsonl
        from core.paths import datasets_root
        from ui.common import offer_download

        rep = roundtrip_filter(rows, passages, retriever=retriever, k=k, model=None if retriever == "bm25" else spec,
                               progress=pfn)
        msg = Msg.en(rep.summary())
        file = None
        if rep.dropped:
            folder = datasets_root() / f"roundtrip-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
            path = write_jsonl(rep.dropped, folder / DROPPED_FILE)
            file = offer_download(path)
            msg = Msg.cat(msg, "\n\n", Msg.of("rt_saved", dropped=len(rep.dropped),
                                                file=f"{datasets_root().name}/{folder.name}/{DROPPED_FILE}"))
        return list(rep.kept), msg, rep.dropped, file

    # the first outputs are the ones API callers had before the round-trip check; its outputs come after
    pairs_btn.click(do_pairs, [passages_st, mode, base_url, llm_model, api_key, key_env, per_passage, ctx.lang,
                               rt_on, rt_k, rt_model],
                    [msg_st["pairs"], rt_st, rows_st, pairs_md, pairs_df, rt_md, rt_df, rt_file], api_name="build_pairs")

    @handler
    def do_mine(rows, passages, model, lo, hi, n, margin_v, lang, progress=gr.Progress()):
        from core.builder.negatives import mine_negatives
        from core.errors import DataError

        if not rows:
            raise DataError("Make query/passage pairs first (step 2).")
        method = "bm25" if (model or "bm25") == "bm25" else "dense"
        if method == "dense":
            usable_model(model)
        result = mine_negatives(rows, passages=[p.text for p in passages] or None, method=method,
                                model=None if method == "bm25" else model, num_negatives=int(n or 3),
                                rank_window=(int(lo or 0), int(hi or 100)), false_negative_margin_rel=float(margin_v or 0) or None,
                                progress=_progress_fn(progress, lang))
        rows2 = list(result.rows) if not isinstance(result.rows, pd.DataFrame) else result.rows.to_dict("records")
        sus = list(result.suspected_false_negatives)
        guard = Msg.en(result.guard_sentence())
        if sus:
            guard = Msg.cat(guard, "\n\n", Msg.of("suspects_shown", shown=min(len(sus), SUSPECTS_SHOWN),
                                                    total=f"{result.suspected_total:,}"))
        g, guard_text = show["guard"](guard, lang)
        r, review_text = show["review"](Msg.en(""), lang)
        lines = [part for i, line in enumerate(result.table().splitlines()) for part in ("\n" if i else "", Msg.en(line))]
        m, mine_text = show["mine"](Msg.cat("```\n", *lines, "\n```\n\n", Msg.of("mine_recipe_note")), lang)
        return (m, g, r, rows2, mine_text, sus, _suspects_frame(sus, lang), _rows_frame(rows2, lang), guard_text, review_text)

    # outputs the page had before the review came first (API callers index them), the new ones after
    mine_btn.click(do_mine, [rows_st, passages_st, mine_model, rank_lo, rank_hi, n_neg, margin, ctx.lang],
                   [msg_st["mine"], msg_st["guard"], msg_st["review"], rows_st, mine_md, suspects_st, suspects, pairs_df,
                    guard_md, review_md],
                   api_name="build_mine")

    def _review(rows, sus, drop, lang):
        from core.builder.negatives import apply_review

        kept, gone = apply_review(rows, sus, drop)
        queries = len({sus[k]["query"] for k in drop})
        m, msg = show["review"](Msg.of("review_done", dropped=len(gone), queries=queries, left=len(kept)), lang)
        return m, list(kept), [], _suspects_frame([], lang), msg, _rows_frame(list(kept), lang)

    review_outs = [msg_st["review"], rows_st, suspects_st, suspects, review_md, pairs_df]

    @handler
    def do_review(rows, sus, table, lang):
        """Drop the query rows of the suspects whose "keep" box is unticked in the review table."""
        from core.errors import DataError

        if not rows or not sus:
            raise DataError(t("no_suspects", lang))
        frame = _review_frame(table)
        if frame.shape[1] != len(SUSPECT_HEADERS):  # read by position: the headers follow the page's language
            n, m, join = frame.shape[1], len(SUSPECT_HEADERS), ", ".join(SUSPECT_HEADERS)
            raise DataError(f"The review table has {n} columns; expected the {m} columns {join}.")
        drop = []
        for i, (sid, keep) in enumerate(zip(frame.iloc[:, 0], frame.iloc[:, 1]), start=1):
            try:
                sid = int(sid)
            except (TypeError, ValueError):
                raise DataError(f"Review table line {i}: the id {sid!r} is not a suspect number.") from None
            if not _truthy(keep):
                drop.append(sid)
        return _review(rows, sus, drop, lang)

    review_btn.click(do_review, [rows_st, suspects_st, suspects, ctx.lang], review_outs, api_name="build_review")

    @handler
    def do_drop_suspects(rows, sus, lang):
        """Drop the query row of every suspect the miner listed (not only the ones shown)."""
        from core.errors import DataError

        if not rows or not sus:
            raise DataError(t("no_suspects", lang))
        return _review(rows, sus, list(range(len(sus))), lang)

    drop_all_btn.click(do_drop_suspects, [rows_st, suspects_st, ctx.lang], review_outs, api_name="build_drop_suspects")

    @handler
    def do_clean(rows, lang):
        from core.builder.clean import CleanConfig, clean_rows
        from core.errors import DataError

        if not rows:
            raise DataError("Make query/passage pairs first (step 2).")
        rules = CleanConfig()
        cleaned, report = clean_rows(rows, rules)
        why = report.sentences(rules)
        summary = {"rows_in": report.rows_in, "rows_out": report.rows_out, "rows_dropped": report.rows_dropped,
                   "counts": {k: v for k, v in report.counts.items() if v}, "why": why,
                   "examples": {k: v for k, v in report.examples.items() if v}}
        m, msg = show["clean"](Msg.cat(Msg.of("clean_said", rows_in=report.rows_in, rows_out=report.rows_out,
                                              rows_dropped=report.rows_dropped),
                                       *(part for x in why for part in ("\n\n- ", Msg.en(x)))), lang)
        summary_v, summary_shown = show_clean(summary, lang)
        return m, summary_v, list(cleaned), summary_shown, _rows_frame(list(cleaned), lang), msg

    clean_btn.click(do_clean, [rows_st, ctx.lang], [msg_st["clean"], clean_st, rows_st, clean_json, pairs_df, clean_md],
                    api_name="build_clean")

    @handler
    def do_split(rows, ratio_text, lang, keep_by=""):
        """Split the built rows by the ratios; ``keep_by`` (a ``KEEP_CHOICES`` value: ``source`` or ``passage_id``)
        puts each document's (passage's) queries in one split."""
        from core.builder.dataset_files import write_splits
        from core.builder.split import empty_split_warnings, group_value, parse_ratios, split_rows
        from core.errors import DataError
        from core.paths import datasets_root

        if not rows:
            raise DataError("Make query/passage pairs first (step 2).")
        ratios = parse_ratios(str(ratio_text).replace("，", ","))
        word = {v: k for k, v in KEEP_CHOICES}
        keep_by = keep_by if keep_by in word else ""
        parts = split_rows(rows, ratios, group_by=keep_by or None)
        kept = []
        if keep_by:
            n = len({group_value(r.get(keep_by)) for r in rows} - {None})  # the groups split_rows kept whole
            kept = ["\n\n", Msg.of("split_kept", what=Msg.of(word[keep_by]), n=f"{n:,}")]
        out = write_splits(parts, datasets_root() / time.strftime("built-%Y%m%d-%H%M%S"))
        beir = [out.beir / "corpus.jsonl", out.beir / "queries.jsonl", out.beir / "qrels" / "test.tsv"]
        from ui.common import offer_download

        m, msg = show["split"](Msg.cat(Msg.of("split_said", counts=", ".join(f"{k} {v}" for k, v in out.counts.items())), *kept,
                                       *(part for w in empty_split_warnings(parts, ratios) for part in ("\n\n⚠️ ", Msg.en(w)))),
                               lang)
        return m, [offer_download(p) for p in [*out.files.values(), *beir]], str(out.folder), msg

    split_btn.click(do_split, [rows_st, ratios, ctx.lang, keep], [msg_st["split"], files, built_st, split_md],
                    api_name="build_split")

    data_tab = ctx.tabs.get("data") or {}

    @handler
    def do_use(folder, lang):
        """Make the split folder the active dataset: confirm here, and show it in the Data tab."""
        from core.data import load_table, read_table
        from core.errors import DataError
        from core.paths import datasets_root

        by = {n: folder and Path(folder) / f"{n}.jsonl" for n in ("train", "validation", "test")}
        by = {n: str(p) for n, p in by.items() if p and p.is_file()}
        if "train" not in by:
            raise DataError("Split the built set first (step 5).")
        raw = read_table(by["train"])  # read once: checked here, its columns shown by the Data tab
        data = load_table(raw, by["train"])
        from core.data.beir import beir_beside

        beir = beir_beside(folder)
        shown = f"{datasets_root().name}/{Path(folder).name}/train.jsonl"
        state = DataState(train=by["train"], validation=by.get("validation"), test=by.get("test"),
                          eval=str(beir) if beir else None, label=f"built: {shown}")
        rows = data.summary()["rows_kept"]
        if data_tab.get("show_loaded"):
            loaded = Msg.of("built_loaded", file=shown, rows=f"{rows:,}", format=data.format)
            outs = data_tab["show_loaded"](data, raw, state, lang, note=loaded)
        else:
            state.rows, state.format = rows, data.format
            outs = [state]
        return [*show["use"](Msg.of("now_training_on", file=shown, rows=f"{rows:,}", format=data.format), lang), *outs]

    use_btn.click(do_use, [built_st, ctx.lang], [msg_st["use"], use_md, *(data_tab.get("outs") or [ctx.data_state])],
                  api_name="build_use")
    return {"tab": tab}
