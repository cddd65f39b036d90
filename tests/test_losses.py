import numpy as np
import pytest
import torch

from mmoe.families.losses import class_weights, focal_loss, loss_function, target_tensor


def _batch(seed=0, n=12, k=3):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, k, generator=generator), torch.randint(0, k, (n,), generator=generator)


def test_focal_loss_is_cross_entropy_at_gamma_zero():
    logits, targets = _batch()
    torch.testing.assert_close(
        focal_loss(logits, targets, 0.0), torch.nn.functional.cross_entropy(logits, targets)
    )


def test_focal_loss_down_weights_confident_rows_as_the_authors():
    logits, targets = _batch(1)
    ce = torch.nn.functional.cross_entropy(logits, targets, reduction="none")
    expected = ((1 - torch.exp(-ce)) ** 2 * ce).mean()  # alpha 1, gamma 2
    torch.testing.assert_close(focal_loss(logits, targets, 2.0), expected)


def test_soft_targets_generalise_hard_ones_and_class_weights_balance():
    logits, targets = _batch(2)
    one_hot = target_tensor(np.eye(3)[targets.numpy()])
    assert one_hot.dtype == torch.float32 and target_tensor(targets.numpy()).dtype == torch.long
    torch.testing.assert_close(focal_loss(logits, one_hot, 2.0), focal_loss(logits, targets, 2.0))
    weights = class_weights(np.array([0, 0, 0, 1]), 3, "balanced")
    np.testing.assert_allclose(weights, [4 / 9, 4 / 3, 0.0])
    assert class_weights(np.array([0, 1]), 2, "none") is None
    weighted = loss_function({"class_weights": "balanced"}, targets.numpy(), 3)
    expected = torch.nn.functional.cross_entropy(
        logits, targets, weight=torch.as_tensor(class_weights(targets.numpy(), 3, "balanced"))
    )
    torch.testing.assert_close(weighted(logits, targets), expected)
    with pytest.raises(ValueError, match="unknown loss"):
        loss_function({"loss": "hinge"}, targets.numpy(), 3)
