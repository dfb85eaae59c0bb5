"""The offline multi-label few-shot demo (``make fewshot-demo``): zero-shot CLIP, CoOp and
HP-DVAL on the offline world's 14 base / 6 novel split, 10 episodes per K in {1, 5}.

    python tools/fewshot_demo.py [--adapt-epochs N] [--clip-steps N]

See lmpt_mm/cli/fewshot_demo.py.
"""
from lmpt_mm.cli.fewshot_demo import main

if __name__ == '__main__':
    main()
