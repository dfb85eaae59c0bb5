# CoCoOp on VOC-LT with plain BCE (mean over B x C) instead of the DB loss: the BCE row
# of HP-DVAL's Table IV. Everything else as cocoop_vit-b16_voc-lt.py.
_base_ = ['./cocoop_vit-b16_voc-lt.py']

model = dict(head=dict(loss=dict(_base_.cocoop_bce_loss, _delete_=True)))
