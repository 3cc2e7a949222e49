"""How the verdict sentence writes query counts: a thousands separator, and "more than 100,000" instead of an
absurd "about 1024371 queries" for a tiny change; ``metrics.json`` keeps the computed number."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from core.evaluation.stats import NO_DIFFERENCE, PairedDiff, paired_difference
from core.evaluation.verdict import render, verdict_parts

CAP = 100_000  # core.evaluation.verdict.NEEDED_N_CAP


def _nodiff(needed_n: int, n: int = 40, ci=(-0.01, 0.02)) -> PairedDiff:
    return PairedDiff(n=n, mean_a=0.5, mean_b=0.505, diff=0.005, ci_low=ci[0], ci_high=ci[1], p_value=0.4,
                      verdict=NO_DIFFERENCE, needed_n=needed_n)


def test_queries_needed_reads_with_a_thousands_separator():
    text = render(verdict_parts("tuned", "base", "ndcg@10", _nodiff(68461)))
    assert "about 68,461 queries would be needed" in text and "68461" not in text
    # the number of queries compared too, and a small count is unchanged
    assert "over 1,200 queries" in render(verdict_parts("tuned", "base", "ndcg@10", _nodiff(68461, n=1200)))
    assert "about 51 queries would be needed" in render(verdict_parts("tuned", "base", "ndcg@10", _nodiff(51)))
    assert "about 100,000 queries" in render(verdict_parts("tuned", "base", "ndcg@10", _nodiff(CAP)))


def test_a_tiny_change_says_more_than_100000_queries_not_an_absurd_count():
    # changes of ±0.3 that nearly cancel: a mean change of 0.000125 would need tens of millions of queries
    d = paired_difference([0.5, 0.5, 0.5, 0.5], [0.8, 0.2, 0.8, 0.2005])
    assert d.verdict == NO_DIFFERENCE and d.needed_n > 1_000_000
    parts = verdict_parts("tuned", "base", "ndcg@10", d)
    assert parts["key"] == "verdict_nodiff_many" and parts["needed_n"] == d.needed_n  # the parts keep the number
    text = render(parts)
    assert text.endswith("; more than 100,000 queries would be needed to see a change of this size.")
    assert str(d.needed_n) not in text and f"{d.needed_n:,}" not in text and "about" not in text
    # the interval excludes 0 but the paired test does not agree: the same cap in that sentence
    p = verdict_parts("tuned", "base", "ndcg@10", _nodiff(1024371, ci=(0.001, 0.02)))
    assert p["key"] == "verdict_nodiff_p_many"
    text = render(p)
    assert "too few queries to tell); more than 100,000 queries would be needed" in text and "1024371" not in text
    assert render(verdict_parts("tuned", "base", "ndcg@10", _nodiff(CAP + 1))).count("more than 100,000") == 1
    from core.evaluation.verdict import NEEDED_N_CAP

    assert NEEDED_N_CAP == CAP


def test_compare_prints_the_capped_count_and_metrics_json_keeps_the_number(tmp_path, tiny_model_path, capsys,
                                                                           monkeypatch):
    """``python -m core compare``: the ``verdict:`` line says "more than 100,000"; metrics.json keeps needed_n."""
    import core.evaluation.compare as cmp
    from core.cli import main
    from core.run_folder import METRICS_FILE
    from tests.conftest import tiny_pairs

    folder = tmp_path / "beir"  # a toy BEIR folder, as in test_cli.py
    (folder / "qrels").mkdir(parents=True)
    pairs = tiny_pairs(12)
    (folder / "corpus.jsonl").write_text("".join(json.dumps({"_id": f"d{i}", "text": p}, ensure_ascii=False) + "\n"
                                                 for i, (_, p) in enumerate(pairs)), encoding="utf-8")
    (folder / "queries.jsonl").write_text("".join(json.dumps({"_id": f"q{i}", "text": q}, ensure_ascii=False) + "\n"
                                                  for i, (q, _) in enumerate(pairs)), encoding="utf-8")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(
        f"q{i}\td{i}\t1\n" for i in range(len(pairs))), encoding="utf-8")
    real = cmp.paired_difference

    def tiny_change(a, b, **kw):  # the model against itself, told as a tiny change that needs 1,024,371 queries
        return replace(real(a, b, **kw), diff=0.0004, ci_low=-0.01, ci_high=0.01, verdict=NO_DIFFERENCE,
                       needed_n=1024371)

    monkeypatch.setattr(cmp, "paired_difference", tiny_change)
    out = tmp_path / "out"
    assert main(["compare", "--data", str(folder), "--base", str(tiny_model_path), "--tuned", str(tiny_model_path),
                 "--out", str(out)]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("verdict: ")]
    assert lines and all("more than 100,000 queries would be needed" in ln for ln in lines), lines
    assert not any("1024371" in ln or "1,024,371" in ln for ln in lines)
    data = json.loads((out / METRICS_FILE).read_text(encoding="utf-8"))
    main_metric = data["main_metric"]
    assert data["deltas_vs_base"]["tuned"][main_metric]["needed_n"] == 1024371
    assert all(p["needed_n"] == 1024371 and isinstance(p["needed_n"], int) for p in data["verdicts"]["tuned"])
    assert "more than 100,000 queries" in data["verdicts"]["tuned"][0]["sentence"]


@pytest.mark.parametrize("needed,shown", [(68461, "68,461"), (1024371, "100,000")])
def test_the_chinese_sentence_has_the_separator_and_the_cap_too(needed, shown):
    from ui.strings import verdict_text

    zh = verdict_text(verdict_parts("微调", "基础", "ndcg@10", _nodiff(needed)), "zh")
    assert shown in zh and str(needed) not in zh
    if needed > CAP:
        assert "需要超过 100,000 个查询" in zh, zh  # the Chinese template of verdict_nodiff_many (ui.strings)
    else:
        assert "大约需要 68,461 个查询" in zh, zh
