"""MNIST, read from its original gzip'ed IDX files with nothing but gzip and numpy.

    train = mg.datasets.MNIST(train=True)        # .data (60000, 1, 28, 28) float32, normalised
    images, labels = mg.datasets.load_mnist(train=False)   # the same as numpy arrays

Where the files are (``root``): the argument if given, else ``$MINIGRAD_MNIST`` (the
directory holding the four files), else ``$MINIGRAD_DATA/mnist``, else the repository's own
``datasets/mnist`` (shipped with minigrad, so a fresh clone trains offline), or
``~/.cache/minigrad/mnist`` when minigrad is installed without its repository.

Every file is verified before use: its SHA-256 must be that of the copy shipped in
``datasets/mnist`` or of the original upstream file, or else its decompressed content must
have the SHA-256 of the genuine IDX data (so a differently compressed copy is fine). The
checksums are those of ``datasets/mnist/SHA256SUMS`` and ``SHA256SUMS.uncompressed``, kept
here too so that any root is verified (a test keeps the two in agreement). A missing,
truncated or corrupt file raises an error naming the file and the problem, never garbage.

Missing files are downloaded when ``download=True`` (or ``MINIGRAD_DOWNLOAD=1``), from the
mirrors in ``MIRRORS``, verified, and written atomically. Decoded arrays are cached per
process (read-only, shared), so loading twice decodes once and costs no extra memory.
"""
import gzip
import hashlib
import os
import urllib.request
import zlib
from pathlib import Path

import numpy as np

from .data import Dataset
from .serialization import atomic_open
from .tensor import Tensor

MEAN, STD = 0.1307, 0.3081   # of the training pixels scaled to [0, 1]; used to normalise

FILES = {   # train -> (images, labels)
    True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

# SHA-256 of the .gz files: (the copy shipped in datasets/mnist, the upstream original)
GZ_SHA256 = {
    "train-images-idx3-ubyte.gz": ("0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
                                   "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train-labels-idx1-ubyte.gz": ("1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
                                   "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "t10k-images-idx3-ubyte.gz": ("1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be",
                                  "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "t10k-labels-idx1-ubyte.gz": ("b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b",
                                  "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
}
# SHA-256 of the decompressed IDX files, which does not depend on how they were compressed
IDX_SHA256 = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

# Tried in order; each is a URL prefix to which the file name is appended.
MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]

_cache = {}   # (images file, labels file, normalize) -> (images, labels), read-only


class DatasetError(RuntimeError):
    """A dataset file is corrupt, truncated, or not what it claims to be."""


# ---- where the files are ---------------------------------------------------------------------
def default_root():
    if os.environ.get("MINIGRAD_MNIST"):
        return Path(os.environ["MINIGRAD_MNIST"])
    if os.environ.get("MINIGRAD_DATA"):
        return Path(os.environ["MINIGRAD_DATA"]) / "mnist"
    repo = Path(__file__).resolve().parent.parent / "datasets" / "mnist"
    return repo if repo.is_dir() else Path.home() / ".cache" / "minigrad" / "mnist"


def _missing_message(path):
    return (f"MNIST file {path} is missing. Get it with "
            f"mg.datasets.MNIST(root='{path.parent}', download=True) (or set MINIGRAD_DOWNLOAD=1), "
            f"or copy {path.name} from one of {MIRRORS} into that directory; "
            f"or point MINIGRAD_MNIST at a directory that has the four files.")


# ---- reading and checking one file -----------------------------------------------------------
def _verified_content(name, raw, source):
    """The decompressed IDX bytes of ``raw`` (the bytes of the .gz file ``name``), after
    checking they are genuine; raises DatasetError saying what is wrong."""
    digest = hashlib.sha256(raw).hexdigest()
    try:
        content = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:    # BadGzipFile is an OSError
        raise DatasetError(
            f"{source} is truncated or corrupt ({len(raw)} bytes): gzip cannot decompress it "
            f"({e}). Its SHA-256 is {digest}, expected {GZ_SHA256[name][0]}.") from None
    if digest in GZ_SHA256[name]:
        return content            # a known file: its content is known to be right
    content_digest = hashlib.sha256(content).hexdigest()
    if content_digest != IDX_SHA256[name]:
        raise DatasetError(
            f"{source} is corrupt: checksum mismatch. Its SHA-256 is {digest}, expected "
            f"{GZ_SHA256[name][0]} (or the upstream {GZ_SHA256[name][1]}); decompressed, "
            f"{content_digest}, expected {IDX_SHA256[name]}.")
    return content


def parse_idx(content, source="IDX data"):
    """The array in an IDX file's bytes (``content``, decompressed): magic number
    ``0 0 <type> <ndim>``, ``ndim`` big-endian uint32 sizes, then the values. Only unsigned
    bytes (type 0x08), MNIST's type, are supported. Returns a read-only uint8 array."""
    if len(content) < 4 or content[0] != 0 or content[1] != 0:
        raise DatasetError(f"{source}: not an IDX file (the magic number must start with two "
                           f"zero bytes, got {content[:4].hex() or 'nothing'})")
    if content[2] != 0x08:
        raise DatasetError(f"{source}: IDX data type 0x{content[2]:02x} is not supported "
                           f"(only 0x08, unsigned byte)")
    ndim = content[3]
    header = 4 + 4 * ndim
    if len(content) < header:
        raise DatasetError(f"{source}: truncated IDX header ({len(content)} bytes)")
    shape = tuple(int(s) for s in np.frombuffer(content, ">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(content) != expected:
        raise DatasetError(f"{source}: IDX header says shape {shape}, i.e. {expected} bytes, "
                           f"but the data has {len(content)} bytes")
    return np.frombuffer(content, np.uint8, offset=header).reshape(shape)


def _file_key(path):
    """Identifies a file's current version, so a replaced file is read again."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(_missing_message(path)) from None
    return str(path.resolve()), st.st_size, st.st_mtime_ns


def _read(path, kind):
    """The verified, decoded array of one MNIST file (read-only uint8)."""
    try:
        content = _verified_content(path.name, path.read_bytes(), str(path))
    except DatasetError as e:
        raise DatasetError(f"{e} Delete it and get it again: mg.datasets.MNIST(root="
                           f"'{path.parent}', download=True).") from None
    array = parse_idx(content, str(path))
    magic = int.from_bytes(content[:4], "big")
    want_magic, want_dims = (2051, 3) if kind == "images" else (2049, 1)
    if magic != want_magic or array.ndim != want_dims or \
            (kind == "images" and array.shape[1:] != (28, 28)):
        raise DatasetError(f"{path}: expected MNIST {kind} (magic {want_magic}, "
                           f"{want_dims} dims), got magic {magic} and shape {array.shape}")
    return array


# ---- downloading -------------------------------------------------------------------------------
def download_file(name, root, timeout=60):
    """Fetch ``name`` from the first mirror in ``MIRRORS`` that serves a genuine copy,
    verify it, and write it atomically to ``root/name``."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    failures = []
    for mirror in MIRRORS:
        url = mirror.rstrip("/") + "/" + name
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                raw = response.read()
            _verified_content(name, raw, f"the download {url}")
        except (OSError, DatasetError) as e:      # URLError and HTTPError are OSErrors
            failures.append(f"  {url}: {e}")
            continue
        with atomic_open(root / name) as f:
            f.write(raw)
        return root / name
    raise DatasetError(f"could not download a genuine {name} from any mirror:\n" + "\n".join(failures))


# ---- the public API --------------------------------------------------------------------------
def load_mnist(root=None, train=True, download=False, normalize=True):
    """``(images, labels)`` as numpy arrays: images ``(N, 1, 28, 28)`` (N = 60000 for
    ``train``, else 10000), float32 ``(pixel / 255 - MEAN) / STD`` if ``normalize`` else the
    raw uint8 pixels; labels int64 in 0..9. See the module docstring for ``root`` and
    ``download``.

    The arrays are cached for the process and shared between calls, so they are read-only:
    copy them (``np.array(images)``) to modify them in place."""
    root = Path(root) if root is not None else default_root()
    allow_download = download or os.environ.get("MINIGRAD_DOWNLOAD", "") not in ("", "0")
    paths = [root / name for name in FILES[bool(train)]]
    for path in paths:
        if allow_download and not path.exists():
            download_file(path.name, root)
    key = (_file_key(paths[0]), _file_key(paths[1]), bool(normalize))
    if key not in _cache:
        _cache[key] = _decode(*paths, normalize)
    return _cache[key]


def _decode(images_path, labels_path, normalize):
    images = _read(images_path, "images")
    labels = _read(labels_path, "labels")
    if len(images) != len(labels):
        raise DatasetError(f"{images_path} has {len(images)} images but {labels_path} has "
                           f"{len(labels)} labels")
    if labels.max(initial=0) > 9:
        raise DatasetError(f"{labels_path}: labels must be digits 0..9, found {labels.max()}")
    images = images.reshape(-1, 1, 28, 28)
    if normalize:
        images = images.astype(np.float32)
        images -= np.float32(255 * MEAN)      # (pixel / 255 - MEAN) / STD, in float32 passes
        images *= np.float32(1 / (255 * STD))
        images.flags.writeable = False
    labels = labels.astype(np.int64)
    labels.flags.writeable = False
    return images, labels


def _tensor(array):
    """A Tensor over ``array`` (no copy) that tracks no gradient."""
    return Tensor.wrap(array, None)


def _index_array(index):
    """An index as numpy understands it (a Tensor of indices becomes its array)."""
    return index.numpy() if isinstance(index, Tensor) else index


class MNIST(Dataset):
    """The MNIST digits as a Dataset: ``.data`` float32 ``(N, 1, 28, 28)`` normalised with
    mean 0.1307 and std 0.3081, ``.targets`` int64 labels. ``dataset[i]`` is ``(image Tensor
    (1, 28, 28), int label)``; an index array gives a batch ``(images, labels)`` of Tensors,
    so a ``DataLoader`` fetches each batch with one indexing.

    ``transform`` (e.g. ``minigrad.transforms.RandomAffine``) is applied to the images and
    ``target_transform`` to the labels, as torchvision's arguments: to one image
    ``(1, 28, 28)`` and its int label for ``dataset[i]``, and to the whole batch ``(N, 1, 28,
    28)`` and its label Tensor for an index array -- so a ``DataLoader`` augments each batch
    with one call, with random parameters per image (see ``minigrad.transforms``).

    Differences from torchvision: ``.data`` is already float and normalised (torchvision keeps
    uint8 ``(N, 28, 28)`` and applies ``transform`` per sample, to a PIL image), so a
    transform's ``fill`` for the background is ``-MEAN / STD``; ``.data`` and ``.targets`` are
    read-only arrays shared by every load in the process."""

    accepts_index_arrays = True

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False):
        for arg, f in (("transform", transform), ("target_transform", target_transform)):
            if f is not None and not callable(f):
                raise TypeError(f"MNIST: {arg} must be callable or None, got "
                                f"{type(f).__name__}")
        self.root = Path(root) if root is not None else default_root()
        self.train = bool(train)
        self.transform, self.target_transform = transform, target_transform
        self.data, self.targets = load_mnist(self.root, self.train, download)

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        index = _index_array(index)
        if np.ndim(index) == 0:
            image, target = _tensor(self.data[index]), int(self.targets[index])
        else:
            image, target = _tensor(self.data[index]), _tensor(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def tensors(self):
        """``(images, labels)`` as Tensors over the whole split (no copy)."""
        return _tensor(self.data), _tensor(self.targets)

    def __repr__(self):
        return (f"Dataset MNIST\n    Number of datapoints: {len(self)}\n"
                f"    Root location: {self.root}\n    Split: {'Train' if self.train else 'Test'}")


# ---- moving digits: clips for 3-D convolutions -----------------------------------------------
DIRECTIONS = np.array([(0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1), (1, 0), (1, 1)])
DIRECTIONS.flags.writeable = False
DIRECTION_NAMES = ("right", "up-right", "up", "up-left", "left", "down-left", "down", "down-right")
PATCH = 20   # MNIST's digits are size-normalised into a 20x20 box (the 28x28 images add a margin)

_patch_cache = {}   # id of a split's raw image array -> (its digits cut to PATCH x PATCH, image)


def digit_patches(images):
    """Every digit of ``images`` (N, 1, 28, 28) uint8, cut out as a ``PATCH`` x ``PATCH``
    patch centred on the digit's bounding box (which MNIST keeps within 20x20, so no ink is
    lost). Vectorised: one bounding-box computation and one gather. Returns (N, 20, 20)."""
    images = images.reshape(len(images), 28, 28)
    ink_rows, ink_cols = images.any(axis=2), images.any(axis=1)       # (N, 28) each

    def start(ink):   # first row (column) of the window: the box centred, kept inside 0..8
        first = ink.argmax(axis=1)
        last = 27 - ink[:, ::-1].argmax(axis=1)
        return np.clip((first + last + 1 - PATCH) // 2, 0, 28 - PATCH)

    r = start(ink_rows)[:, None, None] + np.arange(PATCH)[:, None]
    c = start(ink_cols)[:, None, None] + np.arange(PATCH)
    return images[np.arange(len(images))[:, None, None], r, c]


class MovingDigits(Dataset):
    """Clips of one MNIST digit moving in a straight line, for 3-D convolutions: each clip
    is ``frames`` frames of a ``size`` x ``size`` canvas in which one digit (its 20x20 box)
    moves by ``speed`` pixels per frame along each axis it moves on, in one of 8 directions,
    from a random start chosen so that it stays inside the canvas in every frame.

    Two labels per clip: the digit (``targets``, 0..9) and the direction of motion
    (``directions``, 0..7: ``DIRECTION_NAMES[k]``, ``k`` times 45 degrees anticlockwise
    from "right"; the digit moves by ``speed * DIRECTIONS[k]`` (rows, columns) per frame).
    No single frame tells the direction.

    ``dataset[i]`` is ``(clip Tensor (1, frames, size, size), (digit, direction))``; an
    index array gives a batch ``(clips (n, 1, T, H, W), (digits, directions))`` of Tensors,
    so a ``DataLoader`` fetches a batch with one call. Pixels are normalised as ``MNIST``'s
    (``(pixel / 255 - MEAN) / STD``, so the background is ``-MEAN / STD``).

    Deterministic: everything about clip ``i`` -- its digit (``source[i]``, an index into
    the MNIST split: the training split for ``train=True``, the test split otherwise),
    direction and start (``starts[i]``, the top-left corner of the digit's box in the first
    frame) -- is drawn from ``seed`` when the dataset is made. ``num_clips`` defaults to the
    split's size, one clip per digit (clip ``i`` shows digit ``i % len(split)``). Clips are
    rendered when indexed, in one vectorised pass per batch (``render``), so that tens of
    thousands of clips cost only their labels in memory.

    Not torchvision's ``MovingMNIST`` (Srivastava et al., 2015: a fixed download of 10,000
    sequences of two digits bouncing in 64x64 frames, made for predicting frames)."""

    accepts_index_arrays = True

    def __init__(self, root=None, train=True, frames=8, size=32, speed=1, num_clips=None,
                 seed=0, download=False):
        for name, value, least in (("frames", frames, 1), ("size", size, PATCH),
                                   ("speed", speed, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
                raise ValueError(f"MovingDigits: {name} must be an int >= {least}, got {value!r}")
        room = size - PATCH          # how far the digit's box can move along each axis
        if speed * (frames - 1) > room:
            raise ValueError(
                f"MovingDigits: a digit moving {speed} pixel(s) per frame for {frames} frames "
                f"travels {speed * (frames - 1)} pixels, more than the {room} a {PATCH}x{PATCH} "
                f"digit has in a {size}x{size} canvas; use fewer frames, a lower speed or a "
                f"larger size")
        self.root = Path(root) if root is not None else default_root()
        self.train, self.frames, self.size, self.speed = bool(train), frames, size, speed
        self.seed = seed
        raw, labels = load_mnist(self.root, self.train, download, normalize=False)
        key = id(raw)
        if _patch_cache.get(key, (None, None))[1] is not raw:
            patches = digit_patches(raw)
            patches.flags.writeable = False
            _patch_cache[key] = (patches, raw)   # holding raw keeps its id from being reused
        self.patches = _patch_cache[key][0]
        n = len(labels) if num_clips is None else int(num_clips)
        if n < 1:
            raise ValueError(f"MovingDigits: num_clips must be positive, got {num_clips!r}")

        rng = np.random.default_rng([int(seed), int(self.train)])
        self.source = np.arange(n) % len(labels)
        self.targets = labels[self.source]
        self.directions = rng.integers(0, len(DIRECTIONS), size=n)
        travel = speed * (frames - 1) * DIRECTIONS[self.directions]         # (n, 2)
        low = np.maximum(0, -travel)               # the start keeps the whole path inside
        high = room - np.maximum(0, travel)
        self.starts = low + rng.integers(0, high - low + 1)
        for a in (self.source, self.targets, self.directions, self.starts):
            a.flags.writeable = False

    def __len__(self):
        return len(self.targets)

    def positions(self, index=slice(None)):
        """Top-left corner (row, column) of the digit's box in every frame of the clips
        ``index``: (n, frames, 2) ints, ``starts + t * speed * DIRECTIONS[direction]``."""
        t = np.arange(self.frames)[:, None]
        velocity = self.speed * DIRECTIONS[self.directions[index]]
        return self.starts[index][..., None, :] + t * velocity[..., None, :]

    def render(self, index=slice(None), normalize=True):
        """The clips ``index`` as one numpy array (n, 1, frames, size, size): float32
        normalised like ``MNIST`` if ``normalize``, else the raw uint8 pixels. One fancy-index
        assignment writes every frame of every clip (no Python loop over clips or pixels)."""
        index = np.arange(len(self))[index] if isinstance(index, slice) else np.asarray(index)
        pos = self.positions(index)                                           # (n, T, 2)
        n, T, S = len(index), self.frames, self.size
        canvas = np.zeros((n, T, S, S), np.uint8)
        ramp = np.arange(PATCH)
        rows = pos[:, :, 0, None, None] + ramp[:, None]                       # (n, T, 20, 1)
        cols = pos[:, :, 1, None, None] + ramp                                # (n, T, 1, 20)
        canvas[np.arange(n)[:, None, None, None], np.arange(T)[:, None, None], rows, cols] = \
            self.patches[self.source[index]][:, None]
        canvas = canvas.reshape(n, 1, T, S, S)
        if not normalize:
            return canvas
        clips = canvas.astype(np.float32)
        clips *= np.float32(1 / (255 * STD))      # (pixel / 255 - MEAN) / STD, as MNIST
        clips -= np.float32(MEAN / STD)
        return clips

    def __getitem__(self, index):
        index = _index_array(index)
        if np.ndim(index) == 0:
            i = int(np.arange(len(self))[index])          # a negative index counts from the end
            return _tensor(self.render([i])[0]), (int(self.targets[i]), int(self.directions[i]))
        index = np.arange(len(self))[index]
        return _tensor(self.render(index)), (_tensor(self.targets[index]),
                                             _tensor(self.directions[index]))

    def __repr__(self):
        return (f"Dataset MovingDigits\n    Number of datapoints: {len(self)}\n"
                f"    Clips: {self.frames} frames of {self.size}x{self.size}, speed "
                f"{self.speed} pixel(s) per frame, seed {self.seed}\n"
                f"    Root location: {self.root}\n    Split: {'Train' if self.train else 'Test'}")
