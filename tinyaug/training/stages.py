"""Staged training schedules: a run whose settings change at given steps (a lower learning rate,
another optimizer, another batch size or curriculum), resumable mid-stage.

A schedule is the ``stages`` setting, a list of dicts::

    [{"from_step": 0},                                   # the run's own settings
     {"from_step": 60000, "lr": 1e-5},                   # from step 60,000: lr 1e-5
     {"from_step": 140000, "optimizer": "adam", "lr": 1e-4, "batch_size": 16}]

Stage k's settings are the run's settings updated by stages 0..k in turn (each stage changes
only what it names). The first stage starts at step 0; ``from_step`` grows strictly. A stage
may change any setting of the experiment except the loop's (``steps``, ``seed``, ``eval_every``,
``checkpoint_every``, ``log_every``) and the schedule itself.

``StagedOptimizer`` holds the current stage's optimizer and saves the stage's index with its
state, so that a checkpoint taken in an Adam stage of a run that began with RMSProp loads
into an Adam optimizer again. A stage that names another ``optimizer`` than the stage before
it starts a fresh one (as ``--init-from`` does); otherwise the optimizer and its buffers carry
on and only the settings change.
"""
from __future__ import annotations

from typing import Any, Callable

from ..optim import Optimizer

#: Settings a stage may not change: the loop reads them once, at the start of a run.
FIXED_SETTINGS = frozenset({"steps", "seed", "eval_every", "checkpoint_every", "log_every",
                            "stages", "recipe"})


def check_setting_name(owner: str, where: str, key: str, known: Any,
                       fixed: frozenset[str] | set[str]) -> None:
    """Raise a ValueError naming ``owner`` and ``where`` (e.g. "stage 2") when ``key`` is one of
    the ``fixed`` settings or not among the ``known`` ones (any container of names)."""
    if key in fixed:
        raise ValueError(f"{owner}: {where} sets {key!r}, which it cannot change "
                         f"({', '.join(sorted(fixed))} are set once per run)")
    if key not in known:
        raise ValueError(f"{owner}: {where} sets unknown setting {key!r}; "
                         f"known: {', '.join(sorted(set(known) - set(fixed)))}")


class StageSchedule:
    """The checked stages of a run and the settings in force at each."""

    def __init__(self, stages: list[dict[str, Any]], base: dict[str, Any], owner: str = "stages",
                 fixed: frozenset[str] | set[str] = frozenset()) -> None:
        """``fixed``: settings the experiment reads once, when it is built (the model's shape,
        the task's parameters), which a stage may therefore not change either."""
        fixed = FIXED_SETTINGS | set(fixed)
        if not isinstance(stages, list) or not all(isinstance(stage, dict) for stage in stages):
            raise ValueError(f"{owner}: stages must be a list of dicts such as "
                             f'[{{"from_step": 0}}, {{"from_step": 1000, "lr": 1e-5}}], got {stages!r}')
        previous = -1
        for index, stage in enumerate(stages):
            start = stage.get("from_step")
            if not isinstance(start, int) or isinstance(start, bool):
                raise ValueError(f"{owner}: stage {index} needs an integer from_step, got {start!r}")
            if index == 0 and start != 0:
                raise ValueError(f"{owner}: the first stage must start at from_step 0, not {start}")
            if start <= previous:
                raise ValueError(f"{owner}: stage {index} starts at step {start}, not after "
                                 f"stage {index - 1} (step {previous})")
            previous = start
            for key in stage:
                if key != "from_step":
                    check_setting_name(owner, f"stage {index}", key, base, fixed)
        self.stages = [dict(stage) for stage in stages]
        self.base = dict(base)
        #: The settings some stage changes; only these are ever put in force.
        self.changed = sorted({key for stage in self.stages for key in stage} - {"from_step"})
        self.settings = []
        current = {key: base[key] for key in self.changed}
        for stage in self.stages:
            current.update({k: v for k, v in stage.items() if k != "from_step"})
            self.settings.append(dict(current))

    def __len__(self) -> int:
        return len(self.stages)

    def stage_at(self, step: int) -> int:
        """The index of the stage that step ``step`` (0-based) trains in."""
        index = 0
        for candidate, stage in enumerate(self.stages):
            if stage["from_step"] <= step:
                index = candidate
        return index

    def overrides(self, index: int) -> dict[str, Any]:
        """The values during stage ``index`` of every setting some stage changes."""
        return dict(self.settings[index])

    def config(self, index: int) -> dict[str, Any]:
        """The whole configuration in force during stage ``index`` (a fresh dict)."""
        return {**self.base, **self.settings[index]}

    def optimizer_changes(self, old: int, new: int) -> bool:
        return self.settings[old].get("optimizer") != self.settings[new].get("optimizer")


class StagedOptimizer:
    """The optimizer of the current stage, behind the ``Optimizer`` interface the loop and the
    checkpoints use. ``make(index)`` builds stage ``index``'s optimizer (fresh buffers)."""

    def __init__(self, make: Callable[[int], Optimizer], stage: int = 0) -> None:
        self.make = make
        self.stage = int(stage)
        self.current = make(self.stage)

    @property
    def lr(self) -> float:
        return self.current.lr

    @lr.setter
    def lr(self, value: float) -> None:
        self.current.lr = value

    @property
    def params(self):
        return self.current.params

    @property
    def steps(self) -> int:
        return self.current.steps

    def zero_grad(self) -> None:
        self.current.zero_grad()

    def step(self) -> None:
        self.current.step()

    def enter(self, stage: int, fresh: bool) -> None:
        """Move to ``stage``: a new optimizer when ``fresh``, else the current one carries on."""
        if fresh:
            self.current = self.make(stage)
        self.stage = int(stage)

    # -- persistence: the inner optimizer's state plus the stage index --------------------------
    def state_dict(self) -> dict:
        return {**self.current.state_dict(), "stage": self.stage}

    def _split(self, state: dict) -> tuple[int, dict]:
        if "stage" not in state:
            raise KeyError("StagedOptimizer.load_state_dict: missing 'stage' (a checkpoint of a "
                           "run without stages)")
        return int(state["stage"]), {k: v for k, v in state.items() if k != "stage"}

    def check_state_dict(self, state: dict) -> None:
        stage, inner = self._split(state)
        self.make(stage).check_state_dict(inner)

    def load_state_dict(self, state: dict) -> None:
        stage, inner = self._split(state)
        optimizer = self.make(stage)
        optimizer.load_state_dict(inner)
        self.current, self.stage = optimizer, stage


class StagedExperiment:
    """Mixin for an ``Experiment`` that has ``make_optimizer()`` (e.g. a
    ``SequenceExperiment``): the ``stages`` setting, and a named ``recipe`` that fills it.

    The subclass calls ``setup_stages(config, lookup)`` at the end of ``__init__`` and
    ``apply_stage(step)`` first thing in ``train_step``; it may override ``on_enter_stage``
    (e.g. to put back its best-validated parameters before a stage starts)."""

    schedule: StageSchedule | None = None

    def setup_stages(self, config: dict[str, Any],
                     lookup: Callable[[str], dict[str, Any]] | None = None,
                     fixed: frozenset[str] | set[str] = frozenset()) -> None:
        """``config["recipe"]`` NAME (when ``stages`` is empty): ``lookup(NAME)`` gives
        ``{"stages": [...], "steps": N}``; the stages are written into ``config`` (so
        config.json records what ran) and so is ``steps``, unless it differs from the
        experiment's default (an explicit ``--steps``); see ``expand_recipe``, which an
        experiment whose recipes set model settings calls before building its model.
        ``fixed``: the settings this experiment reads only when it is built (see
        ``StageSchedule``)."""
        self.expand_recipe(config, lookup)
        if not config.get("stages"):
            self.schedule = None
            return
        self.schedule = StageSchedule(config["stages"], config,
                                      owner=f"{getattr(self, 'task', '')}: stages", fixed=fixed)
        self.optimizer = StagedOptimizer(self._stage_optimizer, 0)

    def expand_recipe(self, config: dict[str, Any],
                      lookup: Callable[[str], dict[str, Any]] | None = None) -> None:
        """Write the recipe ``config["recipe"]`` names into ``config`` (once: only while
        ``stages`` is empty, so a resumed run keeps what config.json recorded). A recipe is
        ``{"stages": [...], "steps": N, "settings": {...}}`` (``settings`` optional): the
        stages are copied, ``steps`` and each of ``settings`` replace the config's value
        where it still holds the experiment's default (an explicit ``--steps`` or
        ``--controller`` wins). ``settings`` may set what a stage cannot (the model's shape,
        the controller), so an experiment calls this before it builds its model."""
        if not config.get("recipe") or config.get("stages"):
            return
        if lookup is None:
            raise ValueError(f"{type(self).__name__}: no recipes, got recipe {config['recipe']!r}")
        name = str(config["recipe"])
        chosen = lookup(name)
        defaults = type(self).default_config()
        settings = dict(chosen.get("settings", {}))
        for key in settings:
            check_setting_name(f"recipe {name!r}", "settings", key, defaults, FIXED_SETTINGS)
        for key, value in settings.items():
            if config.get(key) == defaults[key]:
                config[key] = value
        config["stages"] = [dict(stage) for stage in chosen.get("stages") or [{"from_step": 0}]]
        if config["steps"] == defaults["steps"]:
            config["steps"] = int(chosen["steps"])

    def _stage_optimizer(self, index: int) -> Optimizer:
        base, self.config = self.config, self.schedule.config(index)
        try:
            return self.make_optimizer()
        finally:
            self.config = base

    def on_enter_stage(self, index: int) -> None:
        """Called once when training enters stage ``index`` > 0, before its optimizer."""

    def apply_stage(self, step: int) -> int | None:
        """Put the settings of ``step``'s stage in force (in ``self.config``); on entering a
        stage, call ``on_enter_stage`` and start a fresh optimizer if the stage names another
        one. Idempotent within a stage: a resumed run only re-applies the settings (its
        optimizer's stage comes from the checkpoint). Returns the stage (None: no stages)."""
        if self.schedule is None:
            return None
        index = self.schedule.stage_at(step)
        if index != self.optimizer.stage:
            self.on_enter_stage(index)
            self.optimizer.enter(index, fresh=self.schedule.optimizer_changes(self.optimizer.stage, index))
        self.config.update(self.schedule.overrides(index))
        return index
