"""Checkpoints: ``save(path, module, optimizer=None, **extra)`` / ``load(path, module, optimizer=None)``.

One ``.npz`` file holds everything:

* ``model/<parameter name>``: the module's ``state_dict()`` (host arrays, exact dtype);
* ``optim/<buffer>.<index>``: the optimizer's state arrays;
* ``extra/<key>``: every NumPy array passed in ``extra``;
* ``__metadata__``: a 0-d unicode array holding JSON: format version, module and optimizer
  class names, the optimizer's scalars (lr, steps, ...), and every JSON-able ``extra`` value
  (e.g. ``rng=generator.bit_generator.state``, a step counter, a config).

Writing goes to a temporary file in the same folder, fsynced, then ``os.replace``d over the
target, so a crash mid-write never destroys the previous checkpoint. Loading uses
``allow_pickle=False``: a checkpoint can never execute code. A missing, truncated or corrupted
file, or one that does not fit the module or optimizer, raises ``CheckpointError`` naming the
file and the offending entry; the module and optimizer are only modified once everything has
been read and checked.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
import zlib
from typing import Any

import numpy as np

from .errors import TinyaugError

FORMAT = "tinyaug-checkpoint"
VERSION = 1
_METADATA_KEY = "__metadata__"


class CheckpointError(TinyaugError, ValueError):
    """A checkpoint that cannot be read, or that does not fit the module/optimizer given."""


def save(path: str | os.PathLike, module, optimizer=None, **extra: Any) -> str:
    """Write ``module`` (and ``optimizer``, and ``extra``) to ``path`` atomically; returns the path.

    ``extra`` values are NumPy arrays (stored as arrays) or JSON-able values (stored in the
    metadata): numbers, strings, lists, dicts, None.
    """
    path = os.fspath(path)
    arrays: dict[str, np.ndarray] = {}
    for name, value in module.state_dict().items():
        arrays[f"model/{name}"] = np.asarray(value)
    metadata: dict[str, Any] = {"format": FORMAT, "version": VERSION,
                                "module": type(module).__name__, "optimizer": None,
                                "optimizer_scalars": {}, "extra": {}, "extra_arrays": []}
    if optimizer is not None:
        metadata["optimizer"] = type(optimizer).__name__
        for key, value in optimizer.state_dict().items():
            if isinstance(value, np.ndarray):
                arrays[f"optim/{key}"] = value
            else:
                metadata["optimizer_scalars"][key] = value
    for key, value in extra.items():
        if isinstance(value, np.ndarray):
            arrays[f"extra/{key}"] = value
            metadata["extra_arrays"].append(key)
        else:
            metadata["extra"][key] = value
    try:
        encoded = json.dumps(metadata, allow_nan=True)
    except TypeError as error:
        raise CheckpointError(f"save({path!r}): an extra value is neither a NumPy array nor "
                              f"JSON-able: {error}") from None
    arrays[_METADATA_KEY] = np.array(encoded)
    for key, value in arrays.items():
        if value.dtype == object:
            raise CheckpointError(f"save({path!r}): {key} is an object array, which cannot be "
                                  "stored without pickle")

    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=folder)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes 0600 files; use the usual mode
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return path


def read(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and validate a checkpoint file without applying it: ``(metadata, arrays)``."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise CheckpointError(f"checkpoint {path!r} does not exist")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError) as error:
        raise CheckpointError(f"checkpoint {path!r} is truncated, corrupted or not a plain-array "
                              f"checkpoint and cannot be read ({type(error).__name__}: {error})") from None
    if _METADATA_KEY not in arrays:
        raise CheckpointError(f"checkpoint {path!r} has no {_METADATA_KEY} entry: it was not "
                              "written by tinyaug.save")
    try:
        metadata = json.loads(str(arrays.pop(_METADATA_KEY)))
    except ValueError as error:
        raise CheckpointError(f"checkpoint {path!r}: metadata is not valid JSON ({error})") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {path!r} is not a {FORMAT} file")
    if metadata.get("version") != VERSION:
        raise CheckpointError(f"checkpoint {path!r} has format version {metadata.get('version')}, "
                              f"this tinyaug reads version {VERSION}")
    return metadata, arrays


def load(path: str | os.PathLike, module, optimizer=None) -> dict[str, Any]:
    """Restore ``module`` (and ``optimizer``) from ``path``; return the ``extra`` values
    (JSON values and arrays) saved with it. Strict: a missing, extra or mis-shaped parameter,
    or an optimizer of another class or parameter layout, is a ``CheckpointError``."""
    path = os.fspath(path)
    metadata, arrays = read(path)
    model_state = {key[len("model/"):]: value for key, value in arrays.items()
                   if key.startswith("model/")}
    own = module.state_dict()
    missing = [name for name in own if name not in model_state]
    unexpected = [name for name in model_state if name not in own]
    misshaped = [f"{name} {tuple(model_state[name].shape)} in the file vs {tuple(value.shape)} "
                 f"in the model" for name, value in own.items()
                 if name in model_state and model_state[name].shape != value.shape]
    if missing or unexpected or misshaped:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + \
                ([f"unexpected {', '.join(unexpected)}"] if unexpected else []) + \
                ([f"mis-shaped {'; '.join(misshaped)}"] if misshaped else [])
        raise CheckpointError(f"checkpoint {path!r} (a {metadata.get('module')}) does not fit "
                              f"this {type(module).__name__}: " + "; ".join(parts))
    optimizer_state = None
    if optimizer is not None:
        saved_class = metadata.get("optimizer")
        if saved_class is None:
            raise CheckpointError(f"checkpoint {path!r} holds no optimizer state, but an "
                                  f"optimizer ({type(optimizer).__name__}) was given")
        if saved_class != type(optimizer).__name__:
            raise CheckpointError(f"checkpoint {path!r} holds {saved_class} state, cannot load it "
                                  f"into {type(optimizer).__name__}")
        optimizer_state = dict(metadata.get("optimizer_scalars", {}))
        optimizer_state.update({key[len("optim/"):]: value for key, value in arrays.items()
                                if key.startswith("optim/")})
        try:
            optimizer.check_state_dict(optimizer_state)
        except (ValueError, KeyError) as error:
            raise CheckpointError(f"checkpoint {path!r}: optimizer state does not fit: {error}") from None
    module.load_state_dict(model_state)
    if optimizer is not None:
        optimizer.load_state_dict(optimizer_state)
    extra = dict(metadata.get("extra", {}))
    for key in metadata.get("extra_arrays", []):
        if f"extra/{key}" not in arrays:
            raise CheckpointError(f"checkpoint {path!r}: extra array {key!r} is listed but missing")
        extra[key] = arrays[f"extra/{key}"]
    return extra
