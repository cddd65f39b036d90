"""The mlp family's Adam against torch.optim.Adam: the same weights, bit for bit."""

import subprocess
import sys

import pytest
import torch

from mmoe.families.adam import Adam


def _trained(make_optimiser, weight_decay: float) -> list[torch.Tensor]:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(12, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    optimiser = make_optimiser(net.parameters(), lr=1e-2, weight_decay=weight_decay)
    x, y = torch.randn(64, 12), torch.randint(0, 3, (64,))
    for step in range(30):
        optimiser.zero_grad()
        rows = slice(step % 4 * 16, step % 4 * 16 + 16)
        torch.nn.functional.cross_entropy(net(x[rows]), y[rows]).backward()
        optimiser.step()
    return [p.detach().clone() for p in net.parameters()]


@pytest.mark.parametrize("weight_decay", [0.0, 1e-4])
def test_the_same_weights_as_torch_adam(weight_decay):
    ours, theirs = _trained(Adam, weight_decay), _trained(torch.optim.Adam, weight_decay)
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs, strict=True))


def test_training_an_mlp_does_not_import_dynamo(tmp_path):
    """The point of the module: no torch._dynamo import (about a second per process)."""
    code = (
        "import sys, numpy as np\n"
        "from mmoe.families.base import Examples\n"
        "from mmoe.families.mlp import MLPFamily\n"
        "rng = np.random.default_rng(0)\n"
        "def rows(n):\n"
        "    f = {'x1': rng.normal(size=(n, 4)), 'x2': rng.normal(size=(n, 4))}\n"
        "    return Examples([str(i) for i in range(n)], ['a'] * n, ['b'] * n, {}, f,\n"
        "                    rng.integers(0, 2, n))\n"
        f"MLPFamily().fit(rows(40), rows(20), 2, {str(tmp_path)!r}, {{'epochs': 2}}, 0)\n"
        "assert 'torch._dynamo' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
