"""Data tab: pick the sample or upload files (training, optional validation and test files, or a BEIR folder's
zip); detected format + editable column mapping; validation messages with row numbers; a paged preview; counts.
An uploaded test file is read at Load and becomes the dataset's ``test`` (the run's ``data.test``, held out of
training and validation; Evaluate measures on it, ``core.training.data.evalset_for``).

Engine calls: ``core.data.read_table`` (the file read once: raw columns for the mapping dropdowns), then
``core.data.load_table`` on that same table (detect + map + validate, without reading the file again),
``core.data.load_data`` (Apply: read with the chosen format / mapping), ``core.data.FORMATS``, ``LoadedData.summary()``.
Shared output: ``ctx.data_state`` = a ``ui.state.DataState``, changed only by a load or apply that gives usable data.
A load that fails keeps the active dataset (the status says which one, or that none is active): a file that cannot
be read is dropped; a file that is read but whose format cannot be detected (or whose detected mapping gives no
usable row) is kept in the tab's ``pending`` state with its columns offered in the mapping dropdowns, and Apply
reads it with the format and mapping chosen by hand (it becomes the active dataset once that works). Picking a
format by hand turns the mapping dropdowns into that format's roles at once (``do_format``).
``build()`` returns ``outs`` (the tab's output components) and ``show_loaded(data, raw, state, lang, note)`` so the
Build tab can show a built set here the same way.
The last load / apply is kept as a ``DataView`` (no language); ``render(view, lang)`` draws the status, the Counts,
the validation table and the mapping labels for the action and again for the language switch (``data_language``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pandas as pd

from core.errors import StudioError
from ui.common import check_first, error_box, handler
from ui.state import DataState, as_state
from ui.strings import Msg, role_label, t, table_headers, tr_engine, translate_keys

MAP_SLOTS = 6
SAMPLE_SPLITS = ("train", "validation", "test")
NO_GROUP = "—"  # the "Keep together" choice that keeps nothing together (no words: the same in both languages)
MANUAL_FORMAT = "pair"  # the format offered to map by hand when none is detected (the loader's own example)
# The pager's "/ N" beside the page box, lined up with the box's number: an invisible line as high as the box's label,
# then the text centred on the height of the box's input (the value stays the plain text "/ N").
PAGES_HTML = ("<div style='padding: var(--block-padding); white-space: nowrap'>"
              "<span style='display: block; visibility: hidden; font-size: var(--block-label-text-size); "
              "line-height: var(--line-sm); margin-bottom: var(--spacing-lg)'>&nbsp;</span>"
              "<span style='display: flex; align-items: center; min-height: 30px'>${value}</span></div>")


def _columns(raw) -> list[str]:
    """The file's own columns of a table as ``read_table`` returns it (without its ``_row`` numbers)."""
    return [c for c in raw.columns if c != "_row"]


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


def _why(err: BaseException) -> Msg:
    """An error as the sentence shown in the status line (engine errors as written, others by their type)."""
    if isinstance(err, StudioError):
        return Msg.en(str(err).strip())
    return Msg.of("unexpected_error_bare", kind=type(err).__name__)


ISSUES_SHOWN = 500


def issues_frame(issues, lang: str) -> pd.DataFrame:
    """Validation issues (``core.data`` issues or ``(row, column, severity, message)`` tuples) as the table in ``lang``."""
    heads = [t("col_row", lang), t("col_column", lang), t("col_severity", lang), t("col_message", lang)]
    rows = []
    for i in issues[:ISSUES_SHOWN]:
        row, column, severity, message = i if isinstance(i, tuple) else (i.row, i.column, i.severity, i.message)
        rows.append([row if row is not None else "", column or "", table_headers([severity], lang)[0],
                     tr_engine(message, lang)])
    return pd.DataFrame(rows, columns=heads)


@dataclass
class DataView:
    """What the Data tab shows about its last load / apply, without a language (kept in a ``gr.State``).

    ``summary``: ``LoadedData.summary()`` ({} after a failed load); ``reasons``: the format detection's engine
    sentences; ``issues``: the first validation issues as ``(row, column, severity, message)``; ``roles``: the roles
    the mapping dropdowns stand for; ``failed``: why the last load or apply failed (the status shows it);
    ``note``: a line above the status (the Build tab's "Loaded the built set …")."""

    summary: dict = field(default_factory=dict)
    format: str | None = None
    reasons: list[str] = field(default_factory=list)
    issues: list[tuple] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    failed: Msg | None = None
    note: Msg | None = None

    @classmethod
    def of(cls, data, roles: list[str], note: Msg | None = None) -> DataView:
        """The record of a ``core.data.LoadedData`` whose mapping dropdowns show ``roles``."""
        det = data.detection
        return cls(summary=data.summary(), format=data.format, reasons=list(det.reasons[:3]) if det else [],
                   issues=[(i.row, i.column, i.severity, i.message) for i in data.issues[:ISSUES_SHOWN]],
                   roles=list(roles), note=note)


def render(v: DataView, lang: str) -> list:
    """The status line, the Counts, the validation table and one label update per mapping slot, in ``lang``."""
    if v.failed is not None:  # the sentences start with the warning sign the box draws: shown once
        status = error_box(v.failed.render(lang).removeprefix("⚠️ "))
    elif v.summary:
        s = v.summary
        status = t("data_loaded", lang, kept=s["rows_kept"], read=s["rows_read"], file=s["file"], format=v.format)
        if v.reasons:
            status += "\n\n" + " · ".join(tr_engine(r, lang) for r in v.reasons)
    else:
        status = ""
    if v.note is not None and v.failed is None:
        status = v.note.render(lang) + "\n\n" + status
    slots = [gr.update(label=role_label(v.roles[i], lang), visible=True) if i < len(v.roles) else gr.update(visible=False)
             for i in range(MAP_SLOTS)]
    return [status, translate_keys(v.summary, lang), issues_frame(v.issues, lang), *slots]


def _slots(labels: list, roles: list[str], cols: list[str], mapping: dict) -> list:
    """The mapping dropdowns' updates: ``render``'s label updates plus each shown role's columns and value."""
    return [{**labels[i], "choices": cols, "value": mapping.get(roles[i])} if i < len(roles)
            else {**labels[i], "value": None, "label": f"role {i}"} for i in range(MAP_SLOTS)]


def build(ctx) -> dict:
    L = ctx.labeler
    from core.data import FORMATS

    samples = sample_files(ctx.sample_dir)
    default_sample = "train.jsonl" if "train.jsonl" in samples else (samples[0] if samples else None)

    with gr.Tab(t("tab_data"), id=0, elem_id="tab-data") as tab:
        loaded = gr.State(None)  # core.data.LoadedData of the training file (of an upload kept to map: its raw rows)
        raw_cols = gr.State([])
        shown_roles = gr.State([])  # the roles the mapping dropdowns stand for right now
        view = gr.State(None)  # the last DataView: status, Counts, validation table and role labels follow the switch
        pending = gr.State(None)  # an upload read but not detected: the DataState Apply maps by hand (not yet active)
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
            up_test = L.add(gr.File(label=t("upload_test"), file_count="single", elem_id="upload-test"),
                            label="upload_test")
            # data.group_by: read at Load (a BEIR zip's split is made then); offers the columns / query fields after
            group_by = L.add(gr.Dropdown([], value=None, label=t("group_by"), info=t("group_by_info"),
                                         allow_custom_value=True, elem_id="data-group-by"),
                             label="group_by", info="group_by_info")
        load_btn = L.add(gr.Button(t("load"), variant="primary", elem_id="data-load"), value="load")
        status = gr.Markdown("", elem_id="data-status")
        with gr.Row():
            fmt = L.add(gr.Dropdown(list(FORMATS), value=None, label=t("format"), info=t("format_info"),
                                    elem_id="data-format", scale=1), label="format", info="format_info")
            # custom values allowed: the engine checks the column and names the ones the file has
            maps = [gr.Dropdown([], value=None, label=f"role {i}", visible=False, allow_custom_value=True, scale=1)
                    for i in range(MAP_SLOTS)]
        apply_btn = L.add(gr.Button(t("apply_mapping"), elem_id="data-apply"), value="apply_mapping")
        with gr.Row():
            with gr.Column(scale=1):
                counts = L.add(gr.JSON(label=t("counts"), elem_id="data-counts"), label="counts")
            with gr.Column(scale=2):
                issues = L.add(gr.Dataframe(label=t("issues"), interactive=False, max_height=260, wrap=True,
                                            elem_id="data-issues"), label="issues")
        # the pager: each field in a column of its own width (side by side in one row, Gradio would put the two
        # fields in one stretched form box and wrap them), the page count beside the page box
        with gr.Row(elem_id="data-pager"):
            with gr.Column(scale=0, min_width=110):
                page = L.add(gr.Number(1, label=t("page"), precision=0, minimum=1, elem_id="data-page"), label="page")
            with gr.Column(scale=0, min_width=60):
                pages_md = gr.HTML("", html_template=PAGES_HTML, elem_id="data-pages")
            with gr.Column(scale=0, min_width=150):
                page_size = L.add(gr.Dropdown([10, 25, 50, 100], value=10, label=t("page_size"), elem_id="data-page-size"),
                                  label="page_size")
            gr.Column(scale=1, min_width=0)
        preview = L.add(gr.Dataframe(label=t("preview"), interactive=False, wrap=True, max_height=420,
                                     elem_id="data-preview"), label="preview")

    source.change(lambda s: (gr.update(visible=s == "sample"), gr.update(visible=s == "upload")),
                  source, [sample, upload_row], api_name=False)

    def _paths(src, sample_name, f_train, f_val, f_test=None):
        if src == "sample":
            if not sample_name:
                from core.errors import DataError
                raise DataError(f"The sample dataset folder {ctx.sample_dir} holds no data file.")
            train = ctx.sample_dir / sample_name
            val = ctx.sample_dir / "validation.jsonl" if sample_name == "train.jsonl" else None
            test = beir = None
            if sample_name == "train.jsonl":  # the test split trains nothing; the BEIR folder (full corpus) evaluates
                from core.data.beir import beir_beside

                test = ctx.sample_dir / "test.jsonl"
                beir = beir_beside(ctx.sample_dir)
            return (str(train), (str(val) if val and val.is_file() else None), (str(test) if test and test.is_file() else None),
                    (str(beir) if beir else None))
        if not f_train:
            from core.errors import DataError
            raise DataError("Choose a training file to upload first.")
        return str(f_train), (str(f_val) if f_val else None), (str(f_test) if f_test else None), None

    def _outputs(data, cols, state: DataState, lang, pg, size, note: Msg | None = None):
        """Every output of the tab for ``data`` (a LoadedData) and ``state`` (its DataState, already filled)."""
        from core.data import FORMATS as F

        det = data.detection
        mapping = dict(det.mapping) if det else {}
        roles = (list(F[data.format]["required"]) + [r for r in F[data.format]["optional"] if r in mapping])[:MAP_SLOTS]
        v = DataView.of(data, roles, note)
        status_v, counts_v, issues_v, *labels = render(v, lang)
        prev, pages = preview_page(data.df, pg, size)
        state.format, state.mapping, state.roles, state.rows = data.format, mapping, roles, v.summary["rows_kept"]
        return [v, data, cols, roles, state, status_v, gr.update(value=data.format), *_slots(labels, roles, cols, mapping),
                counts_v, issues_v, prev, f"/ {pages}", None]

    def _unread(why: Msg, shown_view, lang: str) -> list:
        """Outputs after a load that read nothing: the active dataset and what the tab shows stay, the status says
        why (and which dataset is still active)."""
        v = DataView(**{**vars(shown_view or DataView()), "failed": why})
        status_v, counts_v, issues_v, *labels = render(v, lang)
        return [v, gr.skip(), gr.skip(), gr.skip(), gr.skip(), status_v, gr.skip(), *labels, counts_v, issues_v,
                gr.skip(), gr.skip(), gr.skip()]

    def _to_map(state: DataState, raw, cols: list[str], why: Msg, lang: str, size) -> list:
        """Outputs after a load that read the file but could not use it as detected: the file is kept (``pending``)
        with its rows in the preview and its columns in the mapping dropdowns, for the format detected (else
        ``MANUAL_FORMAT``); the active dataset stays; the status says what to do."""
        from core.data import FORMATS as F
        from core.data import detect_format

        det = detect_format(raw)
        fmt_value, mapping = (det.format, dict(det.mapping)) if det.format in F else (MANUAL_FORMAT, {})
        roles = (list(F[fmt_value]["required"]) + [r for r in F[fmt_value]["optional"] if r in mapping])[:MAP_SLOTS]
        v = DataView(roles=roles, failed=why)
        status_v, counts_v, issues_v, *labels = render(v, lang)
        prev, pages = preview_page(raw, 1, size)
        return [v, SimpleNamespace(df=raw), cols, roles, gr.skip(), status_v, gr.update(value=fmt_value),
                *_slots(labels, roles, cols, mapping), counts_v, issues_v, prev, f"/ {pages}", state]

    def show_loaded(data, raw, state: DataState, lang: str, note: Msg | None = None) -> list:
        """The tab's outputs showing ``data`` loaded from ``state.train``, whose table as read is ``raw`` (used by the
        Build tab's "use" button, which read the file once for both), with ``note`` above the status."""
        return _outputs(data, _columns(raw), state, lang, 1, 10, note)

    ctx.views.add("data", view, [status, counts, issues, *maps], render)
    # ``pending`` last: the Build tab's "use the built set" shows a set through ``show_loaded`` with these outputs
    outs = [view, loaded, raw_cols, shown_roles, ctx.data_state, status, fmt, *maps, counts, issues, preview, pages_md,
            pending]

    def _read(src, sample_name, f_train, f_val, group=None, f_test=None):
        """(the table as read, its columns, the DataState it would be, a note above the status) for the chosen
        source; an uploaded ``.zip`` of a BEIR folder is its dataset (``core.data.beir_import.beir_dataset``).
        ``group``: an upload's ``data.group_by``, a column of the file or a field of the zip's queries (checked
        here, before the dataset is used)."""
        from core.data import read_table
        from core.data.beir_import import beir_dataset, is_zip
        from core.training.data import check_group_by, group_values

        paths = _paths(src, sample_name, f_train, f_val, f_test)
        group = (str(group or "").strip() or None) if src == "upload" else None
        label = f"sample: {Path(paths[0]).name}" if src == "sample" else Path(paths[0]).name
        passages = choices = None
        told: list = []
        if src == "upload" and f_test and is_zip(paths[0]):
            from core.errors import DataError

            raise DataError(f"{label} is a BEIR folder's zip, which brings its own test judgements; leave the test "
                            "file empty.")
        if src == "upload" and is_zip(paths[0]):  # a BEIR folder's zip: its splits, corpus and test set, as the sample
            ds = beir_dataset(paths[0], group_by=group)
            paths = (ds["train"], paths[1] or ds["validation"], ds["test"], ds["eval"])
            passages, label, choices = ds["passages"], f"{label} (BEIR)", ds["query_fields"]
            split = ds["counts"].get("split")
            if split:  # no train judgements: say how the test split was held out
                told.append(Msg.of("data_beir_split", file=split["file"], queries=f"{split['queries']:,}",
                                    test=f"{ds['counts']['test']['rows']:,}", train=f"{ds['counts']['train']['rows']:,}",
                                    share=round(100 * split["test_share"])))
            if group:
                told.append(Msg.of("data_grouped", field=group, values=f"{ds['counts']['group_by']['values']:,}"))
        raw = read_table(paths[0])
        cols = _columns(raw)
        if choices is None:  # a data file: its own columns
            choices = cols
            if group:
                check_group_by(group, cols)
                told.append(Msg.of("data_grouped", field=group, values=f"{group_values(raw, group):,}"))
        if src == "upload" and (f_test or f_val):  # the same file twice is said at Load, not at Start
            from core.training.config import DataConfig
            from core.training.data import refuse_shared_files

            refuse_shared_files(DataConfig(train=[paths[0]], validation=[paths[1]] if paths[1] else [],
                                           test=[paths[2]] if paths[2] else []))
        if src == "upload" and f_test:  # read now, so a file that cannot be read is said at Load, not at Start
            read_table(str(f_test))
            told.append(Msg.of("data_test_file", file=Path(str(f_test)).name))
        note = Msg.cat(*[part for m in told for part in ("\n\n", m)][1:]) if len(told) > 1 else (told or [None])[0]
        return raw, cols, DataState(train=paths[0], validation=paths[1], test=paths[2], eval=paths[3], label=label,
                                    passages=passages, group_by=group, group_choices=list(choices)), note

    def _kept(state: DataState, src: str) -> DataState:
        """``state`` naming durable copies of its uploaded files (``core.data.uploads.keep_upload``): a run's
        config names them, and the server's upload folder does not outlive a restart."""
        if src != "upload":
            return state
        from core.data.uploads import keep_upload

        def kept(path):
            return str(keep_upload(path)) if path else path

        return DataState(**{**state.to_dict(), "train": kept(state.train), "validation": kept(state.validation),
                            "test": kept(state.test)})

    def _load(src, sample_name, f_train, f_val, lang, pg, size):
        from core.data import load_table

        raw, cols, state, note = _read(src, sample_name, f_train, f_val)
        return _outputs(load_table(raw, state.train), cols, state, lang, 1, size, note)

    def _still(active) -> dict:
        """The fields of a failure sentence that name the dataset still active (``*_kept``), or {} when none is."""
        act = as_state(active)
        return {"label": act.label or Path(act.train).name, "format": act.format or "?"} if act else {}

    @handler
    def do_load(src, sample_name, f_train, f_val, lang, pg, size, active, shown_view, group=None, f_test=None):
        """Load and check. On failure the active dataset stays and the status says why and which one is active: a
        file that cannot be read is dropped and the error raised (a toast); a file read but not usable as detected
        is kept to map by hand (``_to_map``). The file is read once: the table read for the columns is the one checked.
        ``group``: the "Keep together" choice (``data.group_by``) of an upload."""
        from core.data import load_table

        name = Path(str(f_train)).name if src == "upload" and f_train else (sample_name or "?")
        still = _still(active)

        def said(key: str, err: BaseException) -> Msg:  # the sentence naming the dataset still active, if any
            return Msg.of(f"{key}_kept" if still else key, file=name, error=_why(err), **still)

        try:
            raw, cols, state, note = _read(src, sample_name, f_train, f_val, group, f_test)
        except Exception as err:  # noqa: BLE001 - nothing read: keep what was there; handler() words the error
            yield _unread(said("load_failed", err), shown_view, lang)
            raise
        try:
            data = load_table(raw, state.train)
        except Exception as err:  # noqa: BLE001
            if not len(raw):  # a header alone: no row to map
                yield _unread(said("load_failed", err), shown_view, lang)
                raise
            # kept to map by hand: no error is raised, whose "Error" badges would cover the dropdowns to fill in
            yield _to_map(state, raw, cols, said("map_by_hand", err), lang, size)
            return
        try:
            data.check_usable()  # read, but no row survived its checks: not a dataset to train on
        except Exception as err:  # noqa: BLE001
            yield _unread(said("load_failed", err), shown_view, lang)
            raise
        yield _outputs(data, cols, _kept(state, src), lang, 1, size, note)

    @handler
    def do_apply(active, waiting, cols, roles_shown, shown_view, lang, pg, size, fmt_value, *map_values):
        """Re-read the file the tab shows (an upload kept to map by hand, else the active dataset's) with the chosen
        format / mapping; on failure the active dataset stays as it was.

        The dropdowns' values are read by the roles they stand for; after a format change only the roles the new
        format has are kept and the rest is detected. When that fails the new format's roles are shown to map."""
        from core.data import FORMATS as F
        from core.data import load_data
        from core.errors import DataError

        state = as_state(waiting) or as_state(active)
        if state is None:
            raise DataError(t("no_data", lang))
        fmt_value = fmt_value or state.format
        new_roles = list(F[fmt_value]["required"]) + list(F[fmt_value]["optional"]) if fmt_value in F else []
        mapping = {role: col for role, col in zip(roles_shown or [], map_values) if col and role in new_roles}
        try:
            data = load_data(state.train, format=fmt_value or None, mapping=mapping or None)
            data.check_usable()  # a mapping that leaves no usable row is not applied
        except Exception as err:  # noqa: BLE001
            still = _still(active)
            failed = (Msg.of("apply_failed", error=_why(err), **still) if still
                      else Msg.of("apply_failed_none", error=_why(err)))
            shown = list(F[fmt_value]["required"]) + [r for r in F[fmt_value]["optional"] if r in mapping] if fmt_value in F else []
            new_roles = list(roles_shown or [])
            if shown and new_roles != shown[:MAP_SLOTS]:
                new_roles = shown[:MAP_SLOTS]  # let the user map the new format's roles, starting from what carried over
            v = DataView(**{**vars(shown_view or DataView()), "roles": new_roles, "failed": failed})
            status_v, counts_v, issues_v, *labels = render(v, lang)
            if new_roles != list(roles_shown or []):
                slots = _slots(labels, new_roles, cols, mapping)
            else:
                slots = labels  # the dropdowns keep the columns the user picked
            yield [v, gr.skip(), gr.skip(), new_roles, gr.skip(), status_v, gr.skip(), *slots, counts_v, issues_v,
                   gr.skip(), gr.skip(), gr.skip()]
            raise
        new = DataState(**{**state.to_dict(), "mapping": {}, "roles": []})
        if as_state(waiting) is not None:  # an upload kept to map by hand becomes the dataset now
            new = _kept(new, "upload")
        yield _outputs(data, cols, new, lang, pg, size)

    def group_choices(active):
        """The "Keep together" dropdown after a load: the loaded file's columns, or the BEIR zip's query fields."""
        act = as_state(active)
        fields = list(act.group_choices) if act else []
        return gr.update(choices=[(NO_GROUP, "")] + [(f, f) for f in fields], value=(act.group_by if act else None) or "")

    # another file chosen: the last file's columns are not its own, so nothing is kept together until it is loaded
    up_train.change(lambda _f: gr.update(choices=[(NO_GROUP, "")], value=""), up_train, group_by, api_name=False)
    # no file chosen yet: one toast, and the active dataset stays (ui.common.check_first)
    check_first(load_btn.click, _paths, [source, sample, up_train, up_val]).success(
        do_load, [source, sample, up_train, up_val, ctx.lang, page, page_size, ctx.data_state, view, group_by, up_test],
        outs,
        api_name="data_load").success(handler(group_choices), ctx.data_state, group_by, api_name=False)
    apply_btn.click(do_apply, [ctx.data_state, pending, raw_cols, shown_roles, view, ctx.lang, page, page_size, fmt,
                               *maps], outs, api_name="data_apply")

    def do_format(fmt_value, cols, roles_shown, shown_view, lang, *map_values):
        """The format picked by hand: the mapping dropdowns stand for its roles at once (the columns picked for roles
        it shares are kept), so Apply reads the file with them. The file is not read here."""
        from core.data import FORMATS as F

        if fmt_value not in F:
            return [gr.skip()] * (2 + MAP_SLOTS)
        picked = {role: col for role, col in zip(roles_shown or [], map_values) if col}
        new_roles = (list(F[fmt_value]["required"]) + [r for r in F[fmt_value]["optional"] if r in picked])[:MAP_SLOTS]
        if new_roles == list(roles_shown or []):
            return [gr.skip()] * (2 + MAP_SLOTS)
        v = DataView(**{**vars(shown_view or DataView()), "roles": new_roles})
        labels = render(v, lang)[3:]
        return [v, new_roles, *_slots(labels, new_roles, cols or [], picked)]

    fmt.input(handler(do_format), [fmt, raw_cols, shown_roles, view, ctx.lang, *maps], [view, shown_roles, *maps],
              api_name=False)

    def do_page(data, pg, size):
        prev, pages = preview_page(data.df if data is not None else None, pg, size)
        return prev, f"/ {pages}"

    page.change(handler(do_page), [loaded, page, page_size], [preview, pages_md], api_name=False)
    page_size.change(handler(do_page), [loaded, page, page_size], [preview, pages_md], api_name=False)
    ctx.on_load.append((_load, [source, sample, up_train, up_val, ctx.lang, page, page_size], outs))
    return {"tab": tab, "status": status, "format": fmt, "outs": outs, "show_loaded": show_loaded}
