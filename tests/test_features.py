"""Image features: the built-in descriptor and a pretrained image tower from a local folder."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mmoe.features import view_features
from mmoe.image_descriptor import FEATURES, image_features
from tests.tiny_clip import tiny_clip

BACKGROUND = (245, 245, 245)
RED, BLUE = (200, 40, 40), (40, 60, 200)


def draw(path, shape, colour, centre, radius, size=64, background=BACKGROUND):
    """One filled shape on a plain background, saved as PNG at ``path``."""
    image = Image.new("RGB", (size, size), background)
    pen = ImageDraw.Draw(image)
    cx, cy = centre
    box = (cx - radius, cy - radius, cx + radius, cy + radius)
    if shape == "circle":
        pen.ellipse(box, fill=colour)
    elif shape == "square":
        pen.rectangle(box, fill=colour)
    elif shape == "diamond":
        corners = [(cx, cy - radius), (cx + radius, cy), (cx, cy + radius), (cx - radius, cy)]
        pen.polygon(corners, fill=colour)
    else:
        corners = [(cx, cy - radius), (cx - radius, cy + radius), (cx + radius, cy + radius)]
        pen.polygon(corners, fill=colour)
    image.save(path)
    return path


def features(path) -> dict[str, float]:
    return dict(zip(FEATURES, image_features(path), strict=True))


def object_colour(values: dict[str, float]) -> np.ndarray:
    return np.array([values[f"object_{c}"] for c in "rgb"]) * 255


@pytest.mark.parametrize("shape", ["circle", "square", "diamond", "triangle"])
@pytest.mark.parametrize("colour", [RED, BLUE])
def test_the_object_colour_is_read_whatever_the_size_and_position(tmp_path, shape, colour):
    placements = [((12, 12), 5), ((48, 20), 9), ((32, 32), 20), ((20, 44), 14)]
    for i, (centre, radius) in enumerate(placements):
        values = features(draw(tmp_path / f"{i}.png", shape, colour, centre, radius))
        assert np.allclose(object_colour(values), colour, atol=0.5), (centre, radius)
        background = [values[f"background_{c}"] * 255 for c in "rgb"]
        assert np.allclose(background, BACKGROUND, atol=0.5)


def test_a_whole_image_mean_would_mix_size_into_the_colour(tmp_path):
    """The reason for the object's own colour: a small and a large red square differ in mean."""
    small = draw(tmp_path / "small.png", "square", RED, (32, 32), 4)
    large = draw(tmp_path / "large.png", "square", RED, (32, 32), 24)
    means = [np.asarray(Image.open(p), float).reshape(-1, 3).mean(0) for p in (small, large)]
    assert np.abs(means[0] - means[1]).max() > 50
    assert np.allclose(object_colour(features(small)), object_colour(features(large)))


def moments(values: dict[str, float]) -> np.ndarray:
    return np.array([v for k, v in values.items() if k.startswith("eta")])


@pytest.mark.parametrize("shape", ["circle", "square", "diamond", "triangle"])
def test_shape_moments_ignore_position_and_size(tmp_path, shape):
    here = moments(features(draw(tmp_path / "a.png", shape, RED, (20, 20), 10)))
    moved = moments(features(draw(tmp_path / "b.png", shape, BLUE, (41, 37), 10)))
    larger = moments(features(draw(tmp_path / "c.png", shape, RED, (32, 30), 24)))
    assert np.allclose(here, moved)
    assert np.allclose(here, larger, atol=0.004)


def test_shape_moments_tell_circle_square_and_triangle_apart(tmp_path):
    shapes = ["circle", "square", "triangle"]
    found = {
        s: moments(features(draw(tmp_path / f"{s}.png", s, RED, (30, 34), 16))) for s in shapes
    }
    for i, a in enumerate(shapes):
        for b in shapes[i + 1 :]:
            assert np.abs(found[a] - found[b]).max() > 0.002, (a, b)


def test_a_blank_image_has_the_background_colour_and_no_shape(tmp_path):
    path = tmp_path / "blank.png"
    Image.new("RGB", (16, 16), BACKGROUND).save(path)
    values = features(path)
    assert np.allclose(object_colour(values), BACKGROUND, atol=0.5)
    assert not moments(values).any()


def test_the_background_is_estimated_from_the_border(tmp_path):
    path = draw(tmp_path / "dark.png", "circle", RED, (32, 32), 12, background=(10, 10, 10))
    values = features(path)
    assert np.allclose(object_colour(values), RED, atol=0.5)
    assert np.allclose([values[f"background_{c}"] * 255 for c in "rgb"], 10, atol=0.5)


@pytest.mark.parametrize(("full", "width"), [(False, 16), (True, 8)])
def test_a_pretrained_image_tower_from_a_local_folder(tmp_path, full, width):
    model = tiny_clip(tmp_path / "clip", full)
    paths = [
        str(draw(tmp_path / f"{i}.png", s, c, (20 + 4 * i, 30), 10))
        for i, (s, c) in enumerate([("circle", RED), ("square", BLUE), ("triangle", RED)])
    ]
    first = view_features(paths, "image", "unused-text-model", model)
    assert first.shape == (3, width) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1, atol=1e-5)
    assert not np.allclose(first[0], first[1])
    assert np.array_equal(first, view_features(paths, "image", "unused-text-model", model))


def test_an_image_encoder_that_is_no_model_folder_is_a_clear_error(tmp_path):
    path = str(draw(tmp_path / "a.png", "circle", RED, (20, 20), 8))
    with pytest.raises(FileNotFoundError, match=r"image_encoder .*not a transformers folder"):
        view_features([path], "image", "unused", tmp_path / "nowhere")


def test_the_descriptor_is_the_default(tmp_path):
    path = str(draw(tmp_path / "a.png", "circle", RED, (20, 20), 8))
    assert np.array_equal(view_features([path], "image", "unused")[0], image_features(path))
