"""MNIST: the shipped files, their known facts, and every way a file can be bad; downloads
through a local http.server on 127.0.0.1 serving copies of the shipped files."""
import functools
import gzip
import http.server
import os
import shutil
import threading
import time

import numpy as np
import pytest

from minigrad import datasets
from minigrad.data import DataLoader
from minigrad.datasets import MNIST, DatasetError, load_mnist, parse_idx

from helpers import ROOT

SHIPPED = ROOT / "datasets" / "mnist"
TEST_FILES = datasets.FILES[False]
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    for var in ("MINIGRAD_MNIST", "MINIGRAD_DATA", "MINIGRAD_DOWNLOAD"):
        monkeypatch.delenv(var, raising=False)


def copy_test_split(root):
    root.mkdir(parents=True, exist_ok=True)
    for name in TEST_FILES:
        shutil.copyfile(SHIPPED / name, root / name)
    return root


# ---- the shipped files -----------------------------------------------------------------------
def test_known_facts_of_the_training_set():
    raw, labels = load_mnist(train=True, normalize=False)
    assert raw.shape == (60000, 1, 28, 28) and raw.dtype == np.uint8
    assert labels.shape == (60000,) and labels.dtype == np.int64
    assert np.bincount(labels).tolist() == TRAIN_COUNTS
    assert labels[:5].tolist() == [5, 0, 4, 1, 9]
    assert raw.mean() / 255 == pytest.approx(0.1307, abs=5e-5)
    assert raw.std() / 255 == pytest.approx(0.3081, abs=5e-5)


def test_known_facts_of_the_test_set():
    images, labels = load_mnist(train=False)
    assert images.shape == (10000, 1, 28, 28) and images.dtype == np.float32
    assert np.bincount(labels).tolist() == TEST_COUNTS


def test_normalisation():
    images, _ = load_mnist(train=True)
    raw, _ = load_mnist(train=True, normalize=False)
    assert images.dtype == np.float32
    assert float(images.mean()) == pytest.approx(0.0, abs=1e-3)
    assert float(images.std()) == pytest.approx(1.0, abs=1e-3)
    i = (0, 0, 14, 14)
    assert images[i] == pytest.approx((raw[i] / 255 - 0.1307) / 0.3081, rel=1e-5)


def test_cached_and_read_only():
    a, la = load_mnist(train=False)
    b, lb = load_mnist(train=False)
    assert a is b and la is lb
    with pytest.raises(ValueError, match="read-only"):
        a[0, 0, 0, 0] = 1.0


def test_loading_both_splits_is_fast():
    datasets._cache.clear()
    start = time.perf_counter()
    load_mnist(train=True)
    load_mnist(train=False)
    assert time.perf_counter() - start < 5.0


def test_checksums_in_the_module_match_the_shipped_sums_files():
    def read(name):
        return dict(line.split()[::-1] for line in (SHIPPED / name).read_text().splitlines())
    gz, raw = read("SHA256SUMS"), read("SHA256SUMS.uncompressed")
    assert {name: sums[0] for name, sums in datasets.GZ_SHA256.items()} == gz
    assert {name: raw[name[:-3]] for name in datasets.IDX_SHA256} == datasets.IDX_SHA256


def test_mnist_dataset_and_loader():
    train = MNIST(train=True)
    assert len(train) == 60000 and "Split: Train" in repr(train)
    image, label = train[0]
    assert image.shape == (1, 28, 28) and label == 5 and isinstance(label, int)
    images, labels = train[np.array([0, 1, 2])]
    assert images.shape == (3, 1, 28, 28) and labels.numpy().tolist() == [5, 0, 4]
    x, y = train.tensors()
    assert x.shape == (60000, 1, 28, 28) and y.dtype == np.int64
    batch_x, batch_y = next(iter(DataLoader(train, batch_size=5)))
    assert batch_y.numpy().tolist() == [5, 0, 4, 1, 9] and batch_x.dtype == np.float32
    assert len(MNIST(train=False)) == 10000


# ---- root resolution -------------------------------------------------------------------------
def test_default_root_and_environment(monkeypatch, tmp_path):
    assert datasets.default_root() == SHIPPED
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path))
    assert datasets.default_root() == tmp_path / "mnist"
    monkeypatch.setenv("MINIGRAD_MNIST", str(tmp_path / "elsewhere"))
    assert datasets.default_root() == tmp_path / "elsewhere"


def test_env_var_root_is_used(monkeypatch, tmp_path):
    copy_test_split(tmp_path / "mnist")
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path))
    ds = MNIST(train=False)
    assert ds.root == tmp_path / "mnist" and len(ds) == 10000


# ---- bad files -------------------------------------------------------------------------------
def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        load_mnist(tmp_path, train=False)
    message = str(err.value)
    assert "t10k-images-idx3-ubyte.gz is missing" in message and "download=True" in message


def test_missing_labels_file_is_named(tmp_path):
    copy_test_split(tmp_path)
    os.remove(tmp_path / TEST_FILES[1])
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte.gz is missing"):
        load_mnist(tmp_path, train=False)


def test_truncated_file(tmp_path):
    copy_test_split(tmp_path)
    path = tmp_path / TEST_FILES[0]
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match=r"t10k-images-idx3-ubyte.gz is truncated or corrupt"):
        load_mnist(tmp_path, train=False)


def test_corrupt_file_flipped_byte(tmp_path):
    copy_test_split(tmp_path)
    path = tmp_path / TEST_FILES[1]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match="t10k-labels-idx1-ubyte.gz is (truncated or )?corrupt"):
        load_mnist(tmp_path, train=False)


def test_well_formed_gzip_with_wrong_content(tmp_path):
    copy_test_split(tmp_path)
    path = tmp_path / TEST_FILES[1]
    content = bytearray(gzip.decompress(path.read_bytes()))
    content[8] = (content[8] + 1) % 10          # one wrong label
    path.write_bytes(gzip.compress(bytes(content)))
    with pytest.raises(DatasetError, match="t10k-labels-idx1-ubyte.gz is corrupt: checksum mismatch"):
        load_mnist(tmp_path, train=False)


def test_recompressed_genuine_file_is_accepted(tmp_path):
    copy_test_split(tmp_path)
    path = tmp_path / TEST_FILES[0]
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()), compresslevel=1))
    images, _ = load_mnist(tmp_path, train=False)
    np.testing.assert_array_equal(images, load_mnist(train=False)[0])


def test_replaced_file_is_read_again(tmp_path):
    copy_test_split(tmp_path)
    load_mnist(tmp_path, train=False)
    path = tmp_path / TEST_FILES[1]
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(DatasetError):
        load_mnist(tmp_path, train=False)


# ---- the IDX parser --------------------------------------------------------------------------
def idx(values, magic=b"\x00\x00\x08", dims=None):
    values = np.asarray(values, np.uint8)
    dims = values.shape if dims is None else dims
    header = magic + bytes([len(dims)]) + np.array(dims, ">u4").tobytes()
    return header + values.tobytes()


def test_parse_idx():
    array = parse_idx(idx(np.arange(6).reshape(2, 3)))
    assert array.shape == (2, 3) and array.dtype == np.uint8 and array[1, 2] == 5
    with pytest.raises(DatasetError, match="not an IDX file"):
        parse_idx(b"\x1f\x8b\x08\x00")
    with pytest.raises(DatasetError, match="data type 0x0d is not supported"):
        parse_idx(idx([1, 2], magic=b"\x00\x00\x0d"))
    with pytest.raises(DatasetError, match=r"shape \(3,\), i.e. 11 bytes, but the data has 10"):
        parse_idx(idx([1, 2], dims=(3,)))
    with pytest.raises(DatasetError, match="truncated IDX header"):
        parse_idx(b"\x00\x00\x08\x03\x00\x00")


# ---- downloads over the loopback interface ---------------------------------------------------
class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def serve(tmp_path, monkeypatch):
    """serve(directory) -> URL of an http.server on 127.0.0.1 serving that directory."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    servers = []

    def start(directory):
        handler = functools.partial(QuietHandler, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_download_from_a_mirror(tmp_path, serve, monkeypatch):
    mirror = serve(copy_test_split(tmp_path / "mirror"))
    monkeypatch.setattr(datasets, "MIRRORS", [mirror])
    root = tmp_path / "data" / "mnist"            # does not exist yet
    ds = MNIST(root, train=False, download=True)
    assert sorted(os.listdir(root)) == sorted(TEST_FILES)        # no temporary files left
    for name in TEST_FILES:
        assert (root / name).read_bytes() == (SHIPPED / name).read_bytes()
    np.testing.assert_array_equal(ds.data, load_mnist(train=False)[0])


def test_download_skips_bad_mirrors(tmp_path, serve, monkeypatch):
    good = serve(copy_test_split(tmp_path / "good"))
    empty = serve((tmp_path / "empty").mkdir() or tmp_path / "empty")       # 404s
    bad_dir = copy_test_split(tmp_path / "bad")
    labels = bad_dir / TEST_FILES[1]
    labels.write_bytes(labels.read_bytes()[:-50])                            # truncated copy
    bad = serve(bad_dir)
    monkeypatch.setattr(datasets, "MIRRORS", [empty, bad, good])
    monkeypatch.setenv("MINIGRAD_DOWNLOAD", "1")                              # env allows it
    images, labels = load_mnist(tmp_path / "root", train=False)
    assert np.bincount(labels).tolist() == TEST_COUNTS


def test_download_fails_clearly_when_no_mirror_has_a_genuine_copy(tmp_path, serve, monkeypatch):
    bad_dir = copy_test_split(tmp_path / "bad")
    path = bad_dir / TEST_FILES[0]
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x07"))   # valid gzip, wrong data
    bad = serve(bad_dir)
    empty = serve((tmp_path / "empty").mkdir() or tmp_path / "empty")
    monkeypatch.setattr(datasets, "MIRRORS", [bad, empty])
    root = tmp_path / "root"
    with pytest.raises(DatasetError) as err:
        load_mnist(root, train=False, download=True)
    message = str(err.value)
    assert "could not download a genuine t10k-images-idx3-ubyte.gz" in message
    assert bad + TEST_FILES[0] in message and "checksum mismatch" in message
    assert empty + TEST_FILES[0] in message and "404" in message
    assert os.listdir(root) == []                 # nothing half-written


def test_no_download_without_permission(tmp_path, serve, monkeypatch):
    monkeypatch.setattr(datasets, "MIRRORS", [serve(copy_test_split(tmp_path / "mirror"))])
    with pytest.raises(FileNotFoundError):
        load_mnist(tmp_path / "root", train=False)
    assert not (tmp_path / "root").exists()
