import pandas as pd

from core.data.language import cjk_share, detect_language, file_language, languages_covered, texts_of


def test_chinese_english_and_mixed():
    assert detect_language(["母猪每天需要多少饲料？", "母猪每天约需 2.5 公斤饲料。"]) == "zh"
    assert detect_language(["How much feed does a sow need?", "About 2.5 kg per day."]) == "en"
    assert detect_language(["母猪每天需要多少饲料？", "How much feed does a sow need per day?"]) == "mixed"


def test_numbers_and_empties_do_not_decide():
    assert detect_language(["", "   ", "12345", None, 3.5]) == "en"  # no letters at all
    assert cjk_share(["猪 2023 年"]) == 1.0  # digits and spaces are not letters
    assert detect_language([]) == "en"


def test_sample_limits_what_is_read():
    texts = ["猪的饲料"] * 10 + ["english words only"] * 1000
    assert detect_language(texts, sample=10) == "zh"
    assert detect_language(texts) == "en"


def test_texts_of_reads_strings_and_lists():
    df = pd.DataFrame({"query": ["母猪饲料？"], "pos": [["每天 2.5 公斤"]], "neg": [["猪舍温度"]], "_row": [1]})
    assert texts_of(df) == ["母猪饲料？", "每天 2.5 公斤", "猪舍温度"]
    assert detect_language(texts_of(df)) == "zh"


def test_model_language_coverage():
    assert "zh" in languages_covered("multilingual") and "zh" not in languages_covered("en")
    assert languages_covered("unknown") == set()


def test_file_language_reads_the_file_as_load_data_does(tmp_path):
    import json

    zh = tmp_path / "zh.jsonl"
    zh.write_text("".join(json.dumps({"query": f"母猪每天需要多少饲料{i}？", "pos": [f"约需两公斤半饲料，第{i}条。"]},
                                     ensure_ascii=False) + "\n" for i in range(5)), encoding="utf-8")
    assert file_language(str(zh)) == "zh"
    en = tmp_path / "en.csv"
    en.write_text("question,answer\nhow much feed does a sow need,about 2.5 kg a day\n", encoding="utf-8")
    assert file_language(str(en), format="pair", mapping={"anchor": "question", "positive": "answer"}) == "en"
