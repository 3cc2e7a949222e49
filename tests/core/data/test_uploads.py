"""core.data.uploads.keep_upload: an upload's durable copy under the datasets folder."""

from __future__ import annotations

from core.data.uploads import keep_upload


def test_an_upload_is_kept_once_per_content_under_a_safe_name(tmp_path, monkeypatch):
    root = tmp_path / "datasets"
    monkeypatch.setenv("STUDIO_DATASETS_DIR", str(root))
    src = tmp_path / "upload-1" / "我的 pairs.jsonl.gz"
    src.parent.mkdir()
    src.write_bytes(b"rows")
    kept = keep_upload(src)
    assert root.resolve() in kept.resolve().parents and kept.name == "我的-pairs.jsonl.gz"
    assert kept.read_bytes() == b"rows"
    assert keep_upload(kept) == kept  # already kept: the same file, no second copy
    other = tmp_path / "upload-2" / "renamed.jsonl.gz"
    other.parent.mkdir()
    other.write_bytes(b"rows")
    assert keep_upload(other).parent == kept.parent  # the same content: the same folder
    long = tmp_path / ("q" * 150 + ".csv")
    long.write_text("a,b\n")
    assert keep_upload(long).name == "q" * 60 + ".csv"  # cut, but the extension the readers go by stays
    assert not list(root.rglob("*.tmp*"))
