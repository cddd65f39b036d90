"""Text features: each distinct text embedded once (real MiniLM), equal to embedding every row."""

import json

import numpy as np
import pytest

from mmoe.features import embed_texts, view_features
from tests.conftest import REPO


@pytest.fixture(scope="module")
def minilm(tmp_path_factory):
    pytest.importorskip("all_minilm_l6_v2")
    from mmoe.pretrained import extract_minilm

    return extract_minilm(tmp_path_factory.mktemp("minilm") / "minilm")


def test_repeated_texts_get_the_features_of_embedding_each_row_alone(minilm):
    """Rows that repeat a context share one embedding, which equals the row's own embedding
    computed alone (batch of one, no padding) up to float rounding."""
    raw = list(json.loads((REPO / "tests/data/mustard_subset.json").read_text()).values())
    texts = ["\n".join(r["context"]) for r in raw[:30]] * 2 + [raw[0]["utterance"]]
    features = view_features(texts, "text", minilm)
    assert features.shape == (61, 384) and features.dtype == np.float32
    np.testing.assert_array_equal(features[:30], features[30:60])
    alone = np.concatenate([embed_texts([t], minilm, batch_size=1) for t in texts[:30]])
    assert np.abs(features[:30] - alone).max() < 1e-5
    assert np.allclose(np.linalg.norm(features, axis=1), 1, atol=1e-5)


def test_bfloat16_embeddings_point_where_float32_ones_do(minilm):
    raw = list(json.loads((REPO / "tests/data/mustard_subset.json").read_text()).values())
    texts = [r["utterance"] for r in raw[:40]]
    full, half = (
        view_features(texts, "text", minilm, text_dtype=d) for d in ("float32", "bfloat16")
    )
    assert half.dtype == np.float32 and not np.array_equal(full, half)
    assert (full * half).sum(axis=1).min() > 0.999  # cosine: both are unit vectors
