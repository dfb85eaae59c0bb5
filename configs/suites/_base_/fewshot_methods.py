# The methods of the multi-label few-shot comparison (HP-DVAL's Table II rows the plugin
# ships) on the dataset named by the suite's `dataset` variable ('voc2007' or
# 'coco2014'): base training, then K-shot adaptation on the novel classes over 10
# episodes, K in {1, 5}, through tools/fewshot.py; novel mAP per method.
protocol = 'fewshot'
fewshot_args = ['--shots', '1', '5', '--episodes', '1-10']
methods = [
    dict(name=name,
         stages=[dict(config=f'configs/hpdval/fewshot/{stem}_vit-b16_{{dataset}}-fs.py')])
    for name, stem in (('Zero-shot CLIP', 'zeroshot-clip'), ('CoOp', 'coop'),
                       ('HP-DVAL', 'hpdval'))
]
