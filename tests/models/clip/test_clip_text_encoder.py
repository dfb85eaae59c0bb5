"""CLIPTextEncoder against open_clip's own encode_text."""
import open_clip
import pytest
import torch

from lmpt_mm.models.clip import CLIPTextEncoder, load_clip


def _encoder(**kwargs):
    clip = load_clip('lmpt-tiny-vit')
    return clip, CLIPTextEncoder(clip, 'lmpt-tiny-vit', **kwargs)


def test_matches_open_clip_encode_text():
    clip, enc = _encoder()
    tokens = enc.tokenize(['a photo of a cat.', 'a dog', 'traffic light'])
    ref = clip.encode_text(tokens)
    assert torch.allclose(enc.encode_tokens(tokens), ref, atol=1e-5)
    assert not any(p.requires_grad for p in enc.parameters())


def test_chunking_and_checkpointing_same_result_and_grads():
    _, enc = _encoder()
    _, enc_chunk = _encoder(class_chunk_size=2, grad_checkpointing=True)
    tokens = enc.tokenize(['a', 'b c', 'd e f', 'g'])
    embeds = enc.embed_tokens(tokens).detach().requires_grad_(True)
    embeds2 = embeds.detach().clone().requires_grad_(True)
    out, out2 = enc(embeds, tokens), enc_chunk(embeds2, tokens)
    assert torch.allclose(out, out2, atol=1e-5)
    out.sum().backward()
    out2.sum().backward()
    torch.testing.assert_close(embeds.grad, embeds2.grad, rtol=1e-4, atol=1e-3)


def test_encoders_share_one_tokenizer_that_matches_open_clips():
    _, enc = _encoder()
    _, other = _encoder()
    assert enc.tokenizer is other.tokenizer  # built once per process
    fresh = open_clip.get_tokenizer('lmpt-tiny-vit')
    texts = ['a photo of a cat.', 'two dogs beside a red traffic light']
    assert torch.equal(enc.tokenize(texts), fresh(texts))


def test_train_mode_is_ignored():
    _, enc = _encoder()
    enc.train()
    assert not any(m.training for m in enc.modules())


def test_encode_texts_caches_per_string(monkeypatch):
    _, enc = _encoder()
    calls = []
    real = enc.encode_tokens
    monkeypatch.setattr(enc, 'encode_tokens', lambda t: calls.append(t.shape[0]) or real(t))
    first = enc.encode_texts(['a cat', 'a dog', 'a cat'])
    assert calls == [2]  # duplicates encoded once
    second = enc.encode_texts(['a dog', 'a cat'])
    assert calls == [2]  # all cached
    assert torch.equal(second, first[[1, 0]])
    long_caption = ' '.join(['word'] * 100)  # longer than the 32-token context: truncated
    assert enc.encode_texts([long_caption]).shape == (1, 32)


def test_truncation_to_eot_is_exact_and_shortens_the_pass(monkeypatch):
    _, full = _encoder(truncate_to_eot=False)
    _, short = _encoder()
    tokens = full.tokenize(['a photo of a red circle.', 'a dog', 'x'])
    longest = int(tokens.argmax(dim=-1).max()) + 1  # EOT of the longest prompt
    assert short.used_length(tokens) == longest < full.context_length
    seen = []
    real = short._transformer
    monkeypatch.setattr(short, '_transformer', lambda x, attn_mask: seen.append(
        (x.shape[1], tuple(attn_mask.shape))) or real(x, attn_mask))
    embeds = full.embed_tokens(tokens).detach().requires_grad_(True)
    embeds2 = embeds.detach().clone().requires_grad_(True)
    out, out2 = full(embeds, tokens), short(embeds2, tokens)
    assert seen == [(longest, (longest, longest))]
    torch.testing.assert_close(out2, out, rtol=1e-5, atol=1e-5)
    out.pow(2).sum().backward()
    out2.pow(2).sum().backward()
    torch.testing.assert_close(embeds2.grad, embeds.grad, rtol=1e-3, atol=1e-4)
    # The causal mask is what makes it exact: the full pass ignores the padding too.
    assert torch.all(embeds.grad[:, longest:] == 0)
    padded = embeds.detach().clone()
    padded[:, longest:] += torch.randn_like(padded[:, longest:])
    torch.testing.assert_close(full(padded, tokens), out.detach(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('causal', [True, False])
def test_lean_block_matches_open_clip_block(causal):
    from lmpt_mm.models.clip.text_encoder import is_causal_mask, lean_block
    _, enc = _encoder()
    block = enc.transformer.resblocks[0]
    mask = enc.attn_mask[:7, :7]
    assert is_causal_mask(mask) and enc._lean_blocks and enc._causal_mask
    if not causal:  # any additive mask takes the explicit-mask path
        mask = torch.zeros(7, 7)
        mask[0, 3] = float('-inf')
        assert not is_causal_mask(mask)
    x = torch.randn(3, 7, enc.width, requires_grad=True)
    x2 = x.detach().clone().requires_grad_(True)
    ref, out = block(x, attn_mask=mask), lean_block(block, x2, mask, causal)
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    ref.pow(2).sum().backward()
    out.pow(2).sum().backward()
    torch.testing.assert_close(x2.grad, x.grad, rtol=1e-4, atol=1e-4)


@pytest.fixture
def fresh_warnings():
    from lmpt_mm.utils import logging as lmpt_logging
    lmpt_logging._warned.clear()
    yield
    lmpt_logging._warned.clear()


def lean_path_warnings(mm_log) -> list:
    return [m for m in mm_log.messages() if 'lean attention path is off' in m]


def test_probe_keeps_the_lean_path_and_runs_once_per_model(monkeypatch, mm_log,
                                                           fresh_warnings):
    clip = load_clip('lmpt-tiny-vit', cache=False)
    calls = []
    real = CLIPTextEncoder.lean_path_problem
    monkeypatch.setattr(CLIPTextEncoder, 'lean_path_problem',
                        lambda self, model: calls.append(model) or real(self, model))
    first, second = (CLIPTextEncoder(clip, 'lmpt-tiny-vit') for _ in range(2))
    assert first._lean_blocks and second._lean_blocks
    assert calls == [clip]  # the verdict is cached per open_clip model
    assert not lean_path_warnings(mm_log)


def test_probe_that_differs_falls_back_to_open_clip_with_one_warning(mm_log,
                                                                    fresh_warnings):
    """An open_clip block that computes something the lean path does not (here: a
    forward hook adding a per-channel offset to a block's output, as a changed block
    would) turns the fast path off; the features are then open_clip's own."""
    clip = load_clip('lmpt-tiny-vit', cache=False)
    width = clip.transformer.width
    clip.transformer.resblocks[1].register_forward_hook(
        lambda m, args, out: out + torch.linspace(-1.0, 1.0, width))
    enc = CLIPTextEncoder(clip, 'lmpt-tiny-vit')
    assert not enc._lean_blocks
    (msg, ) = lean_path_warnings(mm_log)
    assert '\n' not in msg
    assert msg.startswith("CLIPTextEncoder ('lmpt-tiny-vit'): the lean attention path is "
                          "off, open_clip's own blocks run instead: on a probe of 2 "
                          "prompts its text features differ from open_clip's encode_text")
    tokens = enc.tokenize(['a photo of a cat.', 'a dog', 'traffic light'])
    torch.testing.assert_close(enc.encode_tokens(tokens), clip.encode_text(tokens),
                               rtol=1e-5, atol=1e-5)


def test_non_standard_blocks_use_open_clip_forward(monkeypatch, mm_log, fresh_warnings):
    clip = load_clip('lmpt-tiny-vit', cache=False)
    clip.transformer.resblocks[0].attn.dropout = 0.1  # not a block we rewrite (eval: inert)
    enc = CLIPTextEncoder(clip, 'lmpt-tiny-vit')
    assert not enc._lean_blocks
    (msg, ) = lean_path_warnings(mm_log)
    assert msg.endswith('block 0 uses nn.MultiheadAttention options the lean path does '
                        'not implement (separate q/k/v widths, bias_k/v, zero attention '
                        'or dropout)')
    calls = []
    real = enc.transformer.forward
    monkeypatch.setattr(enc.transformer, 'forward',
                        lambda x, attn_mask=None: calls.append(1) or real(x, attn_mask))
    enc.encode_tokens(enc.tokenize(['a cat']))
    assert calls == [1]


def test_layout_is_remembered_per_token_tensor_until_it_changes():
    _, enc = _encoder()
    tokens = enc.tokenize(['a photo of a dog', 'x'])
    first = enc._layout(tokens)
    assert enc._layout(tokens) is first  # same buffer, same version: no recompute
    assert enc.used_length(tokens) == int(tokens.argmax(-1).max()) + 1
    assert torch.equal(first.pos, tokens.argmax(-1))
    tokens[1] = enc.tokenize(['a much longer prompt about a traffic light'])[0]  # in place
    second = enc._layout(tokens)
    assert second is not first and second.chunks[0][1] > first.chunks[0][1]
    assert enc._layout(tokens.clone()).chunks[0][1] == second.chunks[0][1]  # own entry
    import pickle
    restored = pickle.loads(pickle.dumps(enc))  # the memo's weak references are dropped
    assert len(restored._layout_memo) == 0
    assert restored.used_length(tokens) == enc.used_length(tokens)


PROMPTS = ['a photo of a red circle on a table.', 'a dog', 'x', 'two cats and a bird',
           'y', 'a traffic light', 'z z']


def _against_full_pass(enc, prompts=PROMPTS):
    """Features and input gradients of ``enc`` and of the untruncated plain pass."""
    _, full = _encoder(truncate_to_eot=False)
    tokens = full.tokenize(prompts)
    embeds = full.embed_tokens(tokens).detach().requires_grad_(True)
    embeds2 = embeds.detach().clone().requires_grad_(True)
    out, out2 = full(embeds, tokens), enc(embeds2, tokens)
    out.pow(2).sum().backward()
    out2.pow(2).sum().backward()
    return (out, out2), (embeds.grad, embeds2.grad), tokens


def test_truncation_per_chunk_of_grouped_prompts_is_exact(monkeypatch):
    _, enc = _encoder(class_chunk_size=3, group_by_length=True)
    seen = []
    real = enc._transformer
    monkeypatch.setattr(enc, '_transformer', lambda x, attn_mask: seen.append(
        x.shape[:2]) or real(x, attn_mask))
    (out, out2), (grad, grad2), tokens = _against_full_pass(enc)
    # chunks of 3 prompts in order of their end-of-text position, each truncated at its
    # own last one: shorter than one truncation for all, in total
    eot = sorted(tokens.argmax(-1).tolist())
    expected = [(len(eot[i:i + 3]), max(eot[i:i + 3]) + 1) for i in range(0, len(eot), 3)]
    assert [tuple(s) for s in seen] == expected
    assert sum(n * length for n, length in expected) < len(eot) * (eot[-1] + 1)
    torch.testing.assert_close(out2, out, rtol=1e-5, atol=1e-5)  # input order restored
    torch.testing.assert_close(grad2, grad, rtol=1e-3, atol=1e-4)
    # without grouping, chunks keep the input order and are still truncated each
    _, plain = _encoder(class_chunk_size=3)
    order = tokens.argmax(-1).tolist()
    assert [n for _, n, _ in plain._layout(tokens).chunks] == [
        max(order[i:i + 3]) + 1 for i in range(0, len(order), 3)]


@pytest.mark.parametrize('compile_cfg', [dict(backend='aot_eager')])
def test_compiled_text_encoder_is_exact(compile_cfg):
    _, enc = _encoder(compile=compile_cfg)
    (out, out2), (grad, grad2), _ = _against_full_pass(enc)
    assert enc._compiled is not None  # the compiled path ran
    torch.testing.assert_close(out2, out, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(grad2, grad, rtol=1e-3, atol=1e-4)


def test_compile_argument_is_checked():
    with pytest.raises(TypeError, match="compile must be a bool or a dict.*'yes'"):
        _encoder(compile='yes')
