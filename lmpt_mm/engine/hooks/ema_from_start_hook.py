"""EMA of the weights that starts from the weights training starts with."""
from mmengine.hooks import EMAHook
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class EMAFromStartHook(EMAHook):
    r"""MMEngine's ``EMAHook`` with the average started at the initial weights.

    After optimiser step ``t`` the average is
    ``e_t = d e_{t-1} + (1 - d) theta_t`` with ``e_0 = theta_0`` (the weights after
    ``load_from`` / initialisation): the ``ModelEma`` of the HP-DVAL code
    (``src/helper_functions/helper_functions.py`` 99-118 of its release, ``d = 0.998``),
    which copies the model when training starts and averages every state-dict entry.
    ``EMAHook`` instead sets ``e_1 = theta_1`` (its averaged model copies the source at
    its first update). Use it with ``ema_type='ExponentialMovingAverage'``,
    ``momentum = 1 - d`` (MMEngine's ``e <- e + m (theta - e)``) and
    ``update_buffers=True``. A resumed run keeps its saved average.
    """

    def before_train(self, runner) -> None:
        super().before_train(runner)
        ema = self.ema_model
        if int(ema.steps) != 0:  # resumed: the checkpoint's average stands
            return
        source = (self.src_model.state_dict() if ema.update_buffers
                  else dict(self.src_model.named_parameters()))
        for key, avg in ema.avg_parameters.items():
            avg.data.copy_(source[key].data)
        ema.steps += 1  # the next update averages instead of copying
