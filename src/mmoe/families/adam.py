"""Adam, step for step the update of ``torch.optim.Adam`` on CPU (L2 weight decay, no amsgrad).

``torch.optim``'s optimisers import ``torch._dynamo`` when constructed: about a second of every
training process, longer than a small MLP trains. The ``mlp`` family uses this one instead;
``tests/test_adam.py`` checks that both leave bit-identical weights.
"""

from __future__ import annotations


class Adam:
    """Adam over ``params`` (tensors that require grad) with ``torch.optim.Adam``'s defaults."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        import torch

        self.params = list(params)
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps
        self.weight_decay = weight_decay
        self.steps = 0
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        import torch

        self.steps += 1
        step_size = self.lr / (1 - self.beta1**self.steps)
        correction2_sqrt = (1 - self.beta2**self.steps) ** 0.5
        with torch.no_grad():
            moments = zip(self.params, self.exp_avg, self.exp_avg_sq, strict=True)
            for p, exp_avg, exp_avg_sq in moments:
                if p.grad is None:
                    continue
                grad = p.grad
                if self.weight_decay:
                    grad = grad.add(p, alpha=self.weight_decay)
                exp_avg.lerp_(grad, 1 - self.beta1)
                exp_avg_sq.mul_(self.beta2).addcmul_(grad, grad, value=1 - self.beta2)
                denom = (exp_avg_sq.sqrt() / correction2_sqrt).add_(self.eps)
                p.addcdiv_(exp_avg, denom, value=-step_size)
