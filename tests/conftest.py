"""Shared fixtures.

``tiny_model_path``: a tiny BERT (2 layers, hidden 32) with a small Chinese+English WordPiece vocabulary,
wrapped as a sentence-transformers model (Transformer + mean Pooling + Normalize), built in seconds with no
network and saved once per session. Tests that train use it.

``shared_data``: the ``../shared/data`` folder, or a skip saying it is absent.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_DISABLED", "true")
# The delivered-model forgetting check scores the real general-domain sets (minutes per model on CPU); tests
# that exercise it give their own tiny set, every other run skips it.
os.environ.setdefault("STUDIO_GENERAL_DIR", "none")
# Under pytest-xdist (``make test`` runs two workers) each worker and the trainings it starts share the cores
# instead of each taking all of them.
if os.environ.get("PYTEST_XDIST_WORKER_COUNT", "").isdigit():
    from core.models.device import available_cores

    _threads = str(max(1, available_cores() // int(os.environ["PYTEST_XDIST_WORKER_COUNT"])))
    os.environ.setdefault("STUDIO_THREADS", _threads)
    os.environ.setdefault("OMP_NUM_THREADS", _threads)

EN_WORDS = (
    "the a an of to in and or is are was be for on with by at from as it this that what which how why when where "
    "who pig pigs sow sows piglet piglets boar feed feeding weight weaning vaccine fever disease farm farmer "
    "temperature water pen barn manure swine african flu virus herd health litter birth growth protein corn "
    "soybean price market stock bank loan interest rate revenue profit loss company year quarter cash debt "
    "asset risk tax income share dividend growth cost sale sales report annual net total increase decrease "
    "cat dog man woman child plays playing runs running food eat eats eating car drive drives red blue green "
    "good bad big small new old high low day week month do does can should will not no yes my your our their "
    "question answer passage query document model data train test"
).split()
ZH_CHARS = list(
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长"
    "猪母仔公育肥饲料喂养体重断奶疫苗发烧病毒场温度水栏舍粪便非洲瘟群健康窝产生长蛋白玉米豆粕价格市场股票银行贷款利息率收入利润亏损季度现金债务资产风险税分红成本销售报告总增加减少"
    "问题答案段落查询文档模型数据训练测试什么怎么为何哪里谁吗呢吧请"
)


def _build_tiny_model(out_dir: Path) -> Path:
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel, BertTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    seen: set[str] = set()
    vocab: list[str] = []
    for tok in specials + EN_WORDS + ZH_CHARS + list("abcdefghijklmnopqrstuvwxyz0123456789.,?!;:'\"()-%$，。？！；：、（）"):
        if tok not in seen:
            seen.add(tok)
            vocab.append(tok)
    vocab += [f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz0123456789" if f"##{c}" not in seen]
    hf_dir = out_dir / "hf"
    hf_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=True, tokenize_chinese_chars=True)
    tokenizer.model_max_length = 64
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=128, type_vocab_size=2,
    )
    BertModel(config).save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    transformer = models.Transformer(str(hf_dir), max_seq_length=64)
    pooling = models.Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    model = SentenceTransformer(modules=[transformer, pooling, models.Normalize()], device="cpu")
    st_dir = out_dir / "tiny-st"
    model.save(str(st_dir))
    return st_dir


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory) -> Path:
    """Path to a saved tiny sentence-transformers model (copy it before modifying files in place)."""
    return _build_tiny_model(tmp_path_factory.mktemp("tiny_model"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real datasets not found at {SHARED_DATA} (they ship beside the project, in ../shared/data)")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _datasets_in_a_temp_folder(tmp_path, monkeypatch):
    """Every test writes the datasets it builds (a BEIR zip's or gzipped folder's copy, ``core.paths.datasets_root``)
    and any run folder under its own temp folder, never into the project's ``datasets/`` or ``runs/`` (``tmp_runs``
    names the same runs folder)."""
    monkeypatch.setenv("STUDIO_DATASETS_DIR", str(tmp_path / "datasets"))
    monkeypatch.setenv("STUDIO_RUNS_DIR", str(tmp_path / "runs"))


@pytest.fixture
def tmp_runs(tmp_path, monkeypatch) -> Path:
    """Point runs and cache folders at a temp dir so tests never touch the user's."""
    runs = tmp_path / "runs"
    monkeypatch.setenv("STUDIO_RUNS_DIR", str(runs))
    monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("STUDIO_DATASETS_DIR", str(tmp_path / "datasets"))
    return runs


@pytest.fixture
def fake_llm():
    """A local OpenAI-compatible endpoint (``tests.core.builder.conftest.FakeLLM``: it records each request), for
    the builder, Build-tab and security tests."""
    from tests.core.builder.conftest import serve_fake_llm

    with serve_fake_llm() as fake:
        yield fake


def tiny_pairs(n: int = 40, seed: int = 0) -> list[tuple[str, str]]:
    """Deterministic toy (query, passage) pairs built from the tiny model's vocabulary (English + Chinese)."""
    rng = random.Random(seed)
    topics = [
        ("pig feed protein", "feed for pigs needs protein from soybean and corn"),
        ("sow weaning weight", "piglets weaning weight depends on the sow milk"),
        ("african swine fever virus", "african swine fever virus is a disease of the herd"),
        ("bank loan interest rate", "the bank loan interest rate will increase this year"),
        ("company annual revenue", "the company annual report shows revenue and profit"),
        ("猪饲料蛋白", "猪的饲料需要玉米和豆粕的蛋白"),
        ("母猪断奶体重", "仔猪断奶体重和母猪有关"),
        ("非洲猪瘟病毒", "非洲猪瘟是猪群的病毒病"),
        ("银行贷款利率", "银行贷款利息率今年增加"),
        ("公司年度收入", "公司年度报告的收入和利润"),
    ]
    out = []
    for i in range(n):
        q, p = topics[i % len(topics)]
        extra = rng.choice(EN_WORDS[:40]) if i % len(topics) < 5 else rng.choice(ZH_CHARS[:40])
        out.append((f"{q} {extra} {i}", f"{p} {extra} {i}"))
    return out


def write_beir(folder: Path, splits=("train", "dev", "test"), n: int = 12, fields=None) -> Path:
    """A small BEIR folder: passages d0..d{n-1} (the even ones titled), queries q0.. each judged against two passages
    with grades 2 and 1, one query per split row; a query with no text and one judged only against a missing
    passage in train. ``fields(i)`` gives query q{i}'s extra fields in queries.jsonl (such as its company)."""
    import json

    folder.mkdir(parents=True)
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"_id": f"d{i}", "title": f"Title {i}" if i % 2 == 0 else "",
                                 "text": f"passage number {i} about pigs"}) + "\n")
    queries = {f"q{i}": f"question {i} about pigs" for i in range(n)}
    queries["qempty"] = ""
    queries["qmissing"] = "a question whose passage is not in the corpus"
    with open(folder / "queries.jsonl", "w", encoding="utf-8") as fh:
        for qid, text in queries.items():
            extra = fields(int(qid[1:])) if fields and qid[1:].isdigit() else {}
            fh.write(json.dumps({"_id": qid, "text": text, **extra}, ensure_ascii=False) + "\n")
    (folder / "qrels").mkdir()
    per = n // len(splits)
    for s, split in enumerate(splits):
        lines = ["query-id\tcorpus-id\tscore"]
        for i in range(s * per, (s + 1) * per):
            lines += [f"q{i}\td{i}\t2", f"q{i}\td{(i + 1) % n}\t1"]
        if split == "train":
            lines += ["qempty\td0\t1", "qmissing\tnope\t1"]
        (folder / "qrels" / f"{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def zip_folder(folder: Path, target: Path, prefix: str = "", extra: dict | None = None) -> Path:
    """``folder``'s files zipped into ``target`` under ``prefix``, plus ``extra`` {member name: content}."""
    import zipfile

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, prefix + p.relative_to(folder).as_posix())
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return target


def gzip_beir(folder: Path) -> Path:
    """``folder`` with corpus.jsonl and queries.jsonl replaced by their .gz (as the Hugging Face BeIR sets ship)."""
    import gzip

    for name in ("corpus.jsonl", "queries.jsonl"):
        plain = folder / name
        (folder / f"{name}.gz").write_bytes(gzip.compress(plain.read_bytes()))
        plain.unlink()
    return folder


def pytest_collection_modifyitems(config, items):
    """Apply the ``browser`` marker to every test in a ``test_browser*.py`` file (headless Chromium), so
    ``-m "not browser"`` gives a quick loop; the default run still runs everything. Slow tests go first."""
    for item in items:
        if item.path.name.startswith("test_browser"):
            item.add_marker(pytest.mark.browser)
    # the real-model tests (minutes each) first, so pytest-xdist's workers start them while the other worker
    # runs the many short tests, instead of finishing the run on them alone; the order is otherwise kept
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


from tests import endpoint_audit  # noqa: E402

endpoint_audit.install()


def pytest_configure(config):
    endpoint_audit.configure(config)


def pytest_sessionfinish(session, exitstatus):
    endpoint_audit.finish(session)
