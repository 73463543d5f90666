"""``Dropout``: active in training mode, the identity in eval mode."""
from .. import functional as F
from .module import Module


class Dropout(Module):
    """Zeroes each element with probability ``p`` during training and scales the kept ones
    by 1/(1-p), so the expected activation is unchanged and eval needs no rescaling. The
    mask comes from ``minigrad.random.generator()``; backward multiplies by the same mask.
    ``inplace`` is accepted for PyTorch compatibility and ignored."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise ValueError(f"Dropout: probability p has to be between 0 and 1, got {p!r}")
        self.p, self.inplace = float(p), inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
