"""Data tab: pick the sample or upload files; detected format + editable column mapping; validation
messages with row numbers; a paged preview; counts.

Engine calls: ``core.data.read_table`` (raw columns for the mapping dropdowns), ``core.data.load_data``
(detect + map + validate), ``core.data.FORMATS``, ``LoadedData.summary()``.
Shared output: ``ctx.data_state`` = ``{"train", "validation", "test", "format", "mapping", "rows"}``.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pandas as pd

from ui.common import handler
from ui.strings import t, tr_engine, translate_keys

MAP_SLOTS = 6
SAMPLE_SPLITS = ("train", "validation", "test")


def sample_files(sample_dir: Path) -> list[str]:
    if not sample_dir.is_dir():
        return []
    return sorted(p.name for p in sample_dir.iterdir() if p.is_file() and p.suffix in (".jsonl", ".json", ".csv", ".tsv", ".xlsx", ".parquet")
                  and p.name != "passages.jsonl")


def _cell(v) -> str:
    if isinstance(v, (list, tuple)) or (hasattr(v, "tolist") and not isinstance(v, str)):
        items = list(v.tolist() if hasattr(v, "tolist") else v)
        text = " ‖ ".join(str(x) for x in items[:3]) + (f" (+{len(items) - 3})" if len(items) > 3 else "")
    else:
        text = "" if v is None else str(v)
    return text if len(text) <= 160 else text[:157] + "…"


def preview_page(df: pd.DataFrame | None, page: int, size: int) -> tuple[pd.DataFrame, int]:
    if df is None or not len(df):
        return pd.DataFrame(), 1
    size = int(size or 10)
    pages = max(1, -(-len(df) // size))
    page = min(max(1, int(page or 1)), pages)
    part = df.iloc[(page - 1) * size: page * size]
    cols = ["_row"] + [c for c in part.columns if c != "_row"] if "_row" in part.columns else list(part.columns)
    return part[cols].map(_cell) if hasattr(part, "map") else part[cols].applymap(_cell), pages


def issues_frame(issues, lang: str) -> pd.DataFrame:
    heads = [t("col_row", lang), t("col_column", lang), t("col_severity", lang), t("col_message", lang)]
    rows = [[i.row if i.row is not None else "", i.column or "", i.severity, tr_engine(i.message, lang)] for i in issues[:500]]
    return pd.DataFrame(rows, columns=heads)


def build(ctx) -> dict:
    L = ctx.labeler
    from core.data import FORMATS

    samples = sample_files(ctx.sample_dir)
    default_sample = "train.jsonl" if "train.jsonl" in samples else (samples[0] if samples else None)

    with gr.Tab(t("tab_data"), id=0, elem_id="tab-data") as tab:
        loaded = gr.State(None)  # core.data.LoadedData of the training file
        raw_cols = gr.State([])
        L.add(tab, label="tab_data")
        L.add(gr.Markdown(t("data_intro")), value="data_intro")
        with gr.Row():
            source = L.add(gr.Radio([(t("src_sample"), "sample"), (t("src_upload"), "upload")], value="sample",
                                    label=t("data_source"), elem_id="data-source"),
                           label="data_source", choices=[("src_sample", "sample"), ("src_upload", "upload")])
            sample = L.add(gr.Dropdown(samples, value=default_sample, label=t("sample_file"), elem_id="sample-file"),
                           label="sample_file")
        with gr.Row(visible=False) as upload_row:
            up_train = L.add(gr.File(label=t("upload_train"), file_count="single", elem_id="upload-train"), label="upload_train")
            up_val = L.add(gr.File(label=t("upload_val"), file_count="single"), label="upload_val")
        load_btn = L.add(gr.Button(t("load"), variant="primary", elem_id="data-load"), value="load")
        status = gr.Markdown("", elem_id="data-status")
        with gr.Row():
            fmt = L.add(gr.Dropdown(list(FORMATS), value=None, label=t("format"), info=t("format_info"),
                                    elem_id="data-format", scale=1), label="format", info="format_info")
            maps = [gr.Dropdown([], value=None, label=f"role {i}", visible=False, allow_custom_value=False, scale=1)
                    for i in range(MAP_SLOTS)]
        apply_btn = L.add(gr.Button(t("apply_mapping"), elem_id="data-apply"), value="apply_mapping")
        with gr.Row():
            with gr.Column(scale=1):
                counts = L.add(gr.JSON(label=t("counts"), elem_id="data-counts"), label="counts")
            with gr.Column(scale=2):
                issues = L.add(gr.Dataframe(label=t("issues"), interactive=False, max_height=260, wrap=True,
                                            elem_id="data-issues"), label="issues")
        with gr.Row():
            page = L.add(gr.Number(1, label=t("page"), precision=0, minimum=1, scale=0, min_width=100), label="page")
            page_size = L.add(gr.Dropdown([10, 25, 50, 100], value=10, label=t("page_size"), scale=0, min_width=120),
                              label="page_size")
            pages_md = gr.Markdown("")
        preview = L.add(gr.Dataframe(label=t("preview"), interactive=False, wrap=True, max_height=420,
                                     elem_id="data-preview"), label="preview")

    source.change(lambda s: (gr.update(visible=s == "sample"), gr.update(visible=s == "upload")),
                  source, [sample, upload_row], api_name=False)

    def _paths(src, sample_name, f_train, f_val):
        if src == "sample":
            if not sample_name:
                from core.errors import DataError
                raise DataError(f"The sample dataset folder {ctx.sample_dir} holds no data file.")
            train = ctx.sample_dir / sample_name
            val = ctx.sample_dir / "validation.jsonl" if sample_name == "train.jsonl" else None
            test = beir = None
            if sample_name == "train.jsonl":  # the test split trains nothing; the BEIR folder (full corpus) evaluates
                test = ctx.sample_dir / "test.jsonl"
                beir = ctx.sample_dir / "beir"
            return (str(train), (str(val) if val and val.is_file() else None), (str(test) if test and test.is_file() else None),
                    (str(beir) if beir and (beir / "corpus.jsonl").is_file() else None))
        if not f_train:
            from core.errors import DataError
            raise DataError("Choose a training file to upload first.")
        return str(f_train), (str(f_val) if f_val else None), None, None

    def _outputs(data, cols, paths, lang, pg, size):
        from core.data import FORMATS as F

        det = data.detection
        mapping = dict(det.mapping) if det else {}
        roles = list(F[data.format]["required"]) + [r for r in F[data.format]["optional"] if r in mapping]
        map_updates = []
        for i in range(MAP_SLOTS):
            if i < len(roles):
                map_updates.append(gr.update(choices=cols, value=mapping.get(roles[i]), label=roles[i], visible=True))
            else:
                map_updates.append(gr.update(visible=False, value=None, label=f"role {i}"))
        prev, pages = preview_page(data.df, pg, size)
        summary = data.summary()
        msg = t("data_loaded", lang, kept=summary["rows_kept"], read=summary["rows_read"], file=summary["file"], format=data.format)
        if data.detection and data.detection.reasons:
            msg += "\n\n" + " · ".join(tr_engine(r, lang) for r in data.detection.reasons[:3])
        # "eval": what Evaluate / Compare search over (a BEIR folder with the whole corpus when there is one);
        # train / validation / test are data files and go into the training config as they are.
        state = {"train": paths[0], "validation": paths[1], "test": paths[2], "eval": paths[3], "format": data.format,
                 "mapping": mapping, "roles": roles[:MAP_SLOTS], "rows": summary["rows_kept"]}
        return [data, cols, state, msg, gr.update(value=data.format), *map_updates, translate_keys(summary, lang),
                issues_frame(data.issues, lang), prev, f"/ {pages}"]

    outs = [loaded, raw_cols, ctx.data_state, status, fmt, *maps, counts, issues, preview, pages_md]

    @handler
    def do_load(src, sample_name, f_train, f_val, lang, pg, size):
        from core.data import load_data, read_table

        paths = _paths(src, sample_name, f_train, f_val)
        cols = [c for c in read_table(paths[0]).columns if c != "_row"]
        data = load_data(paths[0])
        return _outputs(data, cols, paths, lang, 1, size)

    @handler
    def do_apply(state, cols, lang, pg, size, fmt_value, *map_values):
        from core.data import load_data
        from core.errors import DataError

        if not state:
            raise DataError(t("no_data", "en"))
        prev_roles = list(state.get("roles") or [])
        mapping = {}
        if fmt_value == state.get("format"):
            mapping = {role: col for role, col in zip(prev_roles, map_values) if col}
        data = load_data(state["train"], format=fmt_value or None, mapping=mapping or None)
        return _outputs(data, cols, (state["train"], state.get("validation"), state.get("test")), lang, pg, size)

    load_btn.click(do_load, [source, sample, up_train, up_val, ctx.lang, page, page_size], outs, api_name="data_load")
    apply_btn.click(do_apply, [ctx.data_state, raw_cols, ctx.lang, page, page_size, fmt, *maps], outs, api_name="data_apply")

    def do_page(data, pg, size):
        prev, pages = preview_page(data.df if data is not None else None, pg, size)
        return prev, f"/ {pages}"

    page.change(handler(do_page), [loaded, page, page_size], [preview, pages_md], api_name=False)
    page_size.change(handler(do_page), [loaded, page, page_size], [preview, pages_md], api_name=False)
    ctx.on_load.append((do_load, [source, sample, up_train, up_val, ctx.lang, page, page_size], outs))
    return {"tab": tab, "status": status, "format": fmt}
