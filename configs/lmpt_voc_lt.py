# Entry point: LMPT with CLIP ViT-B/16 on VOC-LT (`python tools/train.py
# configs/lmpt_voc_lt.py`). See configs/lmpt/README.md.
_base_ = ['./lmpt/lmpt_vit-b16_voc-lt.py']
