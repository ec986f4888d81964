"""Tests of the speech page's data: JapaneseVowels from the aeon wheel, digit strips."""

import numpy as np
import pytest

from companion.data import _parse_ts_multivariate, data_dir, load_japanese_vowels, make_digit_strips

needs_aeon = pytest.mark.skipif(
    not (data_dir() / "aeon-1.6.0-py3-none-any.whl").exists(), reason="the aeon wheel is not downloaded (make does it)"
)


# ------------------------------------------------------------ .ts parser
def test_parse_ts_reads_dimensions_as_columns_and_label_last():
    text = "#comment\n@problemName X\n@data\n1,2,3:4,5,6:b\n7,8:9,10:a\n"
    series, labels = _parse_ts_multivariate(text)
    assert labels == ["b", "a"]
    np.testing.assert_array_equal(series[0], [[1, 4], [2, 5], [3, 6]])  # (T, D)
    assert series[1].shape == (2, 2)


# ------------------------------------------------------------ JapaneseVowels
@needs_aeon
def test_japanese_vowels_official_split_sizes_and_shapes():
    X_train, y_train, X_test, y_test = load_japanese_vowels()
    assert len(X_train) == 270 and len(X_test) == 370
    assert y_train.shape == (270,) and y_test.shape == (370,) and y_train.dtype == np.int64
    assert np.bincount(y_train).tolist() == [30] * 9  # 30 utterances per speaker
    assert np.bincount(y_test).tolist() == [31, 35, 88, 44, 29, 24, 40, 50, 29]
    lengths = [len(x) for x in X_train + X_test]
    assert min(lengths) == 7 and max(lengths) == 29
    assert all(x.shape[1] == 12 and x.dtype == np.float64 for x in X_train + X_test)
    assert np.isfinite(np.concatenate(X_train)).all()


@needs_aeon
def test_japanese_vowels_first_values_match_the_file():
    X_train, y_train, _, _ = load_japanese_vowels()
    assert X_train[0].shape == (20, 12) and y_train[0] == 0
    assert X_train[0][0, 0] == pytest.approx(1.860936)  # first value of the first line
    assert X_train[0][1, 0] == pytest.approx(1.891651)
    assert X_train[0][0, 1] == pytest.approx(-0.207383)  # second dimension, first frame


# ------------------------------------------------------------ digit strips
def small_images():
    rng = np.random.default_rng(0)
    return rng.uniform(0.1, 1.0, size=(10, 3, 4)).astype(np.float32), np.arange(10)  # (n, H, W), no empty pixel


def test_strips_lengths_targets_and_spans_agree():
    images, labels = small_images()
    s = make_digit_strips(images, labels, 50, rng=1, min_digits=2, max_digits=4, min_gap=-1, max_gap=2, margin=1)
    for frames, y, spans, idx in zip(s.frames, s.targets, s.spans, s.image_index):
        U = len(y)
        assert 2 <= U <= 4 and frames.shape[1] == 3
        np.testing.assert_array_equal(y, labels[idx])
        gaps = spans[1:, 0] - spans[:-1, 1]
        assert np.all((gaps >= -1) & (gaps <= 2))
        assert len(frames) == 2 * 1 + U * 4 + gaps.sum()
        assert spans[0, 0] == 1 and spans[-1, 1] == len(frames) - 1
        np.testing.assert_array_equal(frames[:1], 0)  # margins are empty
        # frame t is pixel column t: a digit whose neighbours do not overlap it is copied as it is
        for k, (a, b) in enumerate(spans):
            if (k == 0 or gaps[k - 1] >= 0) and (k == U - 1 or gaps[k] >= 0):
                np.testing.assert_array_equal(frames[a:b].T, images[idx[k]])


def test_strips_overlap_keeps_the_larger_pixel():
    images = np.zeros((2, 1, 2), dtype=np.float32)
    images[0] = [[0.2, 0.9]]
    images[1] = [[0.5, 0.1]]
    s = make_digit_strips(
        images, np.array([0, 1]), 40, rng=0, min_digits=2, max_digits=2, min_gap=-1, max_gap=-1, margin=0
    )
    for frames, idx in zip(s.frames, s.image_index):
        assert len(frames) == 3
        assert frames[1, 0] == max(images[idx[0]][0, 1], images[idx[1]][0, 0])


def test_strips_are_reproducible_and_bad_arguments_raise():
    images, labels = small_images()
    a = make_digit_strips(images, labels, 5, rng=3)
    b = make_digit_strips(images, labels, 5, rng=3)
    assert all(np.array_equal(x, y) for x, y in zip(a.frames, b.frames))
    with pytest.raises(ValueError, match=r"images must have shape \(n, H, W\)"):
        make_digit_strips(images[0], labels, 5, rng=0)
    with pytest.raises(ValueError, match=r"labels must have shape \(10,\)"):
        make_digit_strips(images, labels[:3], 5, rng=0)
    with pytest.raises(ValueError, match="min_gap"):
        make_digit_strips(images, labels, 5, rng=0, min_gap=-4)
    with pytest.raises(ValueError, match="max_digits must be an integer >= 3"):
        make_digit_strips(images, labels, 5, rng=0, min_digits=3, max_digits=2)
