"""Every optimizer against a hand computation of two steps, with fixed gradients."""
import math

import numpy as np
import pytest

import tinyaug as ta
from tinyaug import optim
from tinyaug.nn import Parameter

P0 = np.array([1.0, -2.0, 0.5])
G1 = np.array([0.5, 1.0, -0.25])
G2 = np.array([-1.0, 0.25, 0.75])


def run_two_steps(make_optimizer):
    p = Parameter(ta.tensor(P0.copy(), dtype=np.float64))
    opt = make_optimizer([p])
    history = []
    for grad in (G1, G2):
        p.grad = ta.tensor(grad.copy(), dtype=np.float64).data
        opt.step()
        history.append(ta.to_numpy(p.data).copy())
    return history, opt


def test_sgd_plain():
    (p1, p2), _ = run_two_steps(lambda ps: optim.SGD(ps, lr=0.1))
    np.testing.assert_allclose(p1, P0 - 0.1 * G1, rtol=0, atol=1e-15)
    np.testing.assert_allclose(p2, P0 - 0.1 * G1 - 0.1 * G2, rtol=0, atol=1e-15)


def test_sgd_momentum():
    (p1, p2), _ = run_two_steps(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9))
    # v1 = g1; v2 = 0.9 g1 + g2
    np.testing.assert_allclose(p1, P0 - 0.1 * G1, atol=1e-15)
    np.testing.assert_allclose(p2, p1 - 0.1 * (0.9 * G1 + G2), atol=1e-15)
    # first element by hand: 1 − 0.05 = 0.95; then 0.95 − 0.1(0.45 − 1) = 1.005
    assert p2[0] == pytest.approx(1.005, abs=1e-14)


def test_sgd_nesterov():
    (p1, p2), _ = run_two_steps(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True))
    v1 = G1
    v2 = 0.9 * v1 + G2
    np.testing.assert_allclose(p1, P0 - 0.1 * (G1 + 0.9 * v1), atol=1e-15)
    np.testing.assert_allclose(p2, p1 - 0.1 * (G2 + 0.9 * v2), atol=1e-15)


def graves_rmsprop_reference(buggy=False):
    """Graves (2013) eqs. 38–41: n ← 0.95 n + 0.05 g², ḡ ← 0.95 ḡ + 0.05 g,
    Δ ← 0.9 Δ − lr g / √(n − ḡ² + 1e-4), p ← p + Δ. ``buggy`` adds ḡ² instead."""
    lr = 1e-2
    n = np.zeros(3)
    gbar = np.zeros(3)
    delta = np.zeros(3)
    p = P0.copy()
    history = []
    for g in (G1, G2):
        n = 0.95 * n + 0.05 * g * g
        gbar = 0.95 * gbar + 0.05 * g
        variance = n + gbar ** 2 if buggy else n - gbar ** 2
        delta = 0.9 * delta - lr * g / np.sqrt(variance + 1e-4)
        p = p + delta
        history.append(p.copy())
    return history


def test_rmsprop_graves_centred_two_steps():
    (p1, p2), _ = run_two_steps(lambda ps: optim.RMSProp(ps, lr=1e-2, decay=0.95, momentum=0.9,
                                                          eps=1e-4, centered=True))
    r1, r2 = graves_rmsprop_reference()
    np.testing.assert_allclose(p1, r1, rtol=1e-12)
    np.testing.assert_allclose(p2, r2, rtol=1e-12)
    # first step, first element by hand: n = 0.0125, ḡ = 0.025, n − ḡ² = 0.011875
    assert p1[0] == pytest.approx(1.0 - 0.01 * 0.5 / math.sqrt(0.011875 + 1e-4), rel=1e-12)
    # and it is not the known buggy variant that adds ḡ²
    b1, _ = graves_rmsprop_reference(buggy=True)
    assert not np.allclose(p1, b1, rtol=1e-6)


def test_rmsprop_plain():
    (p1, p2), _ = run_two_steps(lambda ps: optim.RMSProp(ps, lr=1e-2, decay=0.9, momentum=0.0,
                                                          eps=1e-8, centered=False))
    n1 = 0.1 * G1 ** 2
    n2 = 0.9 * n1 + 0.1 * G2 ** 2
    np.testing.assert_allclose(p1, P0 - 1e-2 * G1 / np.sqrt(n1 + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(p2, p1 - 1e-2 * G2 / np.sqrt(n2 + 1e-8), rtol=1e-12)


def adam_reference(weight_decay=0.0, decoupled=False):
    lr, b1, b2, eps = 1e-2, 0.9, 0.999, 1e-8
    m = np.zeros(3)
    v = np.zeros(3)
    p = P0.copy()
    history = []
    for t, g in enumerate((G1, G2), start=1):
        if decoupled:
            p = p - lr * weight_decay * p
        elif weight_decay:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        history.append(p.copy())
    return history


def test_adam_two_steps():
    (p1, p2), _ = run_two_steps(lambda ps: optim.Adam(ps, lr=1e-2))
    r1, r2 = adam_reference()
    np.testing.assert_allclose(p1, r1, rtol=1e-12)
    np.testing.assert_allclose(p2, r2, rtol=1e-12)
    # step 1 of Adam moves every coordinate by lr·sign(g) (up to eps)
    np.testing.assert_allclose(p1, P0 - 1e-2 * np.sign(G1), rtol=1e-6)


def test_adam_l2_weight_decay():
    (p1, p2), _ = run_two_steps(lambda ps: optim.Adam(ps, lr=1e-2, weight_decay=0.1))
    r1, r2 = adam_reference(weight_decay=0.1)
    np.testing.assert_allclose(p2, r2, rtol=1e-12)


def test_adamw_two_steps():
    (p1, p2), _ = run_two_steps(lambda ps: optim.AdamW(ps, lr=1e-2, weight_decay=0.1))
    r1, r2 = adam_reference(weight_decay=0.1, decoupled=True)
    np.testing.assert_allclose(p1, r1, rtol=1e-12)
    np.testing.assert_allclose(p2, r2, rtol=1e-12)
    assert not np.allclose(p2, adam_reference(weight_decay=0.1)[1], rtol=1e-9)


def test_parameter_without_grad_is_left_alone():
    a = Parameter(ta.tensor(P0.copy(), dtype=np.float64))
    b = Parameter(ta.tensor(P0.copy(), dtype=np.float64))
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = ta.tensor(G1, dtype=np.float64).data
    opt.step()
    np.testing.assert_array_equal(ta.to_numpy(b.data), P0)
    assert not np.array_equal(ta.to_numpy(a.data), P0)


def test_clip_grad_norm():
    a = Parameter(ta.tensor(np.zeros(2)))
    b = Parameter(ta.tensor(np.zeros(1)))
    a.grad = ta.tensor(np.array([3.0, 0.0])).data
    b.grad = ta.tensor(np.array([4.0])).data
    norm = optim.clip_grad_norm([a, b], max_norm=1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(ta.to_numpy(a.grad), [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(ta.to_numpy(b.grad), [0.8], rtol=1e-6)
    # below the threshold nothing changes
    assert optim.clip_grad_norm([a, b], max_norm=10.0) == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_allclose(ta.to_numpy(b.grad), [0.8], rtol=1e-6)


def test_clip_grad_value():
    a = Parameter(ta.tensor(np.zeros(4)))
    a.grad = ta.tensor(np.array([-20.0, -1.0, 3.0, 12.0])).data
    optim.clip_grad_value([a], 10.0)
    np.testing.assert_array_equal(ta.to_numpy(a.grad), [-10.0, -1.0, 3.0, 10.0])


def test_step_lr_schedule():
    p = Parameter(ta.tensor(np.zeros(1)))
    opt = optim.SGD([p], lr=1.0)
    schedule = optim.StepLR(opt, step_size=2, gamma=0.5)
    seen = []
    for _ in range(5):
        schedule.step()
        seen.append(opt.lr)
    assert seen == [1.0, 0.5, 0.5, 0.25, 0.25]


@pytest.mark.parametrize("make", [lambda ps: optim.Adam(ps, lr=1e-2),
                                  lambda ps: optim.RMSProp(ps, lr=1e-2),
                                  lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9)])
def test_state_dict_round_trip_continues_identically(make):
    (_, p2), opt = run_two_steps(make)
    state = opt.state_dict()
    q = Parameter(ta.tensor(p2.copy(), dtype=np.float64))
    clone = make([q])
    clone.load_state_dict(state)
    for o, param in ((opt, opt.params[0]), (clone, q)):
        param.grad = ta.tensor(G1.copy(), dtype=np.float64).data
        o.step()
    np.testing.assert_array_equal(ta.to_numpy(opt.params[0].data), ta.to_numpy(q.data))


def test_load_state_dict_rejects_mismatch_and_changes_nothing():
    (_, _), opt = run_two_steps(lambda ps: optim.Adam(ps, lr=1e-2))
    state = opt.state_dict()
    other = optim.Adam([Parameter(ta.tensor(np.zeros(4)))], lr=1.0)
    with pytest.raises(ta.ShapeError, match="first_moment.0"):
        other.load_state_dict(state)
    assert other.lr == 1.0 and other.steps == 0
    state["first_moment.3"] = np.zeros(3)
    with pytest.raises(KeyError, match="first_moment.3"):
        opt.load_state_dict(state)


def test_bad_arguments():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="learning rate"):
        optim.Adam([Parameter(ta.tensor(np.zeros(1)))], lr=0.0)
