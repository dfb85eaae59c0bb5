"""Multi-label few-shot datasets (HP-DVAL's Table II protocol): VOC 2007 and COCO 2014
base / support / novel-test splits, their readers and the checks that keep base and
novel classes apart."""
from .coco_fewshot import COCO2014FewShot, read_coco_episodes
from .coco_instances import CocoImageLabels, read_coco_instances
from .fewshot_csv import FewShotCSVDataset, VOC2007FewShot, fewshot_csv_name, read_fewshot_csv

__all__ = ['COCO2014FewShot', 'CocoImageLabels', 'FewShotCSVDataset', 'VOC2007FewShot',
           'fewshot_csv_name', 'read_coco_episodes', 'read_coco_instances', 'read_fewshot_csv']
