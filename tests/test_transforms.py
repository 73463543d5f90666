"""minigrad.transforms: batch transforms with per-sample parameters, held equal to a
written-out loop over the images (and over their pixels) with the same parameters; identity
parameters give the input back; shapes and dtypes are kept; bad arguments are clear errors;
MNIST's ``transform=`` augments the batches a DataLoader fetches."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import transforms as T
from minigrad.data import DataLoader
from minigrad.datasets import MNIST


def images(n=4, c=2, h=7, w=9, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal((n, c, h, w)).astype(dtype)


# ---- the reference: one image, one output pixel at a time -----------------------------------
def reference_affine(img, angle, translate, scale, shear, interpolation, fill):
    """torchvision's affine of one image (C, H, W), pixel by pixel: the output pixel at
    (x, y) reads the input at M^-1 ((x, y) - t), about the image centre, where M = scale x
    R(angle) x shear-y x shear-x (torchvision's RSS matrix)."""
    channels, h, w = img.shape
    a, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    rotation = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    shear_x = np.array([[1.0, -math.tan(sx)], [0.0, 1.0]])
    shear_y = np.array([[1.0, 0.0], [-math.tan(sy), 1.0]])
    inverse = np.linalg.inv(scale * rotation @ shear_y @ shear_x)
    cx, cy = (w - 1) / 2, (h - 1) / 2

    def pixel(c, row, col):
        return float(img[c, row, col]) if 0 <= row < h and 0 <= col < w else fill

    out = np.empty(img.shape, dtype=np.float64)
    for c in range(channels):
        for i in range(h):
            for j in range(w):
                x, y = inverse @ np.array([j - cx - translate[0], i - cy - translate[1]])
                x, y = x + cx, y + cy
                if interpolation == "nearest":
                    out[c, i, j] = pixel(c, int(np.rint(y)), int(np.rint(x)))
                    continue
                x0, y0 = math.floor(x), math.floor(y)
                fx, fy = x - x0, y - y0
                out[c, i, j] = ((1 - fy) * ((1 - fx) * pixel(c, y0, x0) + fx * pixel(c, y0, x0 + 1))
                                + fy * ((1 - fx) * pixel(c, y0 + 1, x0) + fx * pixel(c, y0 + 1, x0 + 1)))
    return out


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_random_affine_equals_a_loop_over_images_with_the_same_parameters(interpolation, dtype):
    x = images(dtype=dtype)
    kwargs = dict(degrees=(-30, 40), translate=(0.2, 0.3), scale=(0.7, 1.3),
                  shear=(-10, 10, -5, 15))
    t = T.RandomAffine(**kwargs, interpolation=interpolation, fill=0.5,
                       generator=mg.Generator().manual_seed(7))
    out = t(x)
    angle, translate, scale, shear = T.RandomAffine.get_params(
        t.degrees, t.translate, t.scale, t.shear, (9, 7), len(x), mg.Generator().manual_seed(7))
    assert len(set(angle.tolist())) == len(x)              # every sample has its own angle
    for n in range(len(x)):
        expected = reference_affine(x[n], angle[n], translate[n], scale[n], shear[n],
                                    interpolation, 0.5)
        np.testing.assert_allclose(out[n], expected, atol=1e-5, rtol=1e-5)
    assert out.dtype == dtype and out.shape == x.shape


def test_random_rotation_turns_the_other_way_from_random_affine():
    x = images(h=6, w=6)
    # torchvision: RandomAffine's angles are clockwise, RandomRotation's counter-clockwise
    np.testing.assert_allclose(T.RandomAffine((90, 90))(x), np.rot90(x, k=-1, axes=(2, 3)))
    np.testing.assert_allclose(T.RandomRotation((90, 90))(x), np.rot90(x, k=1, axes=(2, 3)))
    rot = T.RandomRotation(25, interpolation="bilinear", generator=mg.Generator().manual_seed(3))
    # the angles counter-clockwise: drawn from (-25, 25), as many as images
    ccw = -mg.Generator().manual_seed(3).numpy_generator.uniform(-25, 25, len(x))
    out = rot(x)
    for n in range(len(x)):      # counter-clockwise by ccw is affine's clockwise by -ccw
        np.testing.assert_allclose(out[n], reference_affine(x[n], -ccw[n], (0, 0), 1, (0, 0),
                                                            "bilinear", 0.0), atol=1e-5)


def test_affine_shifts_right_and_down_by_the_translation():
    x = np.zeros((1, 1, 5, 6), np.float32)
    x[0, 0, 1, 2] = 1
    out = T.affine(x, [0.0], [[2, 1]], [1.0], [[0.0, 0.0]], interpolation="bilinear")
    assert out[0, 0, 2, 4] == 1 and out.sum() == 1


@pytest.mark.parametrize("padding_mode", ["constant", "edge", "reflect", "symmetric"])
def test_random_crop_equals_a_loop_over_images(padding_mode):
    x = images(n=5, h=6, w=8)
    t = T.RandomCrop((5, 7), padding=(1, 2, 3, 1), fill=-2, padding_mode=padding_mode,
                     generator=mg.Generator().manual_seed(11))
    out = t(x)
    rng = mg.Generator().manual_seed(11).numpy_generator
    h, w = 6 + 2 + 1, 8 + 1 + 3                      # padded: top 2, bottom 1; left 1, right 3
    top, left = rng.integers(0, h - 5 + 1, len(x)), rng.integers(0, w - 7 + 1, len(x))
    assert len(set(zip(top.tolist(), left.tolist()))) > 1
    for n in range(len(x)):
        widths = ((0, 0), (2, 1), (1, 3))
        padded = (np.pad(x[n], widths, constant_values=-2) if padding_mode == "constant"
                  else np.pad(x[n], widths, mode=padding_mode))
        np.testing.assert_array_equal(out[n], padded[:, top[n]:top[n] + 5, left[n]:left[n] + 7])


def test_random_crop_pads_if_needed():
    out = T.RandomCrop(10, pad_if_needed=True)(images(h=7, w=9))
    assert out.shape == (4, 2, 10, 10)


# ---- identity, shapes, dtypes, reproducibility -----------------------------------------------
@pytest.mark.parametrize("transform", [
    T.RandomAffine(0), T.RandomAffine(0, interpolation="bilinear"),
    T.RandomAffine(0, translate=(0, 0), scale=(1, 1), shear=0), T.RandomRotation(0),
    T.RandomCrop((7, 9)), T.Compose([]), T.Compose([T.RandomAffine(0), T.Lambda(lambda v: v)]),
])
def test_identity_parameters_give_the_input_back(transform):
    x = images()
    np.testing.assert_array_equal(transform(x), x)


@pytest.mark.parametrize("transform", [
    T.RandomAffine(20, translate=(0.1, 0.1), scale=(0.9, 1.1), interpolation="bilinear"),
    T.RandomAffine(20), T.RandomCrop(5, padding=1),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
def test_shapes_dtypes_and_kinds_are_kept(transform, dtype):
    x = (images(dtype=np.float64) * 40 + 100).clip(0, 255).astype(dtype)
    batch = transform(x)
    assert isinstance(batch, np.ndarray) and batch.dtype == dtype
    assert batch.shape[:2] == x.shape[:2]
    tensor = transform(mg.tensor(x))
    assert isinstance(tensor, mg.Tensor) and tensor.dtype == dtype and not tensor.requires_grad
    one = transform(x[0])                                    # one image (C, H, W)
    assert one.shape == batch.shape[1:] and one.dtype == dtype


def test_manual_seed_makes_the_draws_repeatable_and_each_sample_differs():
    t = T.RandomAffine(15, translate=(0.1, 0.1), interpolation="bilinear")
    x = np.repeat(images(n=1), 3, axis=0)                    # three copies of one image
    mg.manual_seed(5)
    a = t(x)
    mg.manual_seed(5)
    b = t(x)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a[0], a[1]) and not np.array_equal(a[1], a[2])


# ---- the DataLoader: through MNIST's transform= ----------------------------------------------
def test_mnist_transform_augments_each_batch_a_dataloader_fetches():
    seen = []

    def record(batch):
        seen.append(tuple(batch.shape))
        return T.RandomCrop(28, padding=2)(batch)

    ds = MNIST(train=False, transform=record, target_transform=lambda y: y)
    plain = MNIST(train=False)
    images_, labels = next(iter(DataLoader(ds, batch_size=16)))
    assert seen == [(16, 1, 28, 28)]                         # one call for the whole batch
    assert images_.shape == (16, 1, 28, 28) and images_.dtype == np.float32
    np.testing.assert_array_equal(labels.numpy(), plain.targets[:16])
    assert not np.array_equal(images_.numpy(), plain.data[:16])
    image, label = ds[3]                                     # one sample: one image
    assert image.shape == (1, 28, 28) and label == plain.targets[3]


# ---- bad arguments: the transform, the argument, what was expected and what came -------------
@pytest.mark.parametrize("make, error, match", [
    (lambda: T.RandomAffine(-5), ValueError, r"RandomAffine: if degrees is a single number, it must be non-negative, got -5"),
    (lambda: T.RandomAffine((10, -10)), ValueError, r"RandomAffine: degrees must be \(min, max\) with min <= max, got \(10, -10\)"),
    (lambda: T.RandomAffine("10"), TypeError, r"RandomAffine: degrees must be a number or a sequence of two numbers, got '10'"),
    (lambda: T.RandomAffine(0, translate=(0.1,)), TypeError, r"RandomAffine: translate must be a sequence of two numbers \(a, b\), got \(0.1,\)"),
    (lambda: T.RandomAffine(0, translate=(0.1, 1.5)), ValueError, r"RandomAffine: translate values must be between 0 and 1, got \(0.1, 1.5\)"),
    (lambda: T.RandomAffine(0, scale=(0, 1)), ValueError, r"RandomAffine: scale values must be positive, with lo <= hi, got \(0, 1\)"),
    (lambda: T.RandomAffine(0, scale=1.1), TypeError, r"RandomAffine: scale must be a sequence of two numbers \(lo, hi\), got 1.1"),
    (lambda: T.RandomAffine(0, shear=[1, 2, 3]), TypeError, r"RandomAffine: shear must be a number or a sequence of two numbers, got \[1, 2, 3\]"),
    (lambda: T.RandomAffine(0, interpolation="bicubic"), ValueError, r"RandomAffine: interpolation must be 'nearest' or 'bilinear', got 'bicubic'"),
    (lambda: T.RandomAffine(0, fill=(0, 0)), TypeError, r"RandomAffine: fill must be a number .*got \(0, 0\)"),
    (lambda: T.RandomAffine(0, generator=3), TypeError, r"RandomAffine: generator must be .*got int"),
    (lambda: T.RandomRotation(-1), ValueError, r"RandomRotation: if degrees is a single number, it must be non-negative, got -1"),
    (lambda: T.RandomRotation(10, expand=True), ValueError, r"RandomRotation: expand=True is not supported"),
    (lambda: T.RandomCrop(0), ValueError, r"RandomCrop: size must be positive, got \(0, 0\)"),
    (lambda: T.RandomCrop(2.5), TypeError, r"RandomCrop: size must be an int or a sequence \(h, w\) of two ints, got 2.5"),
    (lambda: T.RandomCrop(5, padding=-1), ValueError, r"RandomCrop: padding must be non-negative, got \(-1,\)"),
    (lambda: T.RandomCrop(5, padding=(1, 2, 3)), TypeError, r"RandomCrop: padding must be an int or a sequence of 1, 2 or 4 ints, got \(1, 2, 3\)"),
    (lambda: T.RandomCrop(5, padding_mode="wrap"), ValueError, r"RandomCrop: padding_mode must be 'constant', 'edge', 'reflect' or 'symmetric', got 'wrap'"),
    (lambda: T.Compose(T.RandomCrop(5)), TypeError, r"Compose: transforms must be a list of transforms, got RandomCrop"),
    (lambda: T.Compose([T.RandomCrop(5), 3]), TypeError, r"Compose: transform 1 must be callable, got int"),
    (lambda: T.Lambda(3), TypeError, r"Lambda: lambd must be callable, got int"),
    (lambda: MNIST(train=False, transform=3), TypeError, r"MNIST: transform must be callable or None, got int"),
])
def test_bad_arguments_name_the_transform_and_the_argument(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("transform", [T.RandomAffine(10), T.RandomCrop(5)], ids=["RandomAffine", "RandomCrop"])
def test_bad_inputs_name_the_transform_and_the_input(transform):
    name = type(transform).__name__
    with pytest.raises(ValueError, match=rf"{name}: expected a batch \(N, C, H, W\) or one image \(C, H, W\), got shape \(7, 9\)"):
        transform(np.zeros((7, 9), np.float32))
    with pytest.raises(TypeError, match=rf"{name}: expected a Tensor or numpy array of images, got list"):
        transform([[[0.0]]])
    with pytest.raises(RuntimeError, match=rf"{name}: the input requires grad"):
        transform(mg.zeros(1, 1, 7, 9, requires_grad=True))
    with pytest.raises(TypeError, match=rf"{name}: expected images of a real dtype, got complex64"):
        transform(np.zeros((1, 1, 7, 9), np.complex64))


def test_a_crop_larger_than_the_padded_image_is_an_error_naming_both_sizes():
    with pytest.raises(ValueError, match=r"RandomCrop: the crop size \(10, 10\) is larger than the padded image \(9, 11\)"):
        T.RandomCrop(10, padding=1)(images(h=7, w=9))
