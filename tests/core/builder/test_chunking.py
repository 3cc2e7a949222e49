"""Sentence splitting (Chinese and English) and sentence-preserving chunking."""

from __future__ import annotations

import re

import pytest

from core.builder.chunking import Measure, Passage, chunk, load_tokenizer, passage_id, split_sentences
from core.builder.documents import Document, Page
from core.errors import ConfigError


@pytest.mark.parametrize("text,expected", [
    ("今天下雨。我们回家吧！真的吗？好的；明天见。",
     ["今天下雨。", "我们回家吧！", "真的吗？", "好的；", "明天见。"]),
    ("他说：“今天下雨。”然后走了。她问：「为什么？」没人回答。",
     ["他说：“今天下雨。”", "然后走了。", "她问：「为什么？」", "没人回答。"]),
    ("『好！』他笑了。‘行。’",
     ["『好！』", "他笑了。", "‘行。’"]),
    ("真的吗?然后他走了。", ["真的吗?", "然后他走了。"]),
    ("Dr. Smith fed 3.5 kg of corn, e.g. maize meal. The pigs grew! Did they? Yes.",
     ["Dr. Smith fed 3.5 kg of corn, e.g. maize meal.", "The pigs grew!", "Did they?", "Yes."]),
    ("Mr. and Mrs. Brown met Prof. Li at 10 a.m. Friday. J. R. Smith came too.",
     ["Mr. and Mrs. Brown met Prof. Li at 10 a.m. Friday.", "J. R. Smith came too."]),
    ("Use i.e. this one. Version 2.0 costs $3.50 today. See www.example.com for more.",
     ["Use i.e. this one.", "Version 2.0 costs $3.50 today.", "See www.example.com for more."]),
    ('He said "Stop." Then he left. it is lowercase. ok', ['He said "Stop."', "Then he left. it is lowercase. ok"]),
    ("1. First item here.\n2. Second item here.", ["1. First item here.", "2. Second item here."]),
    ("# Intro\nPigs eat corn.\n\n## 方法\n本研究采用新方法。", ["Intro", "Pigs eat corn.", "方法", "本研究采用新方法。"]),
    ("A wrapped sentence in a PDF con-\ntinues here. 中文的换行\n会被合并。",
     ["A wrapped sentence in a PDF continues here.", "中文的换行会被合并。"]),
    ("中文句子。English follows here. 然后中文。", ["中文句子。", "English follows here.", "然后中文。"]),
])
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


EN = [
    "Pigs need protein from soybean meal and corn.",
    "Dr. Smith measured a gain of 3.5 kg per week.",
    "Piglets are weaned at about four weeks of age.",
    "Weaning weight depends on the milk of the sow.",
    "African swine fever is a virus disease of the herd.",
    "There is no vaccine yet, e.g. farms rely on biosecurity.",
    "Water intake rises with temperature in summer.",
    "A sow drinks more than twenty litres a day.",
]
ZH = ["猪需要豆粕和玉米提供蛋白。", "仔猪大约四周断奶！", "断奶体重和母猪的奶水有关吗？", "非洲猪瘟是猪群的病毒病；目前没有疫苗。", "夏天饮水量会增加。"]


def _sentences_whole(passages: list[Passage], sentences: list[str]) -> None:
    """Every passage is made of whole original sentences, in order."""
    for p in passages:
        got = split_sentences(p.text)
        assert got, p
        for s in got:
            assert s in sentences, f"cut sentence {s!r} in passage {p.text!r}"


def test_chunk_packs_whole_sentences_with_overlap():
    text = " ".join(EN * 3)
    doc = Document("feed.txt", [Page(text, 1)])
    passages = chunk([doc], size=160, overlap=60)
    assert len(passages) > 4
    _sentences_whole(passages, EN)
    assert all(len(p.text) <= 160 for p in passages)
    # consecutive passages share whole trailing sentences (overlap <= 60 chars)
    shared = 0
    for a, b in zip(passages, passages[1:]):
        first = split_sentences(b.text)[0]
        if a.text.endswith(first):
            shared += 1
            assert len(first) <= 60
    assert shared >= len(passages) // 2
    # every original sentence occurrence is covered
    joined = " ".join(p.text for p in passages)
    for s in EN:
        assert s in joined
    assert [p.chunk_index for p in passages] == list(range(len(passages)))
    assert len({p.id for p in passages}) == len(passages)


def test_chunk_chinese_joins_without_spaces_and_respects_size():
    doc = Document("zh.md", [Page("".join(ZH * 4), 1)])
    passages = chunk([doc], size=40, overlap=0)
    _sentences_whole(passages, split_sentences("".join(ZH)))
    assert all(len(p.text) <= 40 for p in passages)
    assert all(" " not in p.text for p in passages)
    assert "".join(p.text for p in passages) == "".join(ZH * 4)


def test_chunk_pages_titles_and_stable_ids():
    doc = Document("guide.md", [
        Page("# Feeding\n\n" + " ".join(EN[:4]), 1),
        Page(" ".join(EN[4:6]) + "\n\n## Water\n\n" + " ".join(EN[6:]), 2),
    ])
    passages = chunk([doc], size=120, overlap=0)
    assert {p.page for p in passages} == {1, 2}
    assert passages[0].text.startswith("Feeding\n") and passages[0].title == "Feeding"
    page2 = [p for p in passages if p.page == 2]
    assert page2[0].title == "Feeding"  # heading in force carries over the page break
    water = [p for p in passages if p.title == "Water"]
    assert water and water[0].text.startswith("Water\n")
    assert not any(p.text.rstrip().endswith("Water") for p in passages)  # a heading never ends a passage
    again = chunk([doc], size=120, overlap=0)
    assert [p.id for p in again] == [p.id for p in passages]
    assert passages[0].id == passage_id("guide.md", 1, 0)
    assert Passage.from_dict(passages[1].to_dict()) == passages[1]


def test_long_sentence_is_hard_split_at_commas():
    long = "Clause " + ", ".join(f"number {i} about feed" for i in range(40)) + "."
    doc = Document("long.txt", [Page("Short one. " + long + " Short two.", 1)])
    passages = chunk([doc], size=100, overlap=20)
    assert all(len(p.text) <= 100 for p in passages)
    assert passages[0].text == "Short one."
    assert passages[-1].text == "Short two."
    middle = passages[1:-1]
    assert len(middle) >= len(long) // 100
    assert all(p.text.endswith((",", ".")) for p in middle)  # cut after a comma, not inside a word
    assert "".join(p.text for p in middle).count("number 39 about feed.") >= 1


def test_token_unit_with_approximation_and_a_real_tokenizer(tiny_model_path):
    doc = Document("t.txt", [Page(" ".join(EN * 2), 1)])
    approx = chunk([doc], size=30, overlap=0, unit="tokens")
    m = Measure("tokens")
    assert all(m.length(p.text) <= 30 for p in approx)
    _sentences_whole(approx, EN)
    tok = load_tokenizer(tiny_model_path)
    # the tiny vocabulary spells unknown words letter by letter: sentences are 20-45 tokens long
    real = chunk([doc], size=100, overlap=10, unit="tokens", tokenizer=tok)
    lengths = [len(tok.encode(p.text, add_special_tokens=False)) for p in real]
    assert all(n <= 100 for n in lengths) and max(lengths) > 60
    _sentences_whole(real, EN)
    tight = chunk([doc], size=30, overlap=0, unit="tokens", tokenizer=tok)  # longer sentences get hard-split
    assert all(len(tok.encode(p.text, add_special_tokens=False)) <= 30 for p in tight)
    by_path = chunk([doc], size=100, overlap=10, unit="tokens", tokenizer=str(tiny_model_path))
    assert [p.text for p in by_path] == [p.text for p in real]


def test_bad_settings_raise_config_error():
    doc = Document("x.txt", [Page("Text.", 1)])
    with pytest.raises(ConfigError, match="too small"):
        chunk([doc], size=4)
    with pytest.raises(ConfigError, match="overlap"):
        chunk([doc], size=100, overlap=80)
    with pytest.raises(ConfigError, match="unit 'words'"):
        chunk([doc], unit="words")


def test_no_empty_passages_and_whitespace_only_pages():
    doc = Document("x.txt", [Page("\n\n", 1), Page("One sentence only.", 2)])
    passages = chunk([doc], size=64, overlap=8)
    assert [(p.page, p.text) for p in passages] == [(2, "One sentence only.")]
    assert re.fullmatch(r"[0-9a-f]{16}", passages[0].id)


@pytest.mark.parametrize("name", ["t2ranking_100", "financial_qa_10k"])
def test_real_passages_keep_all_text_and_sizes(shared_data, name):
    """Real Chinese web text (T2Ranking) and English 10-K passages: with no overlap, the chunks put back
    together give the original text (whitespace aside), none is over size, and all sentences are whole
    unless a single sentence was longer than the size."""
    import json

    from core.builder.documents import clean_text

    lines = (shared_data / name / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[:150]
    docs = [Document(f"{name}/{i}", [Page(clean_text(json.loads(line)["text"]), 1)]) for i, line in enumerate(lines)]
    passages = chunk(docs, size=200, overlap=0)
    assert len(passages) > len(docs)
    assert all(0 < len(p.text) <= 200 for p in passages)
    by_doc: dict[str, list[Passage]] = {}
    for p in passages:
        by_doc.setdefault(p.source, []).append(p)
    for d in docs:
        joined = "".join(p.text for p in by_doc[d.source])
        assert re.sub(r"\s", "", joined) == re.sub(r"\s", "", d.text), d.source
        sentences = split_sentences(d.text)
        for p in by_doc[d.source]:
            for s in split_sentences(p.text):
                assert s in sentences or any(len(x) > 200 and s in x for x in sentences), (d.source, s)
