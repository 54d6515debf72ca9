"""The DNC wired into bAbI-style QA and the graph tasks: end alignment of word sequences with
blank thinking steps, the answer read at the last step, tiny runs through the command."""
import os

import numpy as np

from tinyaug.cli import main
from tinyaug.experiments.babi_dnc import end_aligned


def test_end_aligned_puts_every_question_mark_at_the_same_step():
    tokens = np.array([[5, 6], [7, 9], [9, 0], [0, 0]])     # columns end (with '?' = 9) at 2 and 1
    aligned = end_aligned(tokens, np.array([2, 1]), thinking_steps=2)
    assert aligned.shape == (6, 2)
    assert aligned[:, 0].tolist() == [0, 5, 7, 9, 0, 0]
    assert aligned[:, 1].tolist() == [0, 0, 6, 9, 0, 0]


#: A two-step bAbI-style run of a memory model on word embeddings, tiny sizes.
TINY_BABI = ["--steps", "2", "--train-questions", "32", "--test-questions", "8", "--batch-size", "4",
             "--controller-size", "8", "--memory-rows", "4", "--memory-width", "4",
             "--embedding-dim", "8", "--eval-every", "2", "--eval-batch-size", "8", "--progress", "lines"]


def test_babi_dnc_and_graph_dnc_train(tmp_path, capsys):
    assert main(["train", "--task", "babi", "--model", "dnc", "--task-id", "19", *TINY_BABI,
                 "--out", str(tmp_path / "babi")]) == 0
    assert main(["train", "--task", "graph-traversal", "--model", "dnc", "--steps", "2",
                 "--batch-size", "2", "--controller-size", "8", "--memory-rows", "4",
                 "--memory-width", "4", "--eval-every", "2", "--eval-batch-size", "2",
                 "--map-eval-batch-size", "1", "--progress", "lines",
                 "--out", str(tmp_path / "graph")]) == 0
    err = capsys.readouterr().err
    assert err.count("step 2/2") == 2
    assert os.path.exists(tmp_path / "babi" / "memory.png")


def test_babi_ntm_trains_and_draws_its_weightings(tmp_path, capsys):
    assert main(["train", "--task", "babi", "--model", "ntm", "--task-id", "1", *TINY_BABI,
                 "--out", str(tmp_path / "babi-ntm")]) == 0
    assert "step 2/2" in capsys.readouterr().err
    assert os.path.exists(tmp_path / "babi-ntm" / "memory.png")
    header = (tmp_path / "babi-ntm" / "metrics.csv").read_text().splitlines()[0]
    assert "eval_error" in header


def test_word_memory_net_feeds_blank_steps_as_zeros_and_answers_at_the_last_step():
    import tinyaug as ta
    from tinyaug.experiments.babi_dnc import WordMemoryNet
    from tinyaug.models.ntm import NTM
    rng = np.random.default_rng(0)
    net = WordMemoryNet(7, 5, lambda r: NTM(5, 3, controller_size=6, memory_rows=4, memory_width=3, rng=r),
                        rng).astype(np.float64)
    tokens = np.array([[0, 2], [3, 4], [6, 6], [0, 0]])       # blank, words, '?', thinking step
    logits = ta.to_numpy(net(tokens).data)
    embedded = ta.to_numpy(net.embed.weight.data)[tokens] * (tokens != 0)[:, :, None]
    expected = ta.to_numpy(net.core(ta.tensor(embedded)).data)[-1]
    np.testing.assert_allclose(logits, expected, rtol=0, atol=1e-12)
    net.embed.weight.data[0] += 10.0                           # the blank word's row plays no part
    np.testing.assert_allclose(ta.to_numpy(net(tokens).data), logits, rtol=0, atol=1e-12)
