"""PromptLearner: token layout for each class-token position, init from words, state."""
import pytest
import torch

from lmpt_mm.models.clip import CLIPTextEncoder, load_clip
from lmpt_mm.models.prompt import PromptLearner

CLASSES = ['cat', 'traffic light', 'potted_plant']


@pytest.fixture(scope='module')
def encoder():
    return CLIPTextEncoder(load_clip('lmpt-tiny-vit'), 'lmpt-tiny-vit')


@pytest.mark.parametrize('position', ['end', 'middle', 'front'])
@pytest.mark.parametrize('csc', [False, True])
def test_layout(encoder, position, csc):
    n_ctx = 4
    pl = PromptLearner(CLASSES, encoder, n_ctx=n_ctx, csc=csc, class_token_position=position)
    prompts = pl()
    num, length, width = len(CLASSES), encoder.context_length, encoder.width
    assert prompts.shape == (num, length, width)
    assert pl.ctx.shape == ((num, n_ctx, width) if csc else (n_ctx, width))
    names = [c.replace('_', ' ') for c in CLASSES]
    ref = encoder.embed_tokens(encoder.tokenize([f'{n}.' for n in names]))  # [C, L, W]
    half = n_ctx // 2
    for i, name in enumerate(names):
        n = encoder.token_count(name)
        ctx = pl.ctx[i] if csc else pl.ctx
        name_at = {'end': 1 + n_ctx, 'middle': 1 + half, 'front': 1}[position]
        ctx_at = {'end': [(1, 0, n_ctx)], 'middle': [(1, 0, half), (1 + half + n, half, n_ctx)],
                  'front': [(1 + n, 0, n_ctx)]}[position]
        assert torch.equal(prompts[i, 0], ref[i, 0])  # SOS
        assert torch.equal(prompts[i, name_at:name_at + n], ref[i, 1:1 + n])
        for start, lo, hi in ctx_at:
            assert torch.equal(prompts[i, start:start + hi - lo], ctx[lo:hi])
        # '.', EOS and padding follow everything
        assert torch.equal(prompts[i, 1 + n_ctx + n:], ref[i, 1 + n:length - n_ctx])
    eot = pl.tokenized_prompts.argmax(dim=-1)
    assert torch.equal(eot, torch.tensor([1 + n_ctx + encoder.token_count(n) + 1
                                          for n in names]))


@pytest.mark.parametrize('csc', [False, True])
def test_ctx_init_reproduces_words(encoder, csc):
    pl = PromptLearner(CLASSES, encoder, n_ctx=16, ctx_init='a photo of a', csc=csc)
    assert pl.n_ctx == 4
    names = [c.replace('_', ' ') for c in CLASSES]
    ref = encoder.embed_tokens(encoder.tokenize([f'a photo of a {n}.' for n in names]))
    assert torch.equal(pl(), ref)
    feats = encoder(pl(), pl.tokenized_prompts)
    assert torch.allclose(feats, encoder.encode_texts([f'a photo of a {n}.' for n in names]),
                          atol=1e-6)


def test_random_init_and_state_dict(encoder):
    torch.manual_seed(0)
    pl = PromptLearner(CLASSES, encoder, n_ctx=16, csc=True)
    assert abs(pl.ctx.std().item() - 0.02) < 0.002
    assert list(pl.state_dict()) == ['ctx']  # class-name buffers are not saved
    assert [n for n, p in pl.named_parameters() if p.requires_grad] == ['ctx']


def test_bad_arguments(encoder):
    with pytest.raises(ValueError, match='class_token_position'):
        PromptLearner(CLASSES, encoder, class_token_position='back')
    with pytest.raises(ValueError, match='context length'):
        PromptLearner(CLASSES, encoder, n_ctx=40)
