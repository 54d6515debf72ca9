"""The Neural Turing Machine's pieces: fused ops against their composite twins, numerical
safety (all-zero memory, sharpening of exact zeros), shapes and errors, the cell protocol."""
import numpy as np
import pytest

import tinyaug as ta
from tinyaug.models.ntm import (NTM, NTMCell, address, address_composite, read, write,
                                write_composite)
from tinyaug.models.ntm.addressing import head_param_size


def _addressing_problem(rng, batch=3, heads=2, rows=7, word=4, shifts=3, scale=1.0, dtype=np.float64):
    memory = rng.standard_normal((batch, rows, word))
    params = scale * rng.standard_normal((batch, heads, head_param_size(word, shifts)))
    previous = rng.dirichlet(np.ones(rows), size=(batch, heads))
    return [ta.tensor(a.astype(dtype), requires_grad=True) for a in (memory, params, previous)]


def _grads(fn, inputs, rng):
    for x in inputs:
        x.grad = None
    out = fn(*inputs)
    upstream = ta.tensor(rng.standard_normal(out.shape))
    (out * upstream).sum().backward()
    return ta.to_numpy(out), [ta.to_numpy(x.grad) for x in inputs]


@pytest.mark.parametrize("scale", [0.5, 3.0])
@pytest.mark.parametrize("shifts", [1, 3, 5])
def test_fused_addressing_matches_composite(rng, scale, shifts):
    inputs = _addressing_problem(rng, shifts=shifts, scale=scale)
    fused_out, fused_grads = _grads(address, inputs, np.random.default_rng(5))
    composite_out, composite_grads = _grads(address_composite, inputs, np.random.default_rng(5))
    np.testing.assert_allclose(fused_out, composite_out, rtol=0, atol=1e-10)
    for fused, composite in zip(fused_grads, composite_grads):
        np.testing.assert_allclose(fused, composite, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("heads", [1, 2, 3])
def test_fused_write_matches_composite(rng, heads):
    batch, rows, word = 2, 6, 4
    host = [rng.standard_normal((batch, rows, word)), rng.dirichlet(np.ones(rows), size=(batch, heads)),
            rng.uniform(0, 1, (batch, heads, word)), rng.standard_normal((batch, heads, word))]
    host[2][0, 0, 0] = 1.0  # a full erase: the prefix/suffix product must not divide by zero
    host[1][0, 0] = np.eye(rows)[2]
    inputs = [ta.tensor(a, requires_grad=True) for a in host]
    fused_out, fused_grads = _grads(write, inputs, np.random.default_rng(2))
    composite_out, composite_grads = _grads(write_composite, inputs, np.random.default_rng(2))
    np.testing.assert_allclose(fused_out, composite_out, rtol=0, atol=1e-10)
    for fused, composite in zip(fused_grads, composite_grads):
        np.testing.assert_allclose(fused, composite, rtol=1e-10, atol=1e-10)


def test_weightings_are_distributions(rng):
    memory, params, previous = _addressing_problem(rng, scale=5.0)
    weights = ta.to_numpy(address(memory, params, previous))
    assert weights.shape == (3, 2, 7)
    assert (weights >= 0).all()
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-12)


@pytest.mark.parametrize("fn", [address, address_composite])
def test_all_zero_memory_and_extreme_parameters_stay_finite_in_float32(rng, fn):
    """Cosine similarity against all-zero rows, γ ≫ 1 and one-hot previous weights (exact
    zeros under sharpening) must give finite weights and gradients in float32."""
    batch, heads, rows, word = 2, 2, 8, 4
    memory = ta.tensor(np.zeros((batch, rows, word), np.float32), requires_grad=True)
    params = rng.standard_normal((batch, heads, head_param_size(word, 3))).astype(np.float32)
    params[..., word] = 60.0       # β̂: very sharp content focus
    params[..., word + 1] = -30.0  # ĝ: keep the previous (one-hot) weighting
    params[..., word + 2] = 80.0   # γ̂: γ ≈ 81
    params[..., word + 3:] = [-40.0, 40.0, -40.0]  # no shift: exact zeros survive to sharpening
    params = ta.tensor(params, requires_grad=True)
    previous = ta.tensor(np.eye(rows, dtype=np.float32)[[1, 5]][None].repeat(batch, 0), requires_grad=True)
    weights = fn(memory, params, previous)
    (weights * ta.tensor(rng.standard_normal(weights.shape).astype(np.float32))).sum().backward()
    for array in (ta.to_numpy(weights), memory.grad, params.grad, previous.grad):
        assert np.isfinite(ta.to_numpy(array)).all()
    np.testing.assert_allclose(ta.to_numpy(weights)[0, 0, 1], 1.0, atol=1e-5)


def test_read_is_weighted_sum_of_rows(rng):
    memory = rng.standard_normal((2, 5, 3))
    weights = rng.dirichlet(np.ones(5), size=(2, 4))
    reads = ta.to_numpy(read(ta.tensor(memory), ta.tensor(weights)))
    np.testing.assert_allclose(reads, np.einsum("bhn,bnw->bhw", weights, memory), atol=1e-12)


def test_write_matches_paper_equations_for_one_head(rng):
    memory = rng.standard_normal((1, 4, 3))
    weights, erase, add = np.array([[[0, 1.0, 0, 0]]]), np.array([[[1.0, 0.0, 0.5]]]), np.array([[[2.0, 3.0, 4.0]]])
    new = ta.to_numpy(write(*(ta.tensor(a) for a in (memory, weights, erase, add))))
    expected = memory.copy()
    expected[0, 1] = memory[0, 1] * np.array([0.0, 1.0, 0.5]) + add[0, 0]       # eqs. 3–4
    np.testing.assert_allclose(new, expected, atol=1e-12)


def test_shape_errors_name_the_op(rng):
    memory, params, previous = _addressing_problem(rng)
    with pytest.raises(ta.ShapeError, match="FusedAddressing"):
        address(memory, params, previous[:, :, :5])
    with pytest.raises(ta.ShapeError, match="address_composite"):
        address_composite(memory, params[:, :, :-1], previous)  # even shift width
    with pytest.raises(ta.ShapeError, match="MemoryWrite"):
        write(memory, previous, params[:, :, :3], params[:, :, :4])
    with pytest.raises(ta.ShapeError, match="ntm read"):
        read(memory, previous[:, :, :3])
    cell = NTMCell(3, 2, controller_size=4, memory_rows=5, memory_width=3)
    with pytest.raises(ta.ShapeError, match="NTMCell"):
        cell(ta.tensor(np.zeros((2, 4), np.float32)), cell.initial_state(2))
    with pytest.raises(ValueError, match="controller"):
        NTMCell(3, 2, controller="gru")
    with pytest.raises(ValueError, match="memory_init"):
        NTMCell(3, 2, memory_init="random")


def test_read_order(rng):
    """Reads come from M_{t−1} by default and from M_t with read_after_write."""
    x = ta.tensor(rng.standard_normal((2, 3)).astype(np.float32))
    for after in (False, True):
        cell = NTMCell(3, 2, controller_size=4, memory_rows=5, memory_width=3,
                       read_after_write=after, rng=np.random.default_rng(0))
        state = cell.initial_state(2)
        _, reads, new_state, _ = cell.step(x, state)
        memory = new_state[1] if after else state[1]
        expected = ta.to_numpy(new_state[3][:, :1]) @ ta.to_numpy(memory)
        np.testing.assert_allclose(ta.to_numpy(reads).reshape(2, 1, 3), expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("controller", ["lstm", "feedforward"])
def test_cell_protocol(controller):
    cell = NTMCell(3, 2, controller=controller, controller_size=6, memory_rows=8, memory_width=4,
                   read_heads=2, write_heads=1)
    state = cell.initial_state(5)
    _, memory, reads, weights = state
    assert memory.shape == (5, 8, 4) and reads.shape == (5, 2, 4) and weights.shape == (5, 3, 8)
    output, state = cell(ta.tensor(np.ones((5, 3), np.float32)), state)
    assert output.shape == (5, cell.output_size) == (5, 2)
    assert state[1].shape == (5, 8, 4)


@pytest.mark.parametrize("memory_init,read_after_write", [("constant", False), ("learned", True)])
@pytest.mark.parametrize("controller", ["lstm", "feedforward"])
def test_fused_model_matches_composite_model(rng, controller, memory_init, read_after_write):
    """The whole unrolled NTM, fused vs composite ops: logits and every parameter gradient."""
    options = dict(controller=controller, controller_size=5, memory_rows=6, memory_width=3,
                   read_heads=2, write_heads=2, memory_init=memory_init,
                   read_after_write=read_after_write)
    results = []
    for fused in (True, False):
        model = NTM(4, 3, fused=fused, rng=np.random.default_rng(7), **options).astype(np.float64)
        inputs = ta.tensor(rng.standard_normal((4, 2, 4)) if not results else results[0][2])
        logits = model(inputs)
        (logits * logits).sum().backward()
        results.append((ta.to_numpy(logits), [ta.to_numpy(p.grad) for p in model.parameters()],
                        ta.to_numpy(inputs)))
    np.testing.assert_allclose(results[0][0], results[1][0], atol=1e-10)
    for fused, composite in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(fused, composite, atol=1e-10, rtol=1e-10)


def test_unrolled_model_gradcheck_through_time(rng):
    """Gradcheck of the whole chain (controller, heads, addressing, write, read) over three
    steps with respect to the input sequence, on a tiny float64 model."""
    model = NTM(2, 2, controller_size=3, memory_rows=4, memory_width=2, read_heads=1,
                write_heads=1, memory_init="learned", rng=np.random.default_rng(3)).astype(np.float64)
    ta.gradcheck(lambda x: model(x), [rng.standard_normal((3, 2, 2))])


def test_trace_records_weightings_and_adds(rng):
    model = NTM(3, 2, controller_size=4, memory_rows=6, memory_width=3, rng=np.random.default_rng(0))
    logits, trace = model.run_traced(ta.tensor(rng.standard_normal((5, 2, 3)).astype(np.float32)))
    assert logits.shape == (5, 2, 2)
    assert trace["read_weights"].shape == (5, 2, 1, 6) and trace["write_weights"].shape == (5, 2, 1, 6)
    assert trace["add"].shape == (5, 2, 1, 3)
    np.testing.assert_allclose(trace["write_weights"].sum(-1), 1.0, atol=1e-5)
