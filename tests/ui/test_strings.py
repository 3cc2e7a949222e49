"""Every engine sentence the studio can show has a Chinese template in ``ui.strings``; ``tr_engine`` fills it.

The completeness test walks ``core/`` with ``ast``: every construction of a ``StudioError`` subclass, the format
detection reasons, the estimate notes, the validation issue messages, the run status words, and what the Train tab's
run log shows: the recipe's reasons (``fill``, ``Choice``, the ``*_choice`` rules), the run's ``emit(..., message=...)``
sentences, the delivery's progress and choice sentences, and the log lines ``fold_events`` writes. Each message
(a string or an f-string; each ``{expr}`` becomes a ``{name}`` placeholder) must be in
``ui.strings.ENGINE_ZH`` with a Chinese template that has the same placeholders. Messages built from pieces
the walk cannot read are listed, with the reason, in ``tests/ui/engine_sentences_allow.txt``.
"""

from __future__ import annotations

import ast
import functools
import re
import string
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core"
ALLOW = Path(__file__).with_name("engine_sentences_allow.txt")


# ------------------------------------------------------------------------------------------ the AST walk


def _placeholder_name(expr: ast.expr, used: set[str]) -> str:
    e = expr
    while True:
        if isinstance(e, ast.Name):
            n = e.id
        elif isinstance(e, ast.Attribute):
            n = e.attr
        elif isinstance(e, (ast.Call,)):
            e = e.func
            continue
        elif isinstance(e, ast.Subscript):
            e = e.value
            continue
        elif isinstance(e, ast.BoolOp):
            e = e.values[0]
            continue
        elif isinstance(e, ast.BinOp):
            e = e.left
            continue
        elif isinstance(e, ast.IfExp):
            e = e.body
            continue
        else:
            n = "v"
        break
    n = re.sub(r"\W", "_", n).strip("_") or "v"
    if n[0].isdigit():
        n = "v" + n
    return _unique(n, used)


def _unique(n: str, used: set[str]) -> str:
    base, i = n, 2
    while n in used:
        n, i = f"{base}{i}", i + 1
    used.add(n)
    return n


def _renumber(template: str) -> str:
    used: set[str] = set()
    return re.sub(r"(?<!\{)\{(\w+)\}(?!\})", lambda m: "{" + _unique(m.group(1), used) + "}", template)


def _esc(s: str) -> str:
    return s.replace("{", "{{").replace("}", "}}")


def templates_of(expr: ast.expr) -> list[str] | None:
    """The templates ``expr`` can produce, or ``None`` when it is not built from literal pieces."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [_esc(expr.value)]
    if isinstance(expr, ast.JoinedStr):
        used: set[str] = set()
        out = [_esc(str(p.value)) if isinstance(p, ast.Constant) else "{" + _placeholder_name(p.value, used) + "}"
               for p in expr.values]
        return ["".join(out)]
    if isinstance(expr, ast.IfExp):
        a, b = templates_of(expr.body), templates_of(expr.orelse)
        return None if a is None or b is None else a + b
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        a, b = templates_of(expr.left), templates_of(expr.right)
        if a is None and b is None:
            return None
        return [_renumber(x + y) for x in (a or ["{x}"]) for y in (b or ["{y}"])]
    if (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "format"
            and isinstance(expr.func.value, ast.Constant) and isinstance(expr.func.value.value, str)):
        return [expr.func.value.value]
    return None


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    names = {"StudioError"}
    grew = True
    while grew:
        grew = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names and any(
                        (isinstance(b, ast.Name) and b.id in names) or (isinstance(b, ast.Attribute) and b.attr in names)
                        for b in node.bases):
                    names.add(node.name)
                    grew = True
    return names


def _message_positions(trees: dict[Path, ast.Module], errors: set[str]) -> dict[str, int]:
    """Position of the ``message`` argument of error classes whose ``__init__`` puts it elsewhere than first."""
    out = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in errors:
                for f in node.body:
                    if isinstance(f, ast.FunctionDef) and f.name == "__init__":
                        names = [a.arg for a in f.args.args[1:]]
                        if "message" in names:
                            out[node.name] = names.index("message")
    return out


def _string_helpers(tree: ast.Module) -> dict[str, ast.expr]:
    """Module functions whose body is ``return <string expression>`` (message builders)."""
    out = {}
    for f in tree.body:
        if isinstance(f, ast.FunctionDef):
            body = [b for b in f.body if not (isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant))]
            if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None \
                    and templates_of(body[0].value) is not None:
                out[f.name] = body[0].value
    return out


def _assigned(tree: ast.Module, name: str) -> list[ast.expr]:
    """Every value assigned to ``name`` in the module (``name = v`` and ``a, name = x, v``)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id == name:
                    out.append(node.value)
                elif isinstance(t, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    out += [v for e, v in zip(t.elts, node.value.elts) if isinstance(e, ast.Name) and e.id == name]
    return out


def _callee(node: ast.Call) -> str:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _callee_owner(node: ast.Call) -> str:
    f = node.func
    return f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else ""


def _arg(node: ast.Call, pos: int, kw: str) -> ast.expr | None:
    if len(node.args) > pos and not isinstance(node.args[pos], ast.Starred):
        return node.args[pos]
    return next((k.value for k in node.keywords if k.arg == kw), None)


@functools.cache
def sentence_sources() -> tuple[dict[str, set[str]], list[tuple[str, str, str]]]:
    """Walk ``core/`` and ``ui/`` (errors raised by the tabs): ({template: {"file:line", ...}}, [(file, source of an unreadable message, kind)])."""
    files = sorted(CORE.rglob("*.py")) + sorted(p for p in (ROOT / "ui").rglob("*.py") if p.name != "strings.py")
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in files}
    errors = _error_classes(trees)
    msg_pos = _message_positions(trees, errors)
    found: dict[str, set[str]] = {}
    unread: list[tuple[str, str, str]] = []

    for path, tree in trees.items():
        rel = path.relative_to(ROOT).as_posix()
        src = path.read_text(encoding="utf-8")
        helpers = _string_helpers(tree)
        exprs: list[tuple[ast.expr, str]] = []  # (message expression, kind)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name, owner = _callee(node), _callee_owner(node)
                if name in errors:
                    m = _arg(node, msg_pos.get(name, 0), "message")
                    if isinstance(m, ast.Call) and _callee(m) in helpers:  # raise X(_message(...))
                        m = helpers[_callee(m)]
                    if m is not None:
                        exprs.append((m, "error"))
                elif name == "Issue":  # Issue(file, row, column, message, ...)
                    m = _arg(node, 3, "message")
                    if m is not None:
                        exprs.append((m, "issue"))
                elif name == "add" and owner in ("ck", "self") and rel == "core/data/validate.py":
                    m = _arg(node, 2, "message")
                    if m is not None:
                        exprs.append((m, "issue"))
                elif name == "append" and owner == "notes":
                    exprs.append((node.args[0], "estimate note"))
                elif name == "append" and owner == "reasons":
                    exprs.append((node.args[0], "detection reason"))
                elif name in ("fill", "Choice") and rel.startswith("core/training/"):  # a recipe choice's reason
                    m = _arg(node, 2, "reason")
                    if m is not None and not isinstance(m, ast.Starred):
                        exprs.append((m, "recipe reason"))
                elif name == "emit" and _arg(node, 99, "message") is not None:  # log.emit(kind, message=...)
                    exprs.append((_arg(node, 99, "message"), "run log"))
                elif name == "log" and rel == "core/training/events.py" and node.args:
                    exprs.append((node.args[0], "run log line"))  # log(...) in fold_events: a line of the Train tab's log
                elif name == "_say" and len(node.args) > 1:  # delivery progress, logged by the run
                    exprs.append((node.args[1], "run log"))
                elif name == "Detection" and len(node.args) > 3 and isinstance(node.args[3], ast.List):
                    exprs.extend((e, "detection reason") for e in node.args[3].elts
                                 if not isinstance(e, ast.Name))  # a Name is a reason returned by score_or_label
            elif isinstance(node, ast.Assign) and rel == "core/data/validate.py" and any(
                    isinstance(t, ast.Name) and t.id == "expected" for t in node.targets):
                exprs.append((node.value, "issue"))  # the first part of "{expected}, got '...'"
            elif isinstance(node, ast.Assign) and rel == "core/data/formats.py" and any(
                    isinstance(t, ast.Name) and t.id == "reasons" for t in node.targets) and isinstance(node.value, ast.List):
                exprs.extend((e, "detection reason") for e in node.value.elts)
            elif isinstance(node, ast.FunctionDef) and node.name == "_guard" and rel == "core/evaluation/compare.py":
                # the Evaluate headline and the worse-than-base warning (f-strings with words, not "{x}%" pieces)
                exprs.extend((e, "evaluation headline") for e in ast.walk(node) if isinstance(e, ast.JoinedStr)
                             and re.search(r"[A-Za-z]{3}", "".join(str(v.value) for v in e.values
                                                                   if isinstance(v, ast.Constant))))
            elif isinstance(node, ast.FunctionDef) and (node.name.endswith("_choice") or node.name in ("choose", "choice")) \
                    and rel.startswith("core/training/"):
                for ret in ast.walk(node):  # ``(value, reason)`` of a recipe rule (grouping_choice, negatives_choice, ...)
                    if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Tuple) and len(ret.value.elts) == 2:
                        exprs.append((ret.value.elts[1], "recipe reason"))
            elif isinstance(node, ast.FunctionDef) and node.name == "score_or_label":
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Tuple) and len(ret.value.elts) == 2:
                        exprs.append((ret.value.elts[1], "detection reason"))
        for expr, kind in exprs:
            if isinstance(expr, ast.Call) and _callee(expr) == "t":  # t("key", lang): a ui.strings entry already
                continue
            tpls = templates_of(expr)
            if tpls is None and isinstance(expr, ast.Name):  # message = f"..." assigned earlier in the module
                values = _assigned(tree, expr.id)
                each = [templates_of(v) for v in values]
                if values and all(t is not None for t in each):
                    tpls = [t for ts in each for t in ts if t]
            if tpls is None:
                unread.append((rel, ast.get_source_segment(src, expr) or ast.unparse(expr), kind))
                continue
            for tpl in tpls:
                found.setdefault(tpl, set()).add(f"{rel}:{expr.lineno}")
    return found, unread


def status_words() -> set[str]:
    """The run status words the engine writes (``status = "..."`` / ``"status": "..."`` in core/training)."""
    words: set[str] = set()
    for path in sorted((CORE / "training").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "status" for t in node.targets):
                vals = [node.value]
            elif isinstance(node, ast.Call) and _callee(node) == "status" and node.args:  # log.status("running", ...)
                vals = [node.args[0].body, node.args[0].orelse] if isinstance(node.args[0], ast.IfExp) else [node.args[0]]
            elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "FINAL_STATES"
                                                      for t in node.targets) and isinstance(node.value, ast.Tuple):
                vals = list(node.value.elts)
            elif isinstance(node, ast.Dict):
                vals = [v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant) and k.value == "status"]
            else:
                continue
            words |= {v.value for v in vals if isinstance(v, ast.Constant) and isinstance(v.value, str) and v.value}
    return words


def allow_list() -> set[tuple[str, str]]:
    """(file, message source) pairs in the allow-list file (``file | source | reason`` per line)."""
    out = set()
    for line in ALLOW.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            parts = [p.strip() for p in line.split(" | ")]
            assert len(parts) == 3 and parts[2], f"allow-list line needs 'file | source | reason': {line!r}"
            out.add((parts[0], parts[1]))
    return out


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


# ------------------------------------------------------------------------------------------------ tests


def test_every_engine_sentence_has_a_chinese_template():
    from ui.strings import ENGINE_ZH

    found, _ = sentence_sources()
    missing = sorted(t for t in found if t not in ENGINE_ZH)
    bad = sorted(t for t in found if t in ENGINE_ZH and _fields(ENGINE_ZH[t]) != _fields(t))
    words = {t for t in found if re.search(r"[A-Za-z]", re.sub(r"\{\w*\}", "", t))}  # not only placeholders
    untranslated = sorted(t for t in words if t in ENGINE_ZH and not re.search(r"[\u4e00-\u9fff]", ENGINE_ZH[t]))
    report = []
    if missing:
        report.append(f"{len(missing)} engine sentence(s) have no entry in ui.strings.ENGINE_ZH; add these lines "
                      "(with the Chinese) to it:")
        report += [f"    {t!r}: '',  # {', '.join(sorted(found[t]))}" for t in missing]
    if bad:
        report.append("Chinese templates whose placeholders differ from the English ones:")
        report += [f"    {t!r} -> {ENGINE_ZH[t]!r}" for t in bad]
    if untranslated:
        report.append("Entries without Chinese:")
        report += [f"    {t!r}" for t in untranslated]
    assert not report, "\n".join(report)


def test_unreadable_messages_are_listed_with_a_reason():
    _, unread = sentence_sources()
    allowed = allow_list()
    missing = sorted({(f, s, k) for f, s, k in unread if (f, s) not in allowed})
    assert not missing, ("These engine messages are built in a way the AST walk cannot read. Give them a literal or "
                         "f-string message, or add a line 'file | source | reason' to "
                         f"{ALLOW.relative_to(ROOT)} (and put their pieces in ui.strings.ENGINE_ZH):\n"
                         + "\n".join(f"    {f} | {s} | ({k})" for f, s, k in missing))
    stale = sorted(allowed - {(f, s) for f, s, _ in unread})
    assert not stale, f"allow-list lines that no longer match any message: {stale}"


def test_every_status_word_is_translated():
    from ui.strings import status_word

    words = status_words()
    assert {"running", "completed", "stopped", "failed", "interrupted"} <= words
    missing = sorted(w for w in words if status_word(w, "zh") == w)
    assert not missing, f"status words without Chinese in ui.strings.STATUS_ZH: {missing}"
    assert status_word("completed", "en") == "completed"


def test_walk_reads_fstrings_as_templates():
    tree = ast.parse("raise DataError(f\"The file '{path}' has {len(rows)} rows, {x.name!r} \" f'expected {{1}}.')")
    call = tree.body[0].exc
    assert templates_of(call.args[0]) == ["The file '{path}' has {len} rows, {name} expected {{1}}."]
    both = ast.parse("x = 'a ' + (f'{b}' if c else 'd') + f' {b}'").body[0].value
    assert templates_of(both) == ["a {b} {b2}", "a d {b}"]


def test_tr_engine_fills_placeholders():
    from ui.strings import tr_engine

    text = "The config file 'runs/x/config.yaml' does not exist."
    assert tr_engine(text, "zh") == "配置文件 'runs/x/config.yaml' 不存在。"
    assert tr_engine(text, "en") == text
    # a captured value that is itself an engine word is translated too
    out = tr_engine("Unknown data format 'tsvv'; expected one of: pair, triplet, qpn.", "zh")
    assert "'tsvv'" in out and "pair, triplet, qpn" in out and re.search(r"[\u4e00-\u9fff]", out)


def test_tr_engine_nested_sentence_and_unknown_text():
    from ui.strings import tr_engine

    # an issue message whose first part is itself a catalogued fragment
    out = tr_engine("expected one of 0/1, got 'maybe'", "zh")
    assert "0/1" in out and "'maybe'" in out and re.search(r"[\u4e00-\u9fff]", out)
    assert tr_engine("Something no engine ever says.", "zh") == "Something no engine ever says."
    assert tr_engine("", "zh") == ""


def test_table_headers_and_status_words():
    from ui.strings import status_word, table_headers

    assert table_headers(["row", "column", "severity", "message"], "zh") == ["行号", "列", "级别", "信息"]
    assert table_headers(["row", "an_unknown_key"], "en") == ["row", "an_unknown_key"]
    assert status_word("running", "zh") == "运行中"
    assert status_word("weird", "zh") == "weird"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_unexpected_error_sentence_follows_the_language(lang):
    from ui.common import _friendly

    msg = _friendly(KeyError("x"), lang)
    assert "KeyError" in msg
    assert bool(re.search(r"[\u4e00-\u9fff]", msg)) == (lang == "zh")


def test_loss_and_strategy_help_has_chinese():
    """The Train tab shows each loss's and strategy's description and parameter help in the page's language."""
    from core.losses.registry import LOSSES
    from core.strategies.registry import STRATEGIES

    missing = []
    for kind, specs in (("loss", LOSSES), ("strategy", STRATEGIES)):
        for spec in specs.values():
            if not re.search(r"[\u4e00-\u9fff]", (spec.description or {}).get("zh", "")):
                missing.append(f"{kind} {spec.name}: description")
            for p in spec.params:
                if not re.search(r"[\u4e00-\u9fff]", (p.help or {}).get("zh", "")):
                    missing.append(f"{kind} {spec.name}: parameter {p.name}")
    assert not missing, "no Chinese text for: " + "; ".join(missing)


def test_train_tooltips_are_the_config_fields_help():
    """The Train tab's tooltips of config fields say what the CLI flags say (the field's help text) in English,
    and have Chinese."""
    from core.training.config import field_help
    from ui.strings import CONFIG_INFO_ZH, OPEN_FIELDS, config_info, t

    for key in CONFIG_INFO_ZH:
        assert config_info(key, "en").startswith(field_help(key)) and t(f"cfg:{key}", "en") == config_info(key, "en")
        assert t(f"cfg:{key}", "zh") == config_info(key, "zh") and any("\u4e00" <= ch <= "\u9fff" for ch in t(f"cfg:{key}", "zh"))
    assert all(config_info(k).endswith("0 counts as empty.") for k in OPEN_FIELDS)


def test_the_train_tab_shows_the_config_help(tmp_path, monkeypatch):
    from core.training.config import field_help

    monkeypatch.setenv("STUDIO_RUNS_DIR", str(tmp_path / "runs"))
    import ui.app

    app = ui.app.build_app()
    infos = {getattr(b, "elem_id", None): getattr(b, "info", None) for b in app.blocks.values()}
    assert infos["epochs"].startswith(field_help("hyper.epochs"))
    assert infos["lr"].startswith(field_help("hyper.learning_rate"))
    assert infos["max-steps"] == field_help("hyper.max_steps")


def test_chart_words_cover_every_word_the_charts_draw_in_both_languages():
    import string

    from core.evaluation.plots import CHART_WORDS
    from ui.strings import chart_words

    assert chart_words("en") == CHART_WORDS  # the English words are the engine's own
    zh = chart_words("zh")
    assert set(zh) == set(CHART_WORDS)
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
    for key, en in CHART_WORDS.items():
        assert re.search(r"[\u4e00-\u9fff]", zh[key]), key
        assert fields(zh[key]) == fields(en), key


def test_the_charts_draw_the_words_they_are_given(tmp_path, monkeypatch):
    """Every text on the evaluation, histogram, blend, selection and ONNX charts comes from ``words``."""
    from types import SimpleNamespace

    import numpy as np
    import pandas as pd

    from core.evaluation import plots
    from core.export.onnx import report_chart
    from core.training.delivery import blend_chart
    from ui.strings import chart_words

    drawn: list[str] = []

    def texts_of(fig):
        for ax in fig.axes:
            drawn.extend([ax.get_title(), ax.get_xlabel(), ax.get_ylabel()])
            legend = ax.get_legend()
            if legend is not None:
                drawn.extend(t.get_text() for t in legend.get_texts())

    real_savefig = __import__("matplotlib.figure").figure.Figure.savefig
    monkeypatch.setattr("matplotlib.figure.Figure.savefig", lambda self, *a, **k: (texts_of(self), real_savefig(self, *a, **k))[1])
    zh = chart_words("zh")
    result = SimpleNamespace(labels=["base", "tuned"], metrics={"base": {"ndcg@10": 0.5}, "tuned": {"ndcg@10": 0.6}},
                             metric_order=["ndcg@10"], title="")
    plots.bar_chart(result, tmp_path / "b.png", words=zh)
    dist = SimpleNamespace(label="tuned", auc=0.9, positive=np.array([0.8, 0.9]), negative=np.array([0.1, 0.2]),
                           hard_negative=np.array([0.5]), negative_source="given", threshold_f1=0.5)
    plots.score_histograms([dist], tmp_path / "h.png", words=zh)
    blend_chart({"alphas": [0.0, 1.0], "domain": [0.5, 0.6], "general": {"en": [0.4, 0.39]}}, tmp_path / "c.png",
                title="混合", words=zh)
    report_chart(pd.DataFrame({"precision": ["fp32", "fp32"], "dim": [32, 64], "ndcg@10": [0.5, 0.6]}),
                 tmp_path / "o.png", words=zh)
    text = " ".join(drawn)
    for key in ("score", "evaluation", "cosine", "density", "negative", "positive", "threshold", "alpha", "domain",
                "general", "dimension"):
        assert zh[key] in text, key
    assert "ONNX：各维度与精度下的 ndcg@10" in text
    for english in ("cosine similarity", "density", "threshold", "embedding dimension", "domain", "Evaluation"):
        assert english not in text, english


def test_bold_text_ending_in_chinese_punctuation_is_closed_before_a_space():
    """Markdown does not close ``**…：**`` when the next character is a letter (the closing mark is preceded by
    punctuation and not followed by a space): the page showed the asterisks ("**交付：**交付 best")."""
    import re

    from ui.strings import S

    unclosed = re.compile(r"[\uff1a\uff0c\u3002\uff1b\uff01\uff1f\uff09\u3001]\*\*(?=[^\s*])")
    bad = [key for key, (en, zh) in S.items() if unclosed.search(zh) or unclosed.search(en)]
    assert not bad, bad


def test_progress_bars_say_their_stage_in_the_pages_language():
    """The review saw "deliver 2/5 - 40.0%" on a 中文 page: a bar's stage is words of the page's language, and a
    finer share of the work (the texts encoded inside one blend α) moves the bar between the counted steps."""
    from core.progress import Progress
    from ui.common import progress_fn
    from ui.strings import STAGES

    shown = []
    bar = lambda fraction, desc: shown.append((fraction, desc))  # noqa: E731  (a gr.Progress's call)
    progress_fn(bar, "zh")(Progress("deliver", 2, 5))
    progress_fn(bar, "en")(Progress("embed-corpus", 1200, 3000))
    progress_fn(bar, "zh")(Progress("deliver", 2, 5, share=0.47))
    progress_fn(bar, "zh")(Progress("no-such-stage", 1, 2))
    assert shown == [(0.4, "选择交付模型 2/5"), (0.4, "encoding passages 1,200/3,000"), (0.47, "选择交付模型 2/5"),
                     (0.5, "no-such-stage 1/2")]
    assert all(zh and en and zh != en for en, zh in STAGES.values())
