"""OneCycleLRFromOptimizer: MMEngine's OneCycleLR with the peak at the optimizer's lr,
so an lr override moves the whole cycle (torch's OneCycleLR(max_lr=lr) as the HP-DVAL
code builds it)."""
import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.optim.scheduler import OneCycleLR

from lmpt_mm.engine import OneCycleLRFromOptimizer


def lrs(scheduler_cls, lr, steps=20, **kwargs):
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    # two groups: the second at half the lr (a paramwise multiplier)
    optim = torch.optim.AdamW([{'params': model[0].parameters()},
                               {'params': model[1].parameters(), 'lr': lr / 2}], lr=lr)
    sched = scheduler_cls(optim, total_steps=steps, pct_start=0.1, by_epoch=False,
                          **kwargs)
    out = []
    for _ in range(steps):
        out.append([g['lr'] for g in optim.param_groups])
        optim.step()
        sched.step()
    return out


def test_the_peak_is_each_groups_lr():
    ours = lrs(OneCycleLRFromOptimizer, 2e-3)
    assert ours == lrs(OneCycleLR, 2e-3, eta_max=[2e-3, 1e-3])
    assert max(r[0] for r in ours) == pytest.approx(2e-3)
    assert ours[0] == pytest.approx([2e-3 / 25, 1e-3 / 25])  # torch's div_factor 25
    # what a selection trial's lr override does: the cycle follows it
    assert max(r[0] for r in lrs(OneCycleLRFromOptimizer, 5e-4)) == pytest.approx(5e-4)
    # torch's own scheduler with max_lr = the optimizer's lrs gives the same values
    model = torch.nn.Linear(3, 4)
    optim = torch.optim.AdamW(model.parameters(), lr=2e-3)
    torch_sched = torch.optim.lr_scheduler.OneCycleLR(optim, max_lr=2e-3, total_steps=20,
                                                      pct_start=0.1, cycle_momentum=False)
    values = []
    for _ in range(20):
        values.append(optim.param_groups[0]['lr'])
        optim.step()
        torch_sched.step()
    assert values == pytest.approx([r[0] for r in ours], rel=1e-6)


def test_eta_max_is_refused_and_the_wrapper_is_accepted():
    model = torch.nn.Linear(3, 4)
    with pytest.raises(ValueError, match='set optim_wrapper.optimizer.lr'):
        OneCycleLRFromOptimizer(torch.optim.SGD(model.parameters(), lr=0.1), eta_max=1.0,
                                total_steps=10)
    wrapper = build_optim_wrapper(model, dict(optimizer=dict(type='AdamW', lr=1e-3)))
    sched = OneCycleLRFromOptimizer(wrapper, total_steps=10, by_epoch=False)
    assert wrapper.param_groups[0]['max_lr'] == pytest.approx(1e-3)
    assert sched.optimizer is wrapper


def test_no_config_pins_a_one_cycle_peak_apart_from_its_lr():
    """A fixed eta_max would ignore --auto-scale-lr and a selection's lr override."""
    from pathlib import Path
    configs = Path(__file__).resolve().parents[2] / 'configs'
    pinned = [str(p.relative_to(configs)) for p in configs.rglob('*.py')
              if "type='OneCycleLR'" in p.read_text()]
    assert pinned == []
