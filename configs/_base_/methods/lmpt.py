# LMPT (Xia et al.) as the published code runs it (`lmpt/train.py` + `lmpt/train.sh` of
# the LMPT repository): 16 class-specific context tokens, random N(0, 0.02) init
# (`--n_ctx 16 --ctx_init ''`, `--csc` is always on), loss lam * DB + (1 - lam) * CSE
# with lam = 0.5 (`--lam 0.5`). The dataset configs add the class names and the DB loss;
# every value and its source: the recipe card in configs/lmpt/README.md.
method_name = 'LMPT'

lmpt_head = dict(
    type='LMPTHead',
    prompt_learner=dict(
        n_ctx=16, csc=True, ctx_init=None, class_token_position='end', init_std=0.02),
    # CSE loss on token embeddings as the code compares them (caption tokens against
    # prompt tokens shifted by `--m_ctx 2`), reduced by the code's `.mean()` over the
    # B x C pairs (avg_factor=None). The code's own CSE term cannot run (shapes,
    # softmax-of-counts margins, inverted hinge): we use the paper's hinge with the real
    # counts (README, recipe card). gamma 0.2 is the command line's `--gamma`, which the
    # code never passes on (its class default is 2).
    cse_loss=dict(
        type='ClassSpecificEmbeddingLoss', margin=0.2, gamma=0.2, mode='token', m_ctx=2,
        avg_factor=None),
    lam=0.5)
