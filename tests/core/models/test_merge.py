"""Weight interpolation: alpha 0 / 1 give base / tuned bit for bit, blends load with plain sentence-transformers."""

from __future__ import annotations

import pytest
import torch

from core.errors import ConfigError, ModelSourceError
from core.models.merge import interpolate


def _perturbed(path, seed=1):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(path), device="cpu")
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * 0.05)
    return model


def test_endpoints_are_exact_and_middle_is_the_mean(tiny_model_path, tmp_path):
    from sentence_transformers import SentenceTransformer

    base = SentenceTransformer(str(tiny_model_path), device="cpu")
    tuned = _perturbed(tiny_model_path)
    b, t = base.state_dict(), tuned.state_dict()
    zero, one, half = (interpolate(base, tuned, a).state_dict() for a in (0, 1, 0.5))
    for name in b:
        assert torch.equal(zero[name], b[name]), name
        assert torch.equal(one[name], t[name]), name
        if torch.is_floating_point(b[name]):
            assert torch.allclose(half[name], (b[name] + t[name]) / 2, atol=1e-7), name
    assert any(not torch.equal(half[n], b[n]) for n in b), "the blend must differ from the base"
    # the inputs are untouched
    assert all(torch.equal(base.state_dict()[n], b[n]) for n in b)


def test_blend_saves_and_loads_with_plain_sentence_transformers(tiny_model_path, tmp_path):
    from sentence_transformers import SentenceTransformer

    tuned_dir = tmp_path / "tuned"
    _perturbed(tiny_model_path).save(str(tuned_dir))
    blend = interpolate(str(tiny_model_path), str(tuned_dir), 0.25)
    blend.save(str(tmp_path / "blend"))
    again = SentenceTransformer(str(tmp_path / "blend"), device="cpu")
    for name, tensor in blend.state_dict().items():
        assert torch.equal(again.state_dict()[name], tensor), name
    assert again.encode(["猪饲料 pig feed"]).shape == (1, 32)


def test_bad_alpha_and_mismatched_architecture(tiny_model_path):
    from sentence_transformers import SentenceTransformer, models

    base = SentenceTransformer(str(tiny_model_path), device="cpu")
    with pytest.raises(ConfigError, match="between 0 and 1"):
        interpolate(base, base, 1.5)
    with pytest.raises(ConfigError, match="number"):
        interpolate(base, base, "half")
    other = SentenceTransformer(modules=[base[0], base[1], models.Dense(32, 8)], device="cpu")
    with pytest.raises(ModelSourceError, match="architecture"):
        interpolate(base, other, 0.5)


def test_tied_weights_are_blended_once():
    """Blending is done in place tensor by tensor: a weight shared by two modules (tied) is blended once, not twice."""
    import torch

    class Tied(torch.nn.Module):
        def __init__(self, value: float):
            super().__init__()
            self.a, self.b = torch.nn.Linear(2, 2, bias=False), torch.nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight
            torch.nn.init.constant_(self.a.weight, value)

        def encode(self, texts):  # what interpolate takes for a loaded model
            raise NotImplementedError

    blend = interpolate(Tied(0.0), Tied(1.0), 0.5)
    assert blend.b.weight is blend.a.weight
    assert torch.allclose(blend.a.weight, torch.full((2, 2), 0.5))
    assert torch.equal(interpolate(Tied(0.0), Tied(1.0), 1.0).a.weight, torch.ones(2, 2))
    assert torch.equal(interpolate(Tied(0.0), Tied(1.0), 0.0).a.weight, torch.zeros(2, 2))


def test_weights_training_left_unchanged_are_shared_not_copied(tiny_model_path, tmp_path):
    """A frozen word-embedding table blends to itself: the blend shares base's tensor (no copy in memory), the blended
    weights are still exact, and the blend saves and loads as a plain model."""
    from sentence_transformers import SentenceTransformer

    base = SentenceTransformer(str(tiny_model_path), device="cpu")
    tuned = _perturbed(tiny_model_path)
    name = next(n for n, _ in base.named_parameters() if "word_embeddings" in n)
    with torch.no_grad():  # as if the table had been frozen during training
        dict(tuned.named_parameters())[name].copy_(dict(base.named_parameters())[name])
    blend = interpolate(base, tuned, 0.5)
    params = dict(blend.named_parameters())
    assert params[name].data_ptr() == dict(base.named_parameters())[name].data_ptr(), "the unchanged table is shared"
    other = next(n for n in params if n != name and torch.is_floating_point(params[n]))
    assert params[other].data_ptr() != dict(base.named_parameters())[other].data_ptr(), "changed weights are new"
    assert blend[0].processor.backend_tokenizer is base[0].processor.backend_tokenizer, "the vocabulary is shared"
    blend.max_seq_length = 16  # ... but not the length sentence-transformers keeps in the tokenizer
    assert (blend.max_seq_length, base.max_seq_length) == (16, 64)
    b, t = base.state_dict(), tuned.state_dict()
    for n, tensor in blend.state_dict().items():
        if torch.is_floating_point(tensor):
            assert torch.allclose(tensor, (b[n] + t[n]) / 2, atol=1e-7), n
    assert all(torch.equal(base.state_dict()[n], b[n]) for n in b), "base is untouched"
    blend.save(str(tmp_path / "blend"))
    again = SentenceTransformer(str(tmp_path / "blend"), device="cpu")
    assert torch.equal(again.state_dict()[name], b[name])


def test_share_unchanged_keeps_one_copy_of_equal_weights_and_tokenizer(tiny_model_path, tmp_path):
    from sentence_transformers import SentenceTransformer

    from core.models.merge import share_unchanged

    base = SentenceTransformer(str(tiny_model_path), device="cpu")
    tuned = _perturbed(tiny_model_path)
    name = next(n for n, _ in base.named_parameters() if "word_embeddings" in n)
    with torch.no_grad():
        dict(tuned.named_parameters())[name].copy_(dict(base.named_parameters())[name])
    before = {n: t.clone() for n, t in tuned.state_dict().items()}
    freed = share_unchanged(base, tuned)
    table = dict(base.named_parameters())[name]
    assert freed == table.numel() * table.element_size()
    assert dict(tuned.named_parameters())[name] is table
    assert all(torch.equal(tuned.state_dict()[n], t) for n, t in before.items()), "no value changes"
    assert tuned[0].processor.backend_tokenizer is base[0].processor.backend_tokenizer, "one vocabulary, kept once"
    tuned.max_seq_length = 16  # each model keeps its own length (sentence-transformers holds it in the tokenizer)
    assert (tuned.max_seq_length, base.max_seq_length) == (16, 64)
    assert share_unchanged(base, tuned) == 0, "a second call finds nothing left to share"
    assert tuned.encode(["猪饲料"]).shape == (1, 32)
