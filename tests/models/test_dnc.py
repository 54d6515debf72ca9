"""The DNC's pieces: fused ops against their composite twins, the paper's equations on small
hand-made cases, numerical safety (usages 0 and 1, all-zero memory, extreme gates), setting and
shape errors, the cell protocol, and the whole unrolled model fused vs composite."""
import numpy as np
import pytest

import tinyaug as ta
from tinyaug.models.dnc import (DNC, DNCCell, allocate, allocate_composite, content_weighting,
                                content_weighting_composite, interface_size, link_update,
                                link_update_composite, parse_interface, parse_interface_composite,
                                retention, sharpen, sharpen_composite, update_precedence, update_usage)
from tinyaug.models.dnc.sharpness import SHARPEN_EPS
from tests.opcases.dnc import distinct_usages


def _grads(fn, inputs, rng):
    for x in inputs:
        x.grad = None
    outputs = fn(*inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    total = None
    for out in outputs:
        term = (out * ta.tensor(rng.standard_normal(out.shape))).sum()
        total = term if total is None else total + term
    total.backward()
    return [ta.to_numpy(o) for o in outputs], [ta.to_numpy(x.grad) for x in inputs]


def _assert_same(fused, composite):
    (fused_out, fused_grads), (composite_out, composite_grads) = fused, composite
    for a, b in zip(fused_out + fused_grads, composite_out + composite_grads):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("rows", [1, 2, 7, 16])
def test_fused_allocation_matches_composite(rng, rows):
    usage = ta.tensor(distinct_usages(rng, batch=3, rows=rows), requires_grad=True)
    _assert_same(_grads(allocate, [usage], np.random.default_rng(1)),
                 _grads(allocate_composite, [usage], np.random.default_rng(1)))


@pytest.mark.parametrize("reads,writes", [(1, 1), (4, 1), (2, 3)])
def test_fused_interface_matches_composite(rng, reads, writes):
    xi = ta.tensor(3 * rng.standard_normal((3, interface_size(5, reads, writes))), requires_grad=True)
    parts = lambda interface: tuple(p for p in interface if p is not None)  # noqa: E731
    _assert_same(_grads(lambda x: parts(parse_interface(x, 5, reads, writes)), [xi], np.random.default_rng(2)),
                 _grads(lambda x: parts(parse_interface_composite(x, 5, reads, writes)), [xi],
                        np.random.default_rng(2)))


def test_fused_content_weighting_matches_composite(rng):
    memory = rng.standard_normal((2, 7, 4))
    memory[0, 3] = 0.0  # an all-zero row
    inputs = [ta.tensor(a, requires_grad=True) for a in
              (memory, rng.standard_normal((2, 3, 4)), rng.uniform(1, 10, (2, 3)))]
    _assert_same(_grads(content_weighting, inputs, np.random.default_rng(3)),
                 _grads(content_weighting_composite, inputs, np.random.default_rng(3)))


def test_allocation_follows_the_free_list():
    """a[φ_j] = (1 − u[φ_j]) Π_{i<j} u[φ_i] with φ the rows by ascending usage (Methods)."""
    usage = np.array([[0.5, 0.1, 0.9, 0.3]])
    eps = 1e-6
    u = eps + (1 - eps) * usage[0]
    expected = np.zeros(4)
    product = 1.0
    for row in np.argsort(u):
        expected[row] = (1 - u[row]) * product
        product *= u[row]
    np.testing.assert_allclose(ta.to_numpy(allocate(ta.tensor(usage)))[0], expected, atol=1e-15)
    # all free: the first row of the free list gets everything; all used: nothing is allocated
    np.testing.assert_allclose(ta.to_numpy(allocate(ta.tensor(np.zeros((1, 3)))))[0],
                               [1 - eps, (1 - eps) * eps, (1 - eps) * eps ** 2], rtol=1e-12)
    assert ta.to_numpy(allocate(ta.tensor(np.ones((1, 3))))).max() < 1e-12


@pytest.mark.parametrize("fn", [allocate, allocate_composite])
def test_allocation_gradient_is_finite_at_usages_zero_and_one(fn):
    """Usages of exactly 0 and 1 (and ties): no division by a product, so no 0/0."""
    for dtype in (np.float32, np.float64):
        usage = ta.tensor(np.array([[0.0, 1.0, 1.0, 0.0, 0.5], [1.0] * 5, [0.0] * 5], dtype), requires_grad=True)
        out = fn(usage)
        (out * ta.tensor(np.arange(15, dtype=dtype).reshape(3, 5))).sum().backward()
        assert np.isfinite(ta.to_numpy(out)).all() and np.isfinite(ta.to_numpy(usage.grad)).all()


def test_allocation_backward_recursion_matches_composite_at_extremes_and_long_memories(rng):
    """The fused backward's O(N) recursion against the composite's engine ops where products
    vanish (usages 0 and 1, ties) and over a long free list (N = 300, products down to ~1e-300)."""
    extreme = np.array([[0.0, 1.0, 1.0, 0.0, 0.5], [1.0] * 5, [0.0] * 5, [0.3, 0.3, 1.0, 0.3, 0.0]])
    for usage in (extreme, rng.uniform(0.05, 0.999, (3, 300))):
        upstream = rng.standard_normal(usage.shape)
        grads = []
        for fn in (allocate, allocate_composite):
            leaf = ta.tensor(usage, requires_grad=True)
            (fn(leaf) * ta.tensor(upstream)).sum().backward()
            grads.append(ta.to_numpy(leaf.grad))
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("writes,reads", [(1, 1), (1, 4), (2, 3)])
def test_fused_link_update_matches_composite(rng, writes, reads):
    batch, rows = 2, 6
    host = [rng.uniform(0, 0.3, (batch, writes, rows, rows)), rng.dirichlet(np.ones(rows), (batch, writes)),
            rng.dirichlet(np.ones(rows), (batch, writes)) * 0.7, rng.dirichlet(np.ones(rows), (batch, reads))]
    host[2][0, 0] = np.eye(rows)[3]  # a one-hot write
    inputs = [ta.tensor(a, requires_grad=True) for a in host]
    _assert_same(_grads(link_update, inputs, np.random.default_rng(4)),
                 _grads(link_update_composite, inputs, np.random.default_rng(4)))


def test_links_record_the_order_of_writes():
    """One-hot writes to rows 2, 0, 3 in turn: L[0, 2] = L[3, 0] = 1, the diagonal stays 0,
    the forward weighting from row 2 is row 0, and the backward weighting from row 3 is row 0."""
    rows = 4
    link = ta.tensor(np.zeros((1, 1, rows, rows)))
    precedence = ta.tensor(np.zeros((1, 1, rows)))
    for row in (2, 0, 3):
        write_weights = ta.tensor(np.eye(rows)[row][None, None])
        reads = ta.tensor(np.stack([np.eye(rows)[2], np.eye(rows)[3]])[None])
        link, forward, backward = link_update(link, precedence, write_weights, reads)
        precedence = update_precedence(precedence, write_weights)
    L = ta.to_numpy(link)[0, 0]
    expected = np.zeros((rows, rows))
    expected[0, 2] = expected[3, 0] = 1.0
    np.testing.assert_allclose(L, expected, atol=1e-12)
    np.testing.assert_allclose(ta.to_numpy(forward)[0, 0, 0], np.eye(rows)[0], atol=1e-12)
    np.testing.assert_allclose(ta.to_numpy(backward)[0, 0, 1], np.eye(rows)[0], atol=1e-12)
    np.testing.assert_allclose(ta.to_numpy(precedence)[0, 0], np.eye(rows)[3], atol=1e-12)


def test_usage_and_retention_equations(rng):
    usage, write_weights = rng.uniform(0, 1, (2, 5)), rng.dirichlet(np.ones(5), (2, 2))
    free_gates, read_weights = rng.uniform(0, 1, (2, 3)), rng.dirichlet(np.ones(5), (2, 3))
    psi = ta.to_numpy(retention(ta.tensor(free_gates), ta.tensor(read_weights)))
    np.testing.assert_allclose(psi, np.prod(1 - free_gates[:, :, None] * read_weights, axis=1), atol=1e-12)
    new = ta.to_numpy(update_usage(ta.tensor(usage), ta.tensor(write_weights), ta.tensor(psi)))
    written = 1 - np.prod(1 - write_weights, axis=1)
    np.testing.assert_allclose(new, (usage + written - usage * written) * psi, atol=1e-12)


def test_interface_size_is_the_papers():
    assert interface_size(word_size=16, read_heads=4, write_heads=1) == 4 * 16 + 3 * 16 + 5 * 4 + 3


@pytest.mark.parametrize("controller", ["lstm", "feedforward"])
def test_cell_protocol(controller):
    cell = DNCCell(3, 2, controller=controller, controller_size=6, memory_rows=8, memory_width=4,
                   read_heads=2, write_heads=2)
    state = cell.initial_state(5)
    shapes = [tuple(s.shape) for s in state[1:]]
    assert shapes == [(5, 8, 4), (5, 8), (5, 2, 8, 8), (5, 2, 8), (5, 2, 8), (5, 2, 8), (5, 2, 4)]
    output, state = cell(ta.tensor(np.ones((5, 3), np.float32)), state)
    assert output.shape == (5, cell.output_size) == (5, 2)
    output, state = cell(ta.tensor(np.ones((5, 3), np.float32)), state)
    read_weights, write_weights = ta.to_numpy(state[5]), ta.to_numpy(state[6])
    assert (read_weights.sum(-1) <= 1 + 1e-5).all() and (write_weights.sum(-1) <= 1 + 1e-5).all()
    assert np.allclose(np.diagonal(ta.to_numpy(state[3]), axis1=2, axis2=3), 0)


@pytest.mark.parametrize("controller,writes", [("lstm", 1), ("feedforward", 2)])
def test_fused_model_matches_composite_model(rng, controller, writes):
    """The whole unrolled DNC, fused vs composite ops: logits and every parameter gradient."""
    options = dict(controller=controller, controller_size=5, memory_rows=6, memory_width=3,
                   read_heads=2, write_heads=writes, clip=0.0)
    inputs = rng.standard_normal((5, 2, 4))
    results = []
    for fused in (True, False):
        model = DNC(4, 3, fused=fused, rng=np.random.default_rng(7), **options).astype(np.float64)
        logits = model(ta.tensor(inputs))
        (logits * logits).sum().backward()
        results.append([ta.to_numpy(logits)] + [ta.to_numpy(p.grad) for p in model.parameters()])
    for fused, composite in zip(*results):
        np.testing.assert_allclose(fused, composite, atol=1e-10, rtol=1e-10)


def test_unrolled_model_gradcheck_through_time(rng):
    model = DNC(2, 2, controller_size=3, memory_rows=4, memory_width=2, read_heads=2,
                write_heads=1, clip=0.0, rng=np.random.default_rng(3)).astype(np.float64)
    ta.gradcheck(lambda x: model(x), [rng.standard_normal((3, 2, 2))])


def test_float32_stays_finite_with_zero_memory_and_extreme_gates(rng):
    """All-zero memory (cosine against zero rows), saturated gates and strengths (free gates
    1, allocation gates 1, usages driven to 0 and 1): finite logits and gradients in float32."""
    model = DNC(3, 2, controller_size=8, memory_rows=6, memory_width=4, read_heads=2,
                rng=np.random.default_rng(0))
    bias = ta.to_numpy(model.cell.interface.projection.bias).copy()
    bias[:] = rng.choice([-60.0, 60.0], bias.shape)
    model.cell.interface.projection.bias.data[...] = ta.tensor(bias.astype(np.float32)).data
    logits = model(ta.tensor(np.zeros((12, 2, 3), np.float32)))
    (logits * logits).sum().backward()
    assert np.isfinite(ta.to_numpy(logits)).all()
    for p in model.parameters():
        assert np.isfinite(ta.to_numpy(p.grad)).all()


def test_trace_holds_weightings_modes_and_gates(rng):
    model = DNC(3, 2, controller_size=4, memory_rows=6, memory_width=3, read_heads=2,
                rng=np.random.default_rng(0))
    logits, trace = model.run_traced(ta.tensor(rng.standard_normal((5, 2, 3)).astype(np.float32)))
    assert logits.shape == (5, 2, 2)
    assert trace["write_weights"].shape == (5, 2, 1, 6) and trace["read_weights"].shape == (5, 2, 2, 6)
    assert trace["read_modes"].shape == (5, 2, 2, 3) and trace["usage"].shape == (5, 2, 6)
    assert trace["free_gates"].shape == (5, 2, 2) and trace["allocation_gates"].shape == (5, 2, 1)
    np.testing.assert_allclose(trace["read_modes"].sum(-1), 1.0, atol=1e-5)


def test_bad_settings_and_shapes_name_what_is_wrong(rng):
    for name, value in (("memory_rows", 0), ("memory_width", 0), ("read_heads", 0), ("write_heads", 0),
                        ("controller_size", 0), ("read_heads", 1.5)):
        with pytest.raises(ValueError, match=name):
            DNCCell(3, 2, **{name: value})
    with pytest.raises(ValueError, match="clip"):
        DNCCell(3, 2, clip=-1.0)
    with pytest.raises(ValueError, match="controller"):
        DNCCell(3, 2, controller="gru")
    with pytest.raises(ta.ShapeError, match="FusedAllocation"):
        allocate(ta.tensor(np.zeros((2, 3, 4))))
    with pytest.raises(ta.ShapeError, match="FusedInterface"):
        parse_interface(ta.tensor(np.zeros((2, 10))), 4, 1, 1)
    with pytest.raises(ta.ShapeError, match="FusedContentWeighting"):
        content_weighting(ta.tensor(np.zeros((2, 5, 3))), ta.tensor(np.zeros((2, 1, 4))), ta.tensor(np.ones((2, 1))))
    with pytest.raises(ta.ShapeError, match="FusedLinkUpdate"):
        link_update(*(ta.tensor(np.zeros(s)) for s in ((1, 1, 4, 4), (1, 1, 4), (1, 1, 3), (1, 2, 4))))
    cell = DNCCell(3, 2, controller_size=4, memory_rows=5, memory_width=3)
    with pytest.raises(ta.ShapeError, match="DNCCell"):
        cell(ta.tensor(np.zeros((2, 4), np.float32)), cell.initial_state(2))
    with pytest.raises(ta.ShapeError, match="DNC"):
        DNC(3, 2, memory_rows=5)(ta.tensor(np.zeros((4, 2, 2), np.float32)))


@pytest.mark.parametrize("masked_lookup,deallocate,sharpen_links", [
    (True, False, False), (False, True, False), (False, False, True), (True, True, True)])
def test_csordas_options_fused_matches_composite_and_gradchecks(rng, masked_lookup, deallocate, sharpen_links):
    options = dict(controller_size=4, memory_rows=5, memory_width=3, read_heads=2, clip=0.0,
                   masked_lookup=masked_lookup, deallocate=deallocate, sharpen_links=sharpen_links)
    inputs = rng.standard_normal((4, 2, 3))
    results = []
    for fused in (True, False):
        model = DNC(3, 2, fused=fused, rng=np.random.default_rng(5), **options).astype(np.float64)
        logits = model(ta.tensor(inputs))
        (logits * logits).sum().backward()
        results.append([ta.to_numpy(logits)] + [ta.to_numpy(p.grad) for p in model.parameters()])
    for fused, composite in zip(*results):
        np.testing.assert_allclose(fused, composite, atol=1e-10, rtol=1e-10)
    ta.gradcheck(lambda x: model(x), [inputs[:3]])
    assert model.cell.interface.size == interface_size(3, 2, 1, masked=masked_lookup, sharpen=sharpen_links)


def test_deallocation_erases_freed_rows():
    """Free gates 1 on a read head focused on row 1: with ``deallocate`` that row is erased
    (ψ = 0 there) before the write; without it, it keeps its content."""
    from tinyaug.models.dnc import retention
    read_weights = np.zeros((1, 1, 4))
    read_weights[0, 0, 1] = 1.0
    psi = ta.to_numpy(retention(ta.tensor(np.ones((1, 1))), ta.tensor(read_weights)))
    np.testing.assert_allclose(psi, [[1, 0, 1, 1]])
    cell = DNCCell(2, 2, controller_size=3, memory_rows=4, memory_width=2, read_heads=1, deallocate=True,
                   rng=np.random.default_rng(0)).astype(np.float64)
    bias = np.zeros(cell.interface.size)
    layout_free_gate = 2 + 1 + 2 + 1 + 2 + 2   # read key, strength, write key, strength, erase, vector
    bias[layout_free_gate] = 60.0              # free gate 1
    bias[layout_free_gate + 2] = -60.0         # write gate 0: no write
    cell.interface.projection.bias.data[...] = ta.tensor(bias).data
    cell.interface.projection.weight.data[...] = 0
    state = list(cell.initial_state(1))
    state[1] = ta.tensor(np.ones((1, 4, 2)))
    state[5] = ta.tensor(read_weights)
    _, _, new_state, _ = cell.step(ta.tensor(np.zeros((1, 2))), tuple(state))
    memory = ta.to_numpy(new_state[1])[0]
    np.testing.assert_allclose(memory[1], 0.0, atol=1e-12)
    np.testing.assert_allclose(memory[[0, 2, 3]], 1.0, atol=1e-12)


@pytest.mark.parametrize("writes", [1, 2])
def test_fused_sharpen_matches_composite(rng, writes):
    weights = rng.dirichlet(np.ones(6), size=(3, writes, 4)) * rng.uniform(0, 1, (3, writes, 4, 1))
    weights[0, 0, 1] = 0.0                                   # nothing linked: S gives the uniform weighting
    inputs = [ta.tensor(weights, requires_grad=True), ta.tensor(rng.uniform(1, 6, (3, writes, 4)), requires_grad=True)]
    _assert_same(_grads(sharpen, inputs, np.random.default_rng(4)),
                 _grads(sharpen_composite, inputs, np.random.default_rng(4)))


def test_sharpen_is_the_normalised_power():
    """S(d, s) = (d + ε)^s / Σ (d + ε)^s: s = 1 renormalises, a large s picks the largest entry,
    and the result sums to 1 even when d sums to less (Csordás & Schmidhuber 2019)."""
    d = np.array([[0.1, 0.3, 0.0, 0.2]])
    for s in (1.0, 2.5):
        expected = (d + SHARPEN_EPS) ** s / ((d + SHARPEN_EPS) ** s).sum(-1, keepdims=True)
        np.testing.assert_allclose(ta.to_numpy(sharpen(ta.tensor(d), ta.tensor(np.array([s])))), expected, rtol=1e-12)
    np.testing.assert_allclose(ta.to_numpy(sharpen(ta.tensor(d), ta.tensor(np.array([200.0])))), [[0, 1, 0, 0]],
                               atol=1e-12)
    with pytest.raises(ta.ShapeError, match="FusedSharpen"):
        sharpen(ta.tensor(np.zeros((2, 3, 4))), ta.tensor(np.ones((2, 4))))


def test_sharpened_links_read_the_next_row_more_sharply():
    """A link chain 0 → 1 → 2 blurred by a noisy write: with a sharpness above 1 the forward
    weighting from row 0 puts more of its mass on row 1 than the plain normalised one."""
    link = np.zeros((1, 1, 4, 4))
    link[0, 0, 1, 0], link[0, 0, 2, 1] = 0.7, 0.8
    link[0, 0, 3, 0] = 0.2                                    # noise: a weak link 0 → 3
    forward = link[:, :, None, :, :] @ np.array([1.0, 0, 0, 0])     # f = L w^r, (1, 1, 1, 4)
    plain = ta.to_numpy(sharpen(ta.tensor(forward), ta.tensor(np.ones((1, 1, 1)))))
    sharp = ta.to_numpy(sharpen(ta.tensor(forward), ta.tensor(np.full((1, 1, 1), 4.0))))
    assert plain.argmax() == sharp.argmax() == 1 and sharp[..., 1] > plain[..., 1] + 0.1


@pytest.mark.parametrize("reads,writes", [(4, 1), (1, 3), (2, 2)])
def test_fused_usage_matches_composite(rng, reads, writes):
    from tests.opcases.dnc import _usage_inputs, usage_composite
    from tinyaug.models.dnc import retention_and_usage
    arrays = _usage_inputs(reads, writes)(rng)
    arrays[0][0, 0] = 1.0                                     # a free gate of exactly 1 on a read weighting of 1:
    arrays[1][0, 0] = np.eye(arrays[1].shape[2])[2]           # ψ = 0 there (the backward never divides by it)
    inputs = [ta.tensor(a, requires_grad=True) for a in arrays]
    _assert_same(_grads(retention_and_usage, inputs, np.random.default_rng(6)),
                 _grads(usage_composite, inputs, np.random.default_rng(6)))


@pytest.mark.parametrize("reads,writes", [(4, 1), (2, 2)])
def test_fused_read_weightings_match_composite(rng, reads, writes):
    from tests.opcases.dnc import _read_inputs
    from tinyaug.models.dnc import read_weightings, read_weightings_composite
    inputs = [ta.tensor(a, requires_grad=True) for a in _read_inputs(reads, writes)(rng)]
    _assert_same(_grads(read_weightings, inputs, np.random.default_rng(7)),
                 _grads(read_weightings_composite, inputs, np.random.default_rng(7)))
    with pytest.raises(ta.ShapeError, match="FusedReadWeightings"):
        read_weightings(*(ta.tensor(np.zeros(s)) for s in ((1, 2, 3), (1, 2, 4), (1, 2, 2, 4), (1, 2, 2, 4))))
