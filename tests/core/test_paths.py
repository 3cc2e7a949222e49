import os

import pytest

from core.errors import StudioError
from core.paths import atomic_write_json, atomic_write_text, inside, safe_name
from core.run_folder import CONFIG_FILE, STOP_FILE


@pytest.mark.parametrize("raw", ["../../etc/passwd", "child/../run", "a\\b:c*?", "..", "/abs/path", "x\x00y", "CON/.."])
def test_safe_name_never_escapes(raw, tmp_path):
    name = safe_name(raw)
    assert name and "/" not in name and "\\" not in name and ".." not in name and not name.startswith(".")
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()


def test_safe_name_keeps_chinese_and_is_bounded():
    assert safe_name("猪场 实验 1") == "猪场-实验-1"
    assert len(safe_name("x" * 500)) <= 80
    assert safe_name("") == "unnamed"


def test_inside_refuses_escape(tmp_path):
    assert inside(tmp_path, "a/b") == (tmp_path / "a" / "b").resolve()
    with pytest.raises(StudioError, match="outside"):
        inside(tmp_path, "../x")


def test_atomic_write_leaves_no_temp_and_replaces(tmp_path):
    p = tmp_path / "d" / "f.json"
    atomic_write_json(p, {"a": "猪"})
    atomic_write_text(p, "second")
    assert p.read_text(encoding="utf-8") == "second"
    assert os.listdir(p.parent) == ["f.json"]
    assert p.stat().st_mode & 0o777 == 0o644


def test_roots_follow_env_then_space_storage(tmp_path, monkeypatch):
    from core.paths import cache_root, runs_root

    monkeypatch.setenv("STUDIO_RUNS_DIR", str(tmp_path / "r"))
    monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path / "c"))
    assert runs_root() == tmp_path / "r" and (tmp_path / "r").is_dir()
    assert cache_root() == tmp_path / "c"
    monkeypatch.delenv("STUDIO_RUNS_DIR")
    monkeypatch.delenv("SPACE_ID", raising=False)
    monkeypatch.chdir(tmp_path)
    assert runs_root() == tmp_path / "runs"


def test_atomic_path_keeps_old_file_when_writing_fails(tmp_path):
    from core.paths import atomic_path

    target = tmp_path / "model.zip"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("crash mid-write")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["model.zip"]


@pytest.mark.parametrize("name", ["../x", "../gradio_tmp/abc", "a/b", "/etc", "..", ".", ".hidden", "-rf", "x\x00y",
                                  "a\\b", "ok\n", "a..b", "", "   ", None, 5, "x" * 201])
def test_run_path_refuses_anything_but_a_plain_run_name(name, tmp_runs):
    from core.paths import run_path

    with pytest.raises(StudioError):
        run_path(name)


def test_run_path_gives_the_folder_inside_runs_root(tmp_runs):
    from core.paths import run_path, runs_root

    assert run_path("猪场-实验-1") == runs_root() / "猪场-实验-1"
    assert run_path("run.2").parent == runs_root()
    with pytest.raises(StudioError, match="no run named"):
        run_path("missing", must_exist=True)
    (runs_root() / "there").mkdir()
    (runs_root() / "there" / CONFIG_FILE).write_text("name: there\n")
    assert run_path("there", must_exist=True) == runs_root() / "there"


def test_run_path_refuses_a_symlink_out_of_the_runs_folder(tmp_runs, tmp_path):
    from core.paths import run_path, runs_root

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / CONFIG_FILE).write_text("name: x\n")
    (runs_root() / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(StudioError, match="outside the runs folder"):
        run_path("link", must_exist=True)


def test_run_dir_arg_for_the_cli(tmp_runs, tmp_path):
    from core.paths import run_dir_arg, runs_root

    (runs_root() / "r1").mkdir()
    (runs_root() / "r1" / CONFIG_FILE).write_text("name: r1\n")
    assert run_dir_arg("r1", must_exist=True) == runs_root() / "r1"
    assert run_dir_arg(str(runs_root() / "r1")) == runs_root() / "r1"
    with pytest.raises(StudioError):
        run_dir_arg(str(runs_root() / "r1" / ".." / ".." / "x"))
    with pytest.raises(StudioError):
        run_dir_arg(str(runs_root() / "r1" / "sub"))  # not directly inside the runs folder
    explicit = tmp_path / "mine"
    assert run_dir_arg(str(explicit)) == explicit  # an explicit folder elsewhere: the operator's choice
    # a folder that is not there is said so, not as a folder without a config.yaml
    with pytest.raises(StudioError, match=f"^The run folder '{explicit}' does not exist.$"):
        run_dir_arg(str(explicit), must_exist=True)
    explicit.mkdir()
    with pytest.raises(StudioError, match="holds no config.yaml"):
        run_dir_arg(str(explicit), must_exist=True)


def test_cli_stop_goes_through_the_resolver(tmp_runs, tmp_path, capsys):
    from core.cli import main
    from core.paths import runs_root

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / CONFIG_FILE).write_text("name: x\n")
    (runs_root() / "link").symlink_to(outside, target_is_directory=True)
    for arg in ("link", str(runs_root() / "link"), "../outside", "missing"):
        assert main(["stop", arg]) == 2
        assert capsys.readouterr().err.startswith("error: ")
    assert not (outside / STOP_FILE).exists()
    (runs_root() / "mine").mkdir()
    (runs_root() / "mine" / CONFIG_FILE).write_text("name: mine\n")
    import json
    import os

    (runs_root() / "mine" / "status.json").write_text(json.dumps({"status": "running", "pid": os.getpid()}))
    assert main(["stop", "mine"]) == 0 and (runs_root() / "mine" / STOP_FILE).is_file()


def test_atomic_write_refuses_a_folder_target_in_one_sentence(tmp_path):
    """Writing over an existing folder names it (it used to be IsADirectoryError, with the temp file in its parent)."""
    target = tmp_path / "d"
    target.mkdir()
    with pytest.raises(StudioError, match=r"'.*d': it is a folder"):
        atomic_write_text(target, "x")
    assert os.listdir(tmp_path) == ["d"] and os.listdir(target) == []


@pytest.mark.parametrize("where", ["file_in_the_way", "virtual"])
def test_atomic_write_names_the_path_when_its_folder_cannot_be_made(tmp_path, where):
    """A file standing where the folder should be, or a folder that cannot be created (/proc), is one sentence."""
    if where == "file_in_the_way":
        (tmp_path / "afile").write_text("keep", encoding="utf-8")
        target = tmp_path / "afile" / "x.yaml"
    else:
        target = "/proc/no-such-studio-folder/x.yaml"
    with pytest.raises(StudioError, match=r"Cannot write '.*x\.yaml': its folder .* cannot be created or written"):
        atomic_write_text(target, "x")
    with pytest.raises(OSError):  # callers that tolerate a failed write (a read-only cache) catch OSError
        atomic_write_text(target, "x")


def test_out_folder_creates_or_refuses_in_one_sentence(tmp_path):
    from core.paths import out_folder

    assert out_folder(tmp_path / "a" / "b").is_dir()
    (tmp_path / "afile").write_text("keep", encoding="utf-8")
    with pytest.raises(StudioError, match="'.*afile' is a file"):
        out_folder(tmp_path / "afile")
    with pytest.raises(StudioError, match="cannot be created"):
        out_folder(tmp_path / "afile" / "sub")
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "keep"


def test_a_folder_is_made_whole_or_not_at_all(tmp_path):
    from core.paths import atomic_replace_dir

    target = tmp_path / "made"

    def fill(tmp):
        (tmp / "a.txt").write_text("one")

    assert atomic_replace_dir(target, fill) == target and (target / "a.txt").read_text() == "one"

    def broken(tmp):
        (tmp / "half.txt").write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_replace_dir(target, broken)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["made"]  # no temp folder left; the old one kept
    assert [p.name for p in target.iterdir()] == ["a.txt"]

    def other(tmp):
        (tmp / "b.txt").write_text("two")

    atomic_replace_dir(target, other)
    assert [p.name for p in target.iterdir()] == ["b.txt"] and sorted(p.name for p in tmp_path.iterdir()) == ["made"]
