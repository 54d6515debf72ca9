"""Named NTM recipes: ``tinyaug train --task T --model ntm --recipe NAME`` runs a whole staged
schedule (``tinyaug.training.stages``) from one command, where it used to take a chain of
commands by hand.

A recipe gives the stages and the run's length in steps (used unless ``--steps`` says
otherwise), and may give ``settings`` for the whole run, including those a stage cannot change
(the controller, the memory): each replaces the task's default unless the command line set it
(``StagedExperiment.expand_recipe``). Its first stage is the task's defaults and the recipe's
settings unless it says more.
"""
from __future__ import annotations

from typing import Any

from ..tasks import TASKS

#: NTM settings read once, when the experiment is built (the model's shape, the validation
#: set): a stage cannot change them. The task's own parameters are added per task.
BUILT_ONCE = frozenset({"controller", "controller_size", "memory", "read_heads", "write_heads",
                        "shift_width", "memory_init", "fused", "read_after_write", "dtype",
                        "validation_sequences"})

RECIPES: dict[tuple[str, str], dict[str, Any]] = {
    # Repeat copy under 0.1 bits (docs/sections/ntm.md, "Repeat copy"): the manual chain
    #   runs e      the repeat-copy/ntm defaults (Graves' RMSProp lr 1e-4, batch 4, the repeat-
    #               count curriculum over 20,000 steps), 60,000 steps
    #   runs f - h  the same optimizer carried on at lr 1e-5 to step 140,000
    #   adam-b      --init-from h: Adam lr 1e-4, global-norm clip 10, no clipping by value,
    #               batch 16, no curriculum, 70,000 steps
    # Each stage starts from the best-validated parameters of the stage before (as the copies
    # and --init-from did, since keep_best put them back at each run's end).
    ("repeat-copy", "curriculum-rmsprop-adam"): {
        "steps": 210000,
        "stages": [
            {"from_step": 0},
            {"from_step": 60000, "lr": 1e-5},
            {"from_step": 140000, "optimizer": "adam", "lr": 1e-4, "batch_size": 16,
             "clip_norm": 10.0, "clip_value": 0.0, "repeats_curriculum_steps": 0},
        ],
    },
    # Repeat copy under 0.1 bits from one command, the repeat-copy/ntm default (docs/sections/
    # ntm.md, "Repeat copy from one command"): the task's first stage (Graves' RMSProp lr 1e-4,
    # batch 4, the repeat-count curriculum over 20,000 steps), which finds the counting loop by
    # step ~17,000, then from step 30,000 (before RMSProp's spikes, which began at ~45,000 in
    # run e) Adam lr 1e-4 with global-norm clipping at 10, batch 16, no curriculum: the
    # fine-tune that took the chain's model under 0.1, without the chain's 80,000 steps at lr 1e-5.
    # Adam with the curriculum from step 0 was far slower (38 bits after 34,500 steps of 16).
    ("repeat-copy", "curriculum-adam"): {
        "steps": 100000,
        "stages": [
            {"from_step": 0},
            {"from_step": 30000, "optimizer": "adam", "lr": 1e-4, "batch_size": 16,
             "clip_norm": 10.0, "clip_value": 0.0, "repeats_curriculum_steps": 0},
        ],
    },
    # The LSTM-controller NTM on copy (docs/sections/ntm.md, "The LSTM controller on copy";
    # NOT YET STABLE: its one seed ended at 0.093 bits but collapsed once on the way):
    # the copy defaults with an LSTM controller, plus
    #   - once the 500-step mean training cost is under 30 bits (copy is being learnt):
    #     batch 16 instead of 1 and the rate x2 (at batch 1 and lr 1e-4 the LSTM's
    #     validation bounced between 0.3 and 10 bits after learning copy, and once relapsed
    #     to 50 bits; at batch 16 it declines steadily, with spikes);
    #   - 5% of training sequences with an all-zero vector at a random place and 5% with an
    #     all-zero last vector (besides the defaults' 5% with an all-zero first vector): the
    #     sequences the LSTM controller failed on.
    # A first version also halved the rate at 16,000 and 20,000 steps (slower, and it still
    # spiked); a second switched at 10 bits (docs).
    ("copy", "lstm-controller"): {
        "steps": 24000,
        "settings": {"controller": "lstm", "lr_decay_below": 30.0, "lr_decay_factor": 2.0,
                     "decayed_batch_size": 16, "zero_vector_fraction": 0.05,
                     "zero_last_fraction": 0.05},
        "stages": [{"from_step": 0}],
    },
}


def recipe(task: str, name: str) -> dict[str, Any]:
    """The recipe ``name`` for ``task``; a clear error listing the task's recipes otherwise."""
    if (task, name) not in RECIPES:
        known = sorted(n for t, n in RECIPES if t == task)
        raise ValueError(f"{task}/ntm: unknown recipe {name!r}; recipes for {task}: "
                         f"{', '.join(known) or 'none'}")
    return RECIPES[(task, name)]


def fixed_settings(task: str) -> frozenset[str]:
    """What a stage of an NTM run on ``task`` may not change."""
    return BUILT_ONCE | frozenset(TASKS[task].defaults if task in TASKS else ())
