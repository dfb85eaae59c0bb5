# CoOp (Zhou et al., IJCV 2022) with a **shared context**: 16 learned context tokens
# shared by all classes (CoOp's unified context, random N(0, 0.02) init), trained with
# the DB loss alone - the "CoOp (DB loss)" baseline of the LMPT / HP-DVAL tables - on
# LMPT's recipe (one optimiser step as the LMPT code's, which trains its CoOp baseline
# with `--training_method coop`). The dataset configs add the class names and the DB
# loss (class counts from the train split, ClassStatsHook). Sources of every value:
# configs/coop/README.md.
method_name = 'CoOp'

coop_head = dict(
    type='CoOpHead',
    prompt_learner=dict(
        n_ctx=16, csc=False, ctx_init=None, class_token_position='end', init_std=0.02))
