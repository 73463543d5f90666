"""Data augmentation for image batches, under torchvision's names: ``Compose``,
``RandomAffine``, ``RandomRotation``, ``RandomCrop``, ``Lambda``.

    from minigrad import transforms
    from minigrad.datasets import MNIST, MEAN, STD

    augment = transforms.Compose([
        transforms.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1),
                                interpolation="bilinear", fill=-MEAN / STD),
    ])
    train_set = MNIST(train=True, transform=augment)   # as torchvision's datasets.MNIST
    for images, labels in DataLoader(train_set, batch_size=128, shuffle=True): ...

**The difference from torchvision: a transform takes a whole batch.** torchvision applies
a transform to one image at a time, in a Python loop over the batch (in the DataLoader's
workers). Here a transform takes an ``(N, C, H, W)`` batch -- a Tensor or a numpy array --
and draws **its own random parameters for every sample**, then transforms all of them at
once with array operations (an affine warp is one gather of the four neighbours of every
output pixel, over the whole batch), so augmenting costs a few milliseconds a batch and no
Python loop over images. A single ``(C, H, W)`` image works too, as a batch of one, which
is what torchvision does. (torchvision's v2 transforms also accept a batch, but apply the
*same* parameters to every image of it.)

How to use one with a ``DataLoader``:

* pass it as ``transform=`` to a dataset that takes one (``minigrad.datasets.MNIST``, as
  torchvision's): the ``DataLoader`` fetches each batch with one index array, and the
  dataset transforms the whole batch; indexing one sample transforms that sample;
* or call it on the batch in your loop: ``images = augment(images)``, for any dataset.

(A ``collate_fn`` would work too, but it makes the ``DataLoader`` read the dataset sample by
sample, as PyTorch does, which is the slow path here.)

The random parameters come from minigrad's generator (``mg.manual_seed`` makes them
repeatable), or from ``generator=`` (a ``minigrad.Generator`` or ``numpy.random.Generator``),
an argument torchvision's transforms do not have. They work on data, not on a graph: the
output is a new Tensor (or array) that tracks no gradient, of the input's shape and dtype
(integer images are rounded back to their dtype).
"""
import numbers

import numpy as np

from . import random as _random
from .tensor import Tensor

__all__ = ["Compose", "Lambda", "RandomAffine", "RandomRotation", "RandomCrop"]


class Compose:
    """Apply ``transforms`` one after the other, as ``torchvision.transforms.Compose``."""

    def __init__(self, transforms):
        if callable(transforms) or not isinstance(transforms, (list, tuple)):
            raise TypeError(f"Compose: transforms must be a list of transforms, got "
                            f"{type(transforms).__name__}")
        transforms = list(transforms)
        for i, t in enumerate(transforms):
            if not callable(t):
                raise TypeError(f"Compose: transform {i} must be callable, got "
                                f"{type(t).__name__}")
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"Compose({inner}\n)"


class Lambda:
    """A user function as a transform, as ``torchvision.transforms.Lambda``."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda: lambd must be callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return f"Lambda({self.lambd!r})"


# ---- checking arguments ----------------------------------------------------------------------
def _is_number(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _range(name, arg, value, least=None, symmetric_from=None):
    """``value`` as a (min, max) pair of floats: a single non-negative number ``d`` is
    ``(-d, d)`` (or ``(symmetric_from(d))``), a sequence must have two numbers, min <= max."""
    if _is_number(value):
        if value < 0:
            raise ValueError(f"{name}: if {arg} is a single number, it must be non-negative, "
                             f"got {value}")
        return (-float(value), float(value))
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(map(_is_number, value)):
        lo, hi = float(value[0]), float(value[1])
        if lo > hi:
            raise ValueError(f"{name}: {arg} must be (min, max) with min <= max, got {value}")
        if least is not None and lo < least:
            raise ValueError(f"{name}: {arg} values must be >= {least}, got {value}")
        return (lo, hi)
    raise TypeError(f"{name}: {arg} must be a number or a sequence of two numbers, "
                    f"got {value!r}")


def _fill(name, fill):
    if not _is_number(fill):
        raise TypeError(f"{name}: fill must be a number (one value for every channel), "
                        f"got {fill!r}")
    return float(fill)


def _interpolation(name, interpolation):
    mode = getattr(interpolation, "value", interpolation)     # an InterpolationMode-like enum
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"{name}: interpolation must be 'nearest' or 'bilinear', got "
                         f"{interpolation!r}")
    return mode


def _batch(name, img):
    """``img`` as an (N, C, H, W) numpy array, and how to give the result back in its form."""
    if isinstance(img, Tensor):
        if img.requires_grad:
            raise RuntimeError(f"{name}: the input requires grad; transforms work on data, not "
                               "on a graph (no gradient flows through them): pass "
                               "img.detach()")
        array, as_tensor = img.numpy(), True
    elif isinstance(img, np.ndarray):
        array, as_tensor = img, False
    else:
        raise TypeError(f"{name}: expected a Tensor or numpy array of images, got "
                        f"{type(img).__name__}")
    if array.ndim not in (3, 4):
        raise ValueError(f"{name}: expected a batch (N, C, H, W) or one image (C, H, W), got "
                         f"shape {tuple(array.shape)}")
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{name}: expected images of a real dtype, got {array.dtype}")
    single = array.ndim == 3

    def back(out):
        out = out[0] if single else out
        return Tensor.wrap(out, None) if as_tensor else out

    return (array[None] if single else array), back


# ---- the affine warp, vectorised over the batch ------------------------------------------------
def _inverse_matrices(angle, translate, scale, shear):
    """Per sample, the 2 x 3 matrix mapping an output pixel's (x, y), relative to the image
    centre, to the point of the input it is read from: torchvision's
    ``_get_inverse_affine_matrix`` (rotation R(angle) x scale x shear-y x shear-x, then the
    translation), for arrays of parameters. Angles in degrees, clockwise for positive (as
    ``torchvision.transforms.functional.affine``); ``translate`` (N, 2) in pixels (x, y);
    ``shear`` (N, 2) in degrees."""
    rot = np.radians(angle)
    sx, sy = np.radians(shear[:, 0]), np.radians(shear[:, 1])
    a = np.cos(rot - sy) / np.cos(sy)
    b = -np.cos(rot - sy) * np.tan(sx) / np.cos(sy) - np.sin(rot)
    c = np.sin(rot - sy) / np.cos(sy)
    d = -np.sin(rot - sy) * np.tan(sx) / np.cos(sy) + np.cos(rot)
    m = np.stack([d, -b, -c, a], axis=1).reshape(-1, 2, 2) / scale[:, None, None]
    t = -(m @ translate[:, :, None])                       # input = m (out - translate)
    return np.concatenate([m, t], axis=2)


def affine(img, angle, translate, scale, shear, interpolation="nearest", fill=0.0):
    """Warp each image of the batch ``img`` (N, C, H, W) by its own affine transform about the
    image centre: ``angle`` (N,) degrees clockwise, ``translate`` (N, 2) pixels (x right, y
    down), ``scale`` (N,), ``shear`` (N, 2) degrees (x, y) -- torchvision's
    ``functional.affine`` with one set of parameters per image. Each output pixel reads the
    input at its inverse-mapped point, by ``'nearest'`` or ``'bilinear'`` interpolation;
    points outside the image read ``fill``. A numpy array in, a numpy array out."""
    n, channels, h, w = img.shape
    m = _inverse_matrices(np.asarray(angle, np.float64), np.asarray(translate, np.float64),
                          np.asarray(scale, np.float64), np.asarray(shear, np.float64))
    # output pixel centres relative to the image centre, mapped into the input; +1 for the
    # ring of fill padded around it, so reading outside the image reads fill
    xs = np.arange(w) - (w - 1) / 2
    ys = (np.arange(h) - (h - 1) / 2)[:, None]
    src_x = m[:, 0, 0, None, None] * xs + m[:, 0, 1, None, None] * ys + m[:, 0, 2, None, None] \
        + (w - 1) / 2 + 1
    src_y = m[:, 1, 0, None, None] * xs + m[:, 1, 1, None, None] * ys + m[:, 1, 2, None, None] \
        + (h - 1) / 2 + 1
    work = img if img.dtype.kind == "f" else img.astype(np.float32)
    padded = np.pad(work, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=fill)
    row = w + 2
    flat = padded.reshape(-1)
    # where each (sample, channel) starts in the flat padded batch: (N, C, 1, 1)
    starts = np.arange(n * channels).reshape(n, channels, 1, 1) * ((h + 2) * row)

    if interpolation == "nearest":
        ix = np.clip(np.rint(src_x), 0, w + 1).astype(np.intp)
        iy = np.clip(np.rint(src_y), 0, h + 1).astype(np.intp)
        out = flat.take((iy * row + ix)[:, None] + starts)
    else:
        x0 = np.clip(np.floor(src_x), 0, w)
        y0 = np.clip(np.floor(src_y), 0, h)
        wx = np.clip(src_x - x0, 0, 1).astype(work.dtype)[:, None]   # (N, 1, H, W)
        wy = np.clip(src_y - y0, 0, 1).astype(work.dtype)[:, None]
        top_left = (y0.astype(np.intp) * row + x0.astype(np.intp))[:, None] + starts
        # the four neighbours, each one gather over the whole batch, blended linearly
        top_l, top_r = flat.take(top_left), flat.take(top_left + 1)
        bottom_l, bottom_r = flat.take(top_left + row), flat.take(top_left + row + 1)
        top = top_l + (top_r - top_l) * wx
        bottom = bottom_l + (bottom_r - bottom_l) * wx
        out = top + (bottom - top) * wy
    return _as_dtype(out, img.dtype)


def _as_dtype(out, dtype):
    if out.dtype == dtype:
        return out
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(np.rint(out), info.min, info.max).astype(dtype)
    if dtype.kind == "b":
        return out >= 0.5
    return out.astype(dtype)


class RandomAffine:
    """``RandomAffine(degrees, translate=None, scale=None, shear=None,
    interpolation='nearest', fill=0, generator=None)``: a random affine transform of each
    image about its centre, as ``torchvision.transforms.RandomAffine``, with parameters drawn
    per sample of the batch:

    * ``degrees``: the rotation angle is drawn from ``(-degrees, degrees)``, or from
      ``(min, max)``; clockwise for positive angles, as torchvision's ``affine``;
    * ``translate=(a, b)``: shifts of up to ``a * width`` and ``b * height`` pixels, drawn
      and rounded to whole pixels (as torchvision);
    * ``scale=(lo, hi)``: a zoom factor drawn from it;
    * ``shear``: a shear angle along x drawn from ``(-shear, shear)`` or ``(min, max)``;
      four numbers also draw one along y;
    * ``interpolation``: ``'nearest'`` (torchvision's default) or ``'bilinear'``
      (torchvision's ``InterpolationMode`` values); ``fill``: the value of pixels that come
      from outside the image (for normalised images, the normalised background).

    torchvision's ``center`` argument is not supported (the centre is the image's)."""

    name = "RandomAffine"

    def __init__(self, degrees, translate=None, scale=None, shear=None,
                 interpolation="nearest", fill=0, generator=None):
        name = self.name
        self.degrees = _range(name, "degrees", degrees)
        if translate is not None:
            if not (isinstance(translate, (tuple, list)) and len(translate) == 2
                    and all(map(_is_number, translate))):
                raise TypeError(f"{name}: translate must be a sequence of two numbers "
                                f"(a, b), got {translate!r}")
            if not all(0 <= t <= 1 for t in translate):
                raise ValueError(f"{name}: translate values must be between 0 and 1, got "
                                 f"{translate}")
            translate = (float(translate[0]), float(translate[1]))
        self.translate = translate
        if scale is not None:
            if not (isinstance(scale, (tuple, list)) and len(scale) == 2
                    and all(map(_is_number, scale))):
                raise TypeError(f"{name}: scale must be a sequence of two numbers (lo, hi), "
                                f"got {scale!r}")
            if not 0 < scale[0] <= scale[1]:
                raise ValueError(f"{name}: scale values must be positive, with lo <= hi, got "
                                 f"{scale}")
            scale = (float(scale[0]), float(scale[1]))
        self.scale = scale
        if shear is not None:
            if isinstance(shear, (tuple, list)) and len(shear) == 4:
                shear = _range(name, "shear", shear[:2]) + _range(name, "shear", shear[2:])
            else:
                shear = _range(name, "shear", shear)
        self.shear = shear
        self.interpolation = _interpolation(name, interpolation)
        self.fill = _fill(name, fill)
        _random.numpy_generator(name, generator)           # checks its type
        self.generator = generator

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size, n=1, generator=None):
        """Draw the parameters of ``n`` samples, as torchvision's ``get_params`` does for one:
        ``(angle (n,), translations (n, 2), scale (n,), shear (n, 2))``, ``img_size`` being
        (width, height). Draws angles, then x and y shifts, scales, x and y shears."""
        rng = _random.numpy_generator("RandomAffine", generator)
        angle = rng.uniform(degrees[0], degrees[1], n)
        translations = np.zeros((n, 2))
        if translate is not None:
            for axis in range(2):
                most = translate[axis] * img_size[axis]
                translations[:, axis] = np.rint(rng.uniform(-most, most, n))
        scale = rng.uniform(*scale_ranges, n) if scale_ranges is not None else np.ones(n)
        shear = np.zeros((n, 2))
        if shears is not None:
            shear[:, 0] = rng.uniform(shears[0], shears[1], n)
            if len(shears) == 4:
                shear[:, 1] = rng.uniform(shears[2], shears[3], n)
        return angle, translations, scale, shear

    def __call__(self, img):
        batch, back = _batch(self.name, img)
        params = self.get_params(self.degrees, self.translate, self.scale, self.shear,
                                 (batch.shape[3], batch.shape[2]), len(batch), self.generator)
        return back(affine(batch, *params, interpolation=self.interpolation, fill=self.fill))

    def __repr__(self):
        parts = [f"degrees={self.degrees}"]
        parts += [f"{k}={getattr(self, k)}" for k in ("translate", "scale", "shear")
                  if getattr(self, k) is not None]
        return (f"{self.name}({', '.join(parts)}, interpolation={self.interpolation}, "
                f"fill={self.fill})")


class RandomRotation(RandomAffine):
    """``RandomRotation(degrees, interpolation='nearest', expand=False, center=None, fill=0,
    generator=None)``: rotate each image by an angle drawn from ``(-degrees, degrees)`` or
    ``(min, max)``, **counter-clockwise** for positive angles (as
    ``torchvision.transforms.RandomRotation``, whose angles run the other way from
    ``RandomAffine``'s). ``expand=True`` and ``center`` are not supported."""

    name = "RandomRotation"

    def __init__(self, degrees, interpolation="nearest", expand=False, center=None, fill=0,
                 generator=None):
        if expand:
            raise ValueError("RandomRotation: expand=True is not supported (the output keeps "
                             "the input's size), got expand=True")
        if center is not None:
            raise ValueError(f"RandomRotation: center is not supported (rotations are about "
                             f"the image centre), got center={center!r}")
        super().__init__(degrees, interpolation=interpolation, fill=fill, generator=generator)
        lo, hi = self.degrees
        self.degrees = (-hi, -lo)      # counter-clockwise = RandomAffine's negative angles

    def __repr__(self):
        lo, hi = self.degrees
        return (f"RandomRotation(degrees={(-hi, -lo)}, interpolation={self.interpolation}, "
                f"fill={self.fill})")


# ---- cropping --------------------------------------------------------------------------------
def _size(name, size):
    if _is_number(size) and int(size) == size:
        size = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) == 1 and _is_number(size[0]):
        size = (int(size[0]), int(size[0]))
    elif not (isinstance(size, (tuple, list)) and len(size) == 2
              and all(_is_number(s) and int(s) == s for s in size)):
        raise TypeError(f"{name}: size must be an int or a sequence (h, w) of two ints, got "
                        f"{size!r}")
    if min(size) <= 0:
        raise ValueError(f"{name}: size must be positive, got {size}")
    return (int(size[0]), int(size[1]))


def _padding(name, padding):
    """torchvision's padding forms as (left, top, right, bottom)."""
    if padding is None:
        return (0, 0, 0, 0)
    if _is_number(padding):
        padding = (padding,)
    if not (isinstance(padding, (tuple, list)) and len(padding) in (1, 2, 4)
            and all(_is_number(p) and int(p) == p for p in padding)):
        raise TypeError(f"{name}: padding must be an int or a sequence of 1, 2 or 4 ints, "
                        f"got {padding!r}")
    if min(padding) < 0:
        raise ValueError(f"{name}: padding must be non-negative, got {padding}")
    padding = [int(p) for p in padding]
    if len(padding) == 1:
        return tuple(padding * 4)
    if len(padding) == 2:
        return tuple(padding * 2)
    return tuple(padding)


class RandomCrop:
    """``RandomCrop(size, padding=None, pad_if_needed=False, fill=0, padding_mode='constant',
    generator=None)``: pad each image (``padding``: one int for every side, (left/right,
    top/bottom), or (left, top, right, bottom)), then cut a ``size`` crop at a random place
    drawn per sample, as ``torchvision.transforms.RandomCrop``. ``RandomCrop(28, padding=2)``
    on 28 x 28 images is a random shift of up to 2 pixels each way. ``padding_mode``:
    ``'constant'`` (with ``fill``), ``'edge'``, ``'reflect'`` or ``'symmetric'``."""

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0,
                 padding_mode="constant", generator=None):
        self.size = _size("RandomCrop", size)
        self.padding = _padding("RandomCrop", padding)
        self.pad_if_needed = bool(pad_if_needed)
        self.fill = _fill("RandomCrop", fill)
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"RandomCrop: padding_mode must be 'constant', 'edge', 'reflect' "
                             f"or 'symmetric', got {padding_mode!r}")
        self.padding_mode = padding_mode
        _random.numpy_generator("RandomCrop", generator)
        self.generator = generator

    def _pad(self, batch, left, top, right, bottom):
        if not any((left, top, right, bottom)):
            return batch
        widths = ((0, 0), (0, 0), (top, bottom), (left, right))
        if self.padding_mode == "constant":
            return np.pad(batch, widths, constant_values=np.asarray(self.fill).astype(batch.dtype))
        return np.pad(batch, widths, mode=self.padding_mode)

    def __call__(self, img):
        batch, back = _batch("RandomCrop", img)
        batch = self._pad(batch, *self.padding)
        th, tw = self.size
        h, w = batch.shape[2:]
        if self.pad_if_needed and (h < th or w < tw):    # as torchvision: both sides
            dx, dy = max(tw - w, 0), max(th - h, 0)
            batch = self._pad(batch, dx, dy, dx, dy)
            h, w = batch.shape[2:]
        if h < th or w < tw:
            raise ValueError(f"RandomCrop: the crop size {(th, tw)} is larger than the padded "
                             f"image {(h, w)}")
        n = len(batch)
        rng = _random.numpy_generator("RandomCrop", self.generator)
        top = rng.integers(0, h - th + 1, n)
        left = rng.integers(0, w - tw + 1, n)
        windows = np.lib.stride_tricks.sliding_window_view(batch, (th, tw), axis=(2, 3))
        # windows: (N, C, h - th + 1, w - tw + 1, th, tw); each sample takes its own window
        return back(np.ascontiguousarray(windows[np.arange(n), :, top, left]))

    def __repr__(self):
        return (f"RandomCrop(size={self.size}, padding={self.padding}, "
                f"padding_mode={self.padding_mode}, fill={self.fill})")
