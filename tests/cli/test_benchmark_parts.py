"""The benchmark's measurements one by one on the tiny CLIP (no timing targets)."""
import copy

import pytest
import torch

from lmpt_mm.cli import benchmark as bm
from lmpt_mm.cli.benchmark.config_run import StepProfile, overhead_components

CLASSES = ['dog', 'cat', 'car', 'tree']
MODEL = dict(
    type='CLIPPromptClassifier',
    backbone=dict(type='CLIPImageEncoder', arch='lmpt-tiny-vit'),
    head=dict(type='LMPTHead', arch='lmpt-tiny-vit', classes=CLASSES,
              prompt_learner=dict(n_ctx=4), loss=dict(type='DistributionBalancedLoss'),
              cse_loss=dict(type='ClassSpecificEmbeddingLoss')),
    data_preprocessor=dict(type='ClsDataPreprocessor', mean=[122.77, 116.75, 104.09],
                           std=[68.5, 66.63, 70.32], to_rgb=True))


@pytest.fixture
def tiny():
    batches = bm.synthetic_batches(2, 4, 32, CLASSES)
    model = bm.build_model(MODEL, batches, 'cpu')
    return model, batches


def test_alternate_runs_rounds_in_order_and_refuses_zero_repeats():
    calls = []
    values = bm.alternate(dict(a=lambda: calls.append('a') or 1.0,
                               b=lambda: calls.append('b') or 2.0), 3)
    assert calls == ['a', 'b'] * 3 and values == dict(a=[1.0] * 3, b=[2.0] * 3)
    with pytest.raises(ValueError, match='repeats must be >= 1, got 0'):
        bm.alternate(dict(a=lambda: 1.0), 0)


def test_irreducible_step_is_the_loss_compute_without_the_bookkeeping(tiny, monkeypatch):
    model, batches = tiny
    head = model.head
    assert bm.uses_split_loss(head)
    batch = bm.feature_batch(model, batches[0])
    # the same gradients as a whole training loss on that batch
    model.train()
    data = model.data_preprocessor(copy.copy(batch), True)
    sum(model(**data, mode='loss').values()).backward()
    expected = head.prompt_learner.ctx.grad.clone()
    head.prompt_learner.ctx.grad = None
    calls = []
    monkeypatch.setattr(head, 'loss_inputs', lambda s, real=head.loss_inputs: calls.append(
        1) or real(s))
    grads = []
    step = bm.irreducible_step(model, batch)
    monkeypatch.setattr(head, 'loss_from_inputs',
                        lambda *a, real=head.loss_from_inputs, **k: real(*a, **k))
    orig_backward = torch.Tensor.backward

    def backward(self, *a, **k):
        orig_backward(self, *a, **k)
        grads.append(head.prompt_learner.ctx.grad.clone())
    monkeypatch.setattr(torch.Tensor, 'backward', backward)
    for _ in range(3):
        step()
    assert calls == [1]  # targets and captions prepared once, outside the timed step
    for g in grads:
        torch.testing.assert_close(g, expected)
    assert head.prompt_learner.ctx.grad is None  # dropped after each step
    head.prompt_learner.ctx.grad = sentinel = torch.ones_like(expected)
    assert bm.time_irreducible(model, batch, 2, 'cpu') > 0
    assert head.prompt_learner.ctx.grad is sentinel  # the caller's gradient is restored


def test_flop_split_matches_the_transformer_formula(tiny):
    model, batches = tiny
    enc = model.head.text_encoder
    tokens = model.head.prompt_learner.tokenized_prompts
    length, width, layers = enc.used_length(tokens), enc.width, len(enc.transformer.resblocks)
    dim = enc.text_projection.shape[1]
    with torch.no_grad():
        forward = bm.count_flops(lambda: enc(model.head.prompt_learner(), tokens))
    # per prompt and layer: qkv 6LW^2, out 2LW^2, MLP 16LW^2, attention 4L^2W; projection 2WD
    per_prompt = layers * (24 * length * width**2 + 4 * length**2 * width) + 2 * width * dim
    assert forward == len(CLASSES) * per_prompt
    split = bm.flop_split(model, batches[0])
    # image: 8px patches of a 32px image (16 + class token), width 64, 2 layers, D 32
    tokens_img, w = 17, 64
    image = (2 * 16 * 3 * 8 * 8 * w
             + 2 * (24 * tokens_img * w**2 + 4 * tokens_img**2 * w) + 2 * w * 32)
    assert split['flops_image_per_image'] == image
    assert split['flops_image_per_step'] == 4 * image  # batch of 4
    # forward + backward to the prompts (input gradients only: about twice the forward)
    assert 1.8 * forward < split['flops_text_per_step'] < 3 * forward
    assert split['cache_speedup_limit'] == pytest.approx(
        (split['flops_image_per_step'] + split['flops_text_per_step'])
        / split['flops_text_per_step'])
    assert split['text_tokens'] == length and split['num_prompts'] == 4


def test_text_encoder_variants_are_exact_and_timed(tiny):
    model, _ = tiny
    out = bm.text_encoder_speed(model.head, iters=1, device='cpu', repeats=2)
    assert set(out['variants']) == {'default', 'mha_blocks', 'full_length',
                                    'grouped_chunks'}
    for name, record in out['variants'].items():
        assert len(record['ms_repeats']) == 2 and record['ms'] > 0, name
        assert record['max_rel_diff'] < 1e-5, name
    with pytest.raises(ValueError, match="unknown text encoder variant 'fast'"):
        bm.text_speed.encoder_variant(model.head.text_encoder, 'fast', 4)


def test_overhead_components_partition_the_iteration():
    profile = StepProfile()

    class Part:
        def work(self):
            return 'done'
    part = Part()
    profile.wrap(part, 'work', 'data')
    assert part.work() == 'done' and profile.seconds['data'] > 0
    profile.restore()
    assert 'work' not in vars(part)  # the class's method again
    seconds = dict(loss_compute=0.2, backward=0.2, data=0.1, optimizer_step=0.1,
                   **{'hook:IterTimerHook': 0.05})
    parts = overhead_components(seconds, iters=10, iter_s=0.07)
    assert parts['irreducible'] == pytest.approx(40.0)
    assert parts['hooks'] == pytest.approx(5.0) == parts['hook:IterTimerHook']
    assert parts['other'] == pytest.approx(70.0 - 40 - 10 - 10 - 5)
    total = sum(v for k, v in parts.items() if not k.startswith('hook:'))
    assert total == pytest.approx(70.0)


def test_heads_overriding_loss_alone_are_timed_whole():
    from lmpt_mm.models.heads import HPTHead
    from lmpt_mm.models.heads import CoOpHead, LMPTHead
    assert bm.uses_split_loss(CoOpHead.__new__(CoOpHead))
    assert bm.uses_split_loss(LMPTHead.__new__(LMPTHead))
    assert not bm.uses_split_loss(HPTHead.__new__(HPTHead))  # its own loss()
