"""Round-trip filter: a generated query is kept only when BM25 (or a dense model) finds its source passage in the top k."""

from __future__ import annotations

import pytest

from core.builder.chunking import Passage
from core.builder.pseudo_queries import pseudo_queries
from core.builder.roundtrip import DEFAULT_K, roundtrip_filter
from core.builder.rows import qpn_row
from core.errors import ConfigError, DataError

TEXTS = [
    "Sows need clean water all day. A lactating sow drinks up to forty litres of water every day.",
    "Piglets are weaned at about four weeks of age. Weaned piglets eat pellets and creep feed.",
    "African swine fever is a virus disease. There is no vaccine, so farms rely on biosecurity at the gate.",
    "Corn and soybean meal give pigs energy and protein in their feed.",
    "Bank loans for farm buildings carry an interest rate fixed for ten years.",
    "母猪断奶后要增加饲料，仔猪需要保温，温度不能低于三十度。",
    "猪舍每天要清理粪便，地面要保持干燥，通风可以减少氨气。",
    "非洲猪瘟是猪群的病毒病，目前没有疫苗，猪场要严格消毒。",
]


@pytest.fixture
def passages() -> list[Passage]:
    return [Passage(id=f"p{i}", text=t, source="kb.md", page=1, chunk_index=i) for i, t in enumerate(TEXTS)]


@pytest.mark.parametrize("on_topic,off_topic,src", [
    ("How much water does a lactating sow drink?", "Which interest rate do bank loans for buildings carry?", 0),
    ("仔猪需要多高的保温温度？", "今天股票市场行情怎么样？", 5),
], ids=["en", "zh"])
def test_off_topic_query_is_dropped_on_topic_kept(passages, on_topic, off_topic, src):
    rows = [qpn_row(on_topic, passages[src], synthetic="llm"), qpn_row(off_topic, passages[src], synthetic="llm")]
    rep = roundtrip_filter(rows, passages)
    assert rep.k == DEFAULT_K["bm25"] == 3 and rep.pool == len(TEXTS) and rep.retriever == "bm25"
    assert [r["query"] for r in rep.kept] == [on_topic]
    assert rep.ranks[0] == 1 and rep.ranks[1] > 3
    (gone,) = rep.dropped
    assert gone["query"] == off_topic and gone["passage_id"] == f"p{src}" and gone["roundtrip_rank"] == rep.ranks[1]
    assert gone["pos"] == [TEXTS[src]]  # the whole row is kept for the record, nothing the user made is lost
    assert gone["roundtrip_reason"].endswith(f"rank {rep.ranks[1]} of {len(TEXTS)}, top 3 needed)")
    d = rep.to_dict()
    assert (d["checked"], d["kept"], d["dropped"]) == (2, 1, 1) and d["source_rank"] == {"1": 1, ">3": 1}
    assert d["dropped_queries"] == [{"query": off_topic, "passage_id": f"p{src}", "rank": rep.ranks[1],
                                     "reason": gone["roundtrip_reason"]}]
    assert rep.summary() == (f"Round-trip check (BM25, top 3 of {len(TEXTS)} passages): 1 of 2 generated queries kept, "
                             "1 dropped (their source passage ranked below 3).")


def test_a_query_that_finds_another_passage_first_says_its_rank(passages):
    # about bank loans (p4) but attributed to the water passage (p0): p4 comes first, p0 second through "water"
    rows = [qpn_row("Which interest rate do bank loans carry for water tanks?", passages[0], synthetic="llm")]
    rep = roundtrip_filter(rows, passages, k=1)
    (gone,) = rep.dropped
    assert gone["roundtrip_rank"] == 2 and gone["roundtrip_reason"] == f"source passage at rank 2 of {len(TEXTS)} (top 1 needed)"
    assert roundtrip_filter(rows, passages, k=2).kept == rows  # k is a parameter


def test_ict_boilerplate_sentence_is_dropped():
    # every passage ends with the same sentence: an inverse-cloze query taken from it cannot single out its passage
    # (the passages have the same number of words, so BM25 scores it the same in all of them)
    boiler = "Contact the farm office for more details today."
    texts = ["Sows drink clean water daily. Lactating sows need forty litres.",
             "Piglets wean near four weeks. Weaned piglets eat creep pellets.",
             "Swine fever spreads through trucks. Farms disinfect gates every morning.",
             "Corn gives pigs quick energy. Soybean meal adds dietary protein.",
             "Banks lend farmers building money. Loans carry fixed interest rates."]
    ps = [Passage(id=f"p{i}", text=f"{t} {boiler}", source="kb.md", page=1, chunk_index=i) for i, t in enumerate(texts)]
    rows = pseudo_queries(ps, mode="inverse_cloze", seed=0)  # picks the boilerplate in 2 of 5
    assert sum(r["query"] == boiler for r in rows) == 2 and len(rows) == 5
    rep = roundtrip_filter(rows, ps)
    assert [r["query"] for r in rep.dropped] == [boiler, boiler]
    assert all(r["query"] != boiler for r in rep.kept) and len(rep.kept) == 3
    assert all(r["roundtrip_rank"] == 5 for r in rep.dropped)  # a tie with the other passages does not count for it


def test_rows_without_passages_use_their_positives():
    rows = [{"query": "pig feed protein", "pos": ["Corn and soybean give pig feed its protein."]},
            {"query": "bank loan rate", "pos": ["Piglets are weaned at four weeks."]},
            {"query": "weaning age", "pos": ["Bank loans carry a fixed rate."]}]
    rep = roundtrip_filter(rows, k=1)
    assert [r["query"] for r in rep.kept] == ["pig feed protein"] and rep.pool == 3


def test_dense_retriever_with_the_base_model(passages, tiny_model_path):
    # the tiny model embeds a query identical to a passage exactly like that passage: rank 1; attributed to another
    # passage, the identical one outranks the source
    rows = [qpn_row(TEXTS[3], passages[3], synthetic="llm"), qpn_row(TEXTS[3], passages[1], synthetic="llm")]
    rep = roundtrip_filter(rows, passages, retriever="dense", model=str(tiny_model_path), k=1)
    assert rep.retriever != "bm25" and rep.k == 1
    assert rep.kept == [rows[0]] and rep.dropped[0]["roundtrip_rank"] >= 2
    assert rep.dropped[0]["roundtrip_reason"].startswith("source passage at rank ")
    assert roundtrip_filter(rows[:1], passages, retriever="dense", model=str(tiny_model_path)).k == DEFAULT_K["dense"]


@pytest.mark.parametrize("kwargs,message", [
    ({"k": 0}, "The round-trip top-k must be a whole number of at least 1 (got 0)."),
    ({"k": 2.5}, "The round-trip top-k must be a whole number of at least 1 (got 2.5)."),
    ({"k": float("inf")}, "The round-trip top-k must be a whole number of at least 1 (got inf)."),
    ({"k": "three"}, "The round-trip top-k must be a whole number of at least 1 (got 'three')."),
    ({"retriever": "tfidf"}, "The round-trip retriever 'tfidf' is not known (expected bm25 or dense)."),
    ({"retriever": "dense"}, "The round-trip check with a dense retriever needs a model (a model name, folder or Hub id)."),
])
def test_bad_settings_are_one_sentence(passages, kwargs, message):
    with pytest.raises(ConfigError) as err:
        roundtrip_filter([qpn_row("water", passages[0])], passages, **kwargs)
    assert str(err.value) == message


def test_row_without_positive_is_named(passages):
    with pytest.raises(DataError, match=r"^Row 2 has no query or no positive passage"):
        roundtrip_filter([qpn_row("water", passages[0]), {"query": "x", "pos": []}], passages)
    assert roundtrip_filter([], passages).to_dict()["checked"] == 0
