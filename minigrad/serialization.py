"""``save(obj, path)`` and ``load(path)``: checkpoints as a numpy ``.npz`` archive.

Format: every array becomes one entry of the archive, named after where it sits in the
object (``conv1.weight``, ``state.0.exp_avg``), so ``np.load(path)`` shows the weights
without minigrad; the entry ``__minigrad__`` holds a JSON description of the object with
each array replaced by a reference to its entry. So besides arrays and Tensors a checkpoint
may hold dicts (with str, int, float, bool, None or tuple keys), lists, tuples, str, int,
float, bool and None -- a module's state_dict, an optimizer's ``state_dict()`` with its param
groups and per-parameter state, an epoch counter. No pickle: loading runs no code.

``load`` returns the same kinds of values that were saved: numpy arrays come back as numpy
arrays, Tensors as Tensors (with ``requires_grad``), tuples as tuples, int keys as ints. So
``model.load_state_dict(mg.load(path))`` gets exactly what ``model.state_dict()`` gave.

Writing is atomic: the archive goes to a temporary file in the target's directory, is
flushed and fsync'ed, then renamed over the target with ``os.replace``. An error while
saving leaves the previous checkpoint intact and no temporary file behind; a process killed
mid-save leaves its temporary file, which the next save of the same path removes.

Reading trusts nothing: every archive entry's CRC is checked, every array's declared shape
is checked against the bytes it holds before anything is allocated, and any way a damaged
file fails to parse becomes one error, "checkpoint ... is damaged", naming the file.
"""
import contextlib
import json
import os
import tempfile
import zipfile

import numpy as np

from .tensor import Tensor

FORMAT = "minigrad-checkpoint"
VERSION = 1
HEADER = "__minigrad__"   # the archive entry holding the JSON description
# Names an array may not have in the archive: the header's, and np.savez's own parameters
# (the arrays are passed to it as keyword arguments).
_RESERVED = {HEADER, "file", "allow_pickle"}


# ---- atomic writes ---------------------------------------------------------------------------
@contextlib.contextmanager
def atomic_open(path):
    """``with atomic_open(path) as f: f.write(...)``: a binary file object that replaces
    ``path`` only when the block finishes without an exception."""
    path = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot write '{path}': directory '{directory}' does not exist")
    mode = _file_mode(path)
    _remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())     # the data is on disk before the rename makes it visible
        os.chmod(tmp, mode)
        os.replace(tmp, path)        # atomic: readers see the old file or the new one
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)      # make the rename itself durable


def _remove_stale_temporaries(path):
    """Remove the temporary files of earlier saves of ``path`` that never finished (a process
    killed mid-save leaves one behind; ``atomic_open`` removes its own on any error). Saving
    one path from two processes at once is not supported: the other save then fails with an
    error at its rename, it does not corrupt anything."""
    directory, name = os.path.split(path)
    prefix = "." + name + "."
    with contextlib.suppress(OSError):
        for entry in os.listdir(directory):
            if entry.startswith(prefix) and entry.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(directory, entry))


def _file_mode(path):
    """Keep an existing file's permissions; new files get the usual 0o666 minus the umask
    (mkstemp would leave 0o600). os.umask can only be read by setting it, hence two calls."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_directory(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:       # e.g. Windows cannot open directories; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---- save ------------------------------------------------------------------------------------
def save(obj, path):
    """Write ``obj`` (a state dict, an optimizer state_dict, nested dicts/lists of arrays,
    Tensors and plain values) to ``path`` atomically. The file name is used as given
    (numpy would append ``.npz``; minigrad does not)."""
    arrays = {}
    tree = _encode(obj, arrays, "")
    header = json.dumps({"format": FORMAT, "version": VERSION, "object": tree})
    with atomic_open(path) as f:
        np.savez(f, **{HEADER: np.array(header)}, **arrays)


def _encode(value, arrays, name):
    """The JSON-able description of ``value``; arrays go into ``arrays`` under a name."""
    if isinstance(value, Tensor):
        return {"__tensor__": _add_array(arrays, name, value._array),
                "requires_grad": value.requires_grad}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": _add_array(arrays, name, value)}
    if isinstance(value, np.generic):           # a numpy scalar such as np.float32(0.5)
        return {"__npscalar__": _add_array(arrays, name, np.asarray(value))}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            if not (k is None or isinstance(k, (bool, int, float, str, tuple))):
                raise TypeError(f"mg.save: cannot save a dict key of type {type(k).__name__} "
                                f"(at '{name}'); keys must be str, int, float, bool, None or tuple")
            items.append([_encode(k, arrays, name), _encode(v, arrays, _join(name, k))])
        return {"__dict__": items}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, arrays, _join(name, i)) for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, arrays, _join(name, i)) for i, v in enumerate(value)]
    raise TypeError(f"mg.save: cannot save a value of type {type(value).__name__} (at "
                    f"'{name or '<root>'}'); a checkpoint holds arrays, Tensors, dicts, lists, "
                    f"tuples, str, int, float, bool and None")


def _join(name, key):
    key = "_".join(map(str, key)) if isinstance(key, tuple) else str(key)
    return f"{name}.{key}" if name else key


def _add_array(arrays, name, array):
    if array.dtype.hasobject:
        raise TypeError(f"mg.save: the array at '{name}' has dtype object, which cannot be "
                        f"saved without pickle; convert it to a numeric dtype")
    name = name or "array"
    unique, n = name, 1
    while unique in arrays or unique in _RESERVED:   # e.g. key "a.b" and nested a -> b
        unique, n = f"{name}~{n}", n + 1
    arrays[unique] = array
    return unique


# ---- load ------------------------------------------------------------------------------------
def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None):
    """Read a checkpoint written by ``save``; returns the same kinds of values that were
    saved (numpy arrays stay numpy arrays, Tensors come back as Tensors).

    PyTorch's arguments are accepted where they mean something here:

    * ``weights_only``: minigrad checkpoints hold data only and loading never unpickles
      code, so every load is what PyTorch calls ``weights_only=True``. ``False`` is
      accepted and changes nothing (there is no code to allow).
    * ``map_location``: everything loads onto the CPU, the only device, so None, ``'cpu'``,
      ``'cpu:0'``, a CPU device object, or a dict mapping devices to the CPU
      (``{'cuda:0': 'cpu'}``) are accepted; any other device is an error.
    * ``pickle_module`` must be None and ``mmap`` None or False (no pickle, no memory map).
    """
    _check_load_options(map_location, pickle_module, weights_only, mmap)
    if not isinstance(f, (str, bytes, os.PathLike)):
        raise TypeError(f"mg.load: expected a file path, got {type(f).__name__}")
    path = os.fspath(f)
    if not os.path.exists(path):
        raise FileNotFoundError(f"mg.load: no such file: '{path}'")
    if os.path.isdir(path):
        raise IsADirectoryError(f"mg.load: '{path}' is a directory, not a checkpoint file")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"mg.load: '{path}' is not a minigrad checkpoint (not an .npz archive; "
                         f"a truncated checkpoint looks like this too)")
    try:
        _verify_archive(path)
        with np.load(path, allow_pickle=False) as archive:
            if HEADER not in archive.files:
                raise _NotACheckpoint(f"mg.load: '{path}' is a numpy .npz archive but not a "
                                      f"minigrad checkpoint (it has no '{HEADER}' entry); read "
                                      "it with np.load")
            header = json.loads(str(archive[HEADER]))
            if not isinstance(header, dict) or header.get("format") != FORMAT \
                    or not isinstance(header.get("version"), int) or header["version"] > VERSION:
                raise _NotACheckpoint(f"mg.load: '{path}' is not a {FORMAT} this minigrad can "
                                      f"read (version <= {VERSION}); its header begins "
                                      f"{str(header)[:80]!r}")
            return _decode(header["object"], archive)
    except _NotACheckpoint as e:
        raise ValueError(str(e)) from None
    except Exception as e:       # every way a damaged file can fail to parse, one message
        raise ValueError(f"mg.load: checkpoint '{path}' is damaged: {_describe(e)}") from e


class _NotACheckpoint(Exception):
    pass


def _describe(error):
    text = str(error)
    return f"{type(error).__name__}: {text[:200]}" if text else type(error).__name__


def _verify_archive(path):
    """Before anything is allocated: every archive entry passes its CRC check (zipfile checks
    a CRC only when an entry is read to the end), and every array's declared shape times its
    item size is exactly the data the entry holds (a flipped bit in a shape could otherwise
    ask for terabytes, or read as a smaller array)."""
    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        if bad is not None:
            raise ValueError(f"entry '{bad}' fails its CRC check")
        for info in z.infolist():
            if not info.filename.endswith(".npy"):
                raise ValueError(f"unexpected entry '{info.filename}'")
            with z.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                read = {(1, 0): np.lib.format.read_array_header_1_0,
                        (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                if read is None:
                    raise ValueError(f"entry '{info.filename}' has an unknown .npy version "
                                     f"{version}")
                shape, _, dtype = read(fh)
                start = fh.tell()
            if dtype.hasobject:
                raise ValueError(f"entry '{info.filename}' declares dtype object")
            size = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if start + size != info.file_size:
                raise ValueError(f"entry '{info.filename}' declares shape {shape} of {dtype} "
                                 f"({size} bytes) but holds {info.file_size - start} bytes")


def _is_cpu(device):
    """True for 'cpu', 'cpu:0' and device objects of type 'cpu' (``torch.device('cpu')``,
    minigrad's own)."""
    if not isinstance(device, str):
        device = getattr(device, "type", None)
        if not isinstance(device, str):
            return False
    return device.strip().split(":")[0] == "cpu"


def _check_load_options(map_location, pickle_module, weights_only, mmap):
    if weights_only is not None and not isinstance(weights_only, bool):
        raise TypeError(f"mg.load: weights_only must be True or False, got {weights_only!r}")
    if pickle_module is not None:
        raise ValueError("mg.load: pickle_module is not supported: minigrad checkpoints are "
                         ".npz archives read without pickle; pass pickle_module=None")
    if mmap:
        raise ValueError("mg.load: mmap=True is not supported for minigrad's .npz "
                         "checkpoints; pass mmap=None")
    if map_location is None or _is_cpu(map_location):
        return
    if isinstance(map_location, dict) and all(_is_cpu(v) for v in map_location.values()):
        return
    if callable(map_location):
        raise ValueError("mg.load: map_location as a function is not supported (minigrad "
                         "has no storages to map); everything loads onto the CPU, so pass "
                         "map_location='cpu' or None")
    raise ValueError(f"mg.load: map_location={map_location!r} asks for a device minigrad does not "
                     "have: it runs on the CPU only, and every checkpoint loads there; pass "
                     "map_location='cpu' or None")


def _decode(node, archive):
    if isinstance(node, list):
        return [_decode(v, archive) for v in node]
    if not isinstance(node, dict):
        return node
    if "__tensor__" in node:
        if not isinstance(node.get("requires_grad"), bool):
            raise ValueError(f"a tensor's requires_grad is {node.get('requires_grad')!r}")
        return Tensor(archive[node["__tensor__"]], requires_grad=node["requires_grad"])
    if "__ndarray__" in node:
        return archive[node["__ndarray__"]]
    if "__npscalar__" in node:
        return archive[node["__npscalar__"]][()]
    if "__tuple__" in node:
        return tuple(_decode(v, archive) for v in node["__tuple__"])
    if "__dict__" in node:
        return {_decode(k, archive): _decode(v, archive) for k, v in node["__dict__"]}
    raise KeyError(f"unknown entry {sorted(node)} in the checkpoint description")
