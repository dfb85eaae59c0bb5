"""CoCoOp's head on the tiny CLIP: per-image prompts through one text-encoder batch,
the encoder's short-embedding input, bad input. (Parity with the paper and the release:
tests/configs/test_parity_cocoop.py.)"""
import pytest
import torch

from conftest import build_classifier, synthetic_batch


@pytest.fixture(scope='module')
def cocoop():
    torch.manual_seed(0)
    model = build_classifier(dict(type='CoCoOpHead', prompt_learner=dict(hidden_ratio=4)))
    return model, synthetic_batch(model, num=4)


def test_text_encoder_reads_only_the_used_positions(cocoop):
    model, _ = cocoop
    enc = model.head.text_encoder
    tokens = model.head.prompt_learner.tokenized_prompts  # [C, L]
    with torch.no_grad():
        embeds = enc.embed_tokens(tokens)  # [C, L, W]
        used = enc.used_length(tokens)
        assert used < tokens.shape[1]
        torch.testing.assert_close(enc(embeds[:, :used], tokens), enc(embeds, tokens))
        with pytest.raises(ValueError, match=f'reads the first {used}'):
            enc(embeds[:, :used - 1], tokens)


def test_batched_prompts_equal_one_image_at_a_time(cocoop):
    """B x C prompts in one encoder call give each image the logits it gets alone, in
    train and in eval mode; the prompts (so the text features) differ across images."""
    model, data = cocoop
    head = model.head
    with torch.no_grad():
        feats = model.extract_feat(data['inputs'])
        head.train()
        together = head(feats)  # [B, C]
        alone = torch.cat([head(tuple(f[k:k + 1] for f in feats))
                           for k in range(together.shape[0])])
        torch.testing.assert_close(together, alone, rtol=1e-5, atol=1e-5)
        head.eval()
        torch.testing.assert_close(head(feats), together, rtol=1e-5, atol=1e-5)
        text = head.image_text_features(feats[0])  # [B, C, D]
        assert text.shape[:2] == together.shape
        assert not torch.allclose(text[0], text[1])


def test_trains_context_and_meta_net_only(cocoop):
    model, data = cocoop
    model.train()
    model.zero_grad()
    sum(model(**data, mode='loss').values()).backward()
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {'head.prompt_learner.ctx'} | {
        f'head.prompt_learner.meta_net.{n}'
        for n in ('linear1.weight', 'linear1.bias', 'linear2.weight', 'linear2.bias')}
    for name, p in model.named_parameters():
        assert (p.grad is not None) == (name in trainable), name


def test_bad_input_names_the_value(cocoop):
    model, _ = cocoop
    learner = model.head.prompt_learner
    with pytest.raises(ValueError, match=r'image features \[B, 32\], got \(2, 31\)'):
        learner(torch.zeros(2, 31))
    with pytest.raises(ValueError, match='hidden_ratio must be in'):
        build_classifier(dict(type='CoCoOpHead', prompt_learner=dict(hidden_ratio=64)))


def test_benchmark_reports_text_timing_as_skipped(cocoop):
    from lmpt_mm.cli.benchmark.format import format_table
    from lmpt_mm.cli.benchmark.text_speed import text_encoder_speed
    model, _ = cocoop
    report = text_encoder_speed(model.head, iters=1, device='cpu', repeats=1)
    assert 'per-image prompts' in report['skipped']
    table = format_table(dict(device='cpu', device_name='cpu', arch='lmpt-tiny-vit',
                              batch_size=4, num_classes=5, iters=1, repeats=1,
                              text_encoder=report))
    assert f"text encoder: skipped ({report['skipped']})" in table
