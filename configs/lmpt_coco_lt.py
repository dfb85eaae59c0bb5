# Entry point: LMPT with CLIP ViT-B/16 on COCO-LT (`python tools/train.py
# configs/lmpt_coco_lt.py`). See configs/lmpt/README.md.
_base_ = ['./lmpt/lmpt_vit-b16_coco-lt.py']
