"""ta.save / ta.load: round trips, atomic writes, no pickle, clear errors."""
import json
import os
import zipfile

import numpy as np
import pytest

import tinyaug as ta
from tinyaug import checkpoint, optim
from tinyaug.checkpoint import CheckpointError
from tinyaug.nn import Linear, Module, Parameter


class Net(Module):
    def __init__(self, hidden=4):
        super().__init__()
        self.encoder = Linear(3, hidden)
        self.decoder = Linear(hidden, 2)

    def forward(self, x):
        return self.decoder(ta.tanh(self.encoder(x)))


def trained(seed=0):
    net = Net()
    opt = optim.Adam(net.parameters(), lr=1e-2)
    x = ta.tensor(np.random.default_rng(seed).standard_normal((5, 3)).astype(np.float32))
    for _ in range(3):
        opt.zero_grad()
        (net(x) ** 2).mean().backward()
        opt.step()
    return net, opt, x


def test_round_trip_model_optimizer_and_extras(tmp_path):
    net, opt, x = trained()
    rng = np.random.default_rng(42)
    rng.random(10)
    path = tmp_path / "run" / "ckpt.npz"
    ta.save(path, net, opt, step=3, rng=rng.bit_generator.state, note="hi",
            table=np.arange(6).reshape(2, 3))
    assert sorted(os.listdir(tmp_path / "run")) == ["ckpt.npz"]  # no temporary file left

    clone, clone_opt = Net(), optim.Adam(Net().parameters(), lr=1.0)
    clone_opt = optim.Adam(clone.parameters(), lr=1.0)
    extra = ta.load(path, clone, clone_opt)
    assert extra["step"] == 3 and extra["note"] == "hi"
    np.testing.assert_array_equal(extra["table"], np.arange(6).reshape(2, 3))
    for (name, a), (_, b) in zip(net.state_dict().items(), clone.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)
        assert a.dtype == b.dtype
    assert clone_opt.lr == opt.lr and clone_opt.steps == opt.steps
    # the generator continues exactly where it was
    restored = np.random.default_rng()
    restored.bit_generator.state = extra["rng"]
    np.testing.assert_array_equal(restored.random(5), rng.random(5))
    # and one more optimizer step agrees bit for bit
    for model, o in ((net, opt), (clone, clone_opt)):
        o.zero_grad()
        (model(x) ** 2).mean().backward()
        o.step()
    np.testing.assert_array_equal(ta.to_numpy(net.decoder.weight), ta.to_numpy(clone.decoder.weight))


def test_file_is_a_plain_npz_with_json_metadata(tmp_path):
    net, opt, _ = trained()
    path = ta.save(tmp_path / "c.npz", net, opt, step=7)
    with np.load(path, allow_pickle=False) as archive:
        assert "model/encoder.weight" in archive.files
        assert any(k.startswith("optim/first_moment.") for k in archive.files)
        metadata = json.loads(str(archive["__metadata__"]))
    assert metadata["module"] == "Net" and metadata["optimizer"] == "Adam"
    assert metadata["extra"]["step"] == 7


def test_a_crash_mid_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    net, opt, _ = trained()
    path = tmp_path / "c.npz"
    ta.save(path, net, opt, step=1)
    before = path.read_bytes()

    def crash(file, **arrays):
        file.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint.np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        ta.save(path, net, opt, step=2)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["c.npz"]
    monkeypatch.undo()
    assert ta.load(path, Net(), None)["step"] == 1


def test_truncated_file_is_a_clear_error(tmp_path):
    net, opt, _ = trained()
    path = tmp_path / "c.npz"
    ta.save(path, net, opt)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        ta.load(path, Net(), None)


def test_corrupted_bytes_are_a_clear_error(tmp_path):
    net, _, _ = trained()
    path = tmp_path / "c.npz"
    ta.save(path, net)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("model/encoder.weight.npy")
    # flip bytes inside the stored array data (after the local header and the .npy header)
    position = info.header_offset + 30 + len(info.filename) + 140
    data[position:position + 8] = bytes(b ^ 0xFF for b in data[position:position + 8])
    path.write_bytes(bytes(data))
    net_before = Net()
    before = ta.to_numpy(net_before.encoder.weight).copy()
    with pytest.raises(CheckpointError, match="corrupted"):
        ta.load(path, net_before)
    np.testing.assert_array_equal(ta.to_numpy(net_before.encoder.weight), before)


def test_missing_file_and_foreign_npz(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        ta.load(tmp_path / "nope.npz", Net())
    np.savez(tmp_path / "plain.npz", a=np.zeros(3))
    with pytest.raises(CheckpointError, match="not written by tinyaug.save"):
        ta.load(tmp_path / "plain.npz", Net())


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, __metadata__=np.array("{}"), payload=np.array([{"x": 1}], dtype=object))
    with pytest.raises(CheckpointError, match="plain-array"):
        ta.load(path, Net())
    net, _, _ = trained()
    with pytest.raises(CheckpointError, match="JSON-able"):
        ta.save(tmp_path / "c.npz", net, callback=print)


def test_mismatched_model_names_the_entries_and_changes_nothing(tmp_path):
    net, _, _ = trained()
    path = ta.save(tmp_path / "c.npz", net)
    other = Net(hidden=5)
    before = ta.to_numpy(other.decoder.bias).copy()
    with pytest.raises(CheckpointError, match=r"mis-shaped encoder.weight \(3, 4\) in the file vs \(3, 5\)"):
        ta.load(path, other)
    np.testing.assert_array_equal(ta.to_numpy(other.decoder.bias), before)

    class Bigger(Net):
        def __init__(self):
            super().__init__()
            self.gain = Parameter(ta.tensor(np.ones(2)))
    with pytest.raises(CheckpointError, match="missing gain"):
        ta.load(path, Bigger())
    class EncoderOnly(Module):
        def __init__(self):
            super().__init__()
            self.encoder = Linear(3, 4)
    with pytest.raises(CheckpointError, match="unexpected decoder.weight, decoder.bias"):
        ta.load(path, EncoderOnly())


def test_mismatched_optimizer_is_a_clear_error(tmp_path):
    net, opt, _ = trained()
    path = ta.save(tmp_path / "c.npz", net, opt)
    fresh = Net()
    with pytest.raises(CheckpointError, match="holds Adam state, cannot load it into SGD"):
        ta.load(path, fresh, optim.SGD(fresh.parameters(), lr=0.1))
    no_optimizer = ta.save(tmp_path / "d.npz", net)
    with pytest.raises(CheckpointError, match="no optimizer state"):
        ta.load(no_optimizer, fresh, optim.Adam(fresh.parameters()))
    partial = Net()
    with pytest.raises(CheckpointError, match="optimizer state does not fit"):
        ta.load(path, partial, optim.Adam(partial.parameters()[:2]))


def test_load_onto_another_backend(tmp_path, backend):
    net, opt, x = trained()
    path = ta.save(tmp_path / "c.npz", net, opt)
    target = "standin" if backend == "numpy" else "numpy"
    previous = ta.get_backend().name
    ta.set_backend(target)
    try:
        clone = Net()
        ta.load(path, clone, optim.Adam(clone.parameters()))
        assert clone.encoder.weight.backend.name == target
    finally:
        ta.set_backend(previous)
    np.testing.assert_array_equal(ta.to_numpy(clone.encoder.weight), ta.to_numpy(net.encoder.weight))
