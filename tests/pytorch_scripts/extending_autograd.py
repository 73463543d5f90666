"""Custom Functions whose ``forward`` calls Tensor methods, as "Extending PyTorch" and
"Learning PyTorch with Examples" write them (written anew): a LinearFunction
(``input.mm(weight.t())``, ``bias.unsqueeze(0).expand_as(output)``, ``ctx.needs_input_grad``,
an optional bias with a None gradient), wrapped in an ``nn.Module``, and MyReLU
(``input.clamp(min=0)`` forward, ``grad_input[input < 0] = 0`` backward); both checked with
``gradcheck`` on double inputs as the docs do (``eps=1e-6, atol=1e-4``).
"""
import torch
import torch.nn as nn
from torch.autograd import Function, gradcheck


class LinearFunction(Function):

    @staticmethod
    # bias is an optional argument
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None

        # needs_input_grad: one bool per input, so unneeded gradients are skipped
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)

        return grad_input, grad_weight, grad_bias


class Linear(nn.Module):
    def __init__(self, input_features, output_features, bias=True):
        super().__init__()
        self.input_features = input_features
        self.output_features = output_features
        self.weight = nn.Parameter(torch.empty(output_features, input_features))
        if bias:
            self.bias = nn.Parameter(torch.empty(output_features))
        else:
            # optional parameters are registered as None
            self.register_parameter('bias', None)
        # not a very smart way to initialize weights
        nn.init.uniform_(self.weight, -0.1, 0.1)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -0.1, 0.1)

    def forward(self, input):
        return LinearFunction.apply(input, self.weight, self.bias)

    def extra_repr(self):
        return 'input_features={}, output_features={}, bias={}'.format(
            self.input_features, self.output_features, self.bias is not None)


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


torch.manual_seed(0)
linear = LinearFunction.apply
input = (torch.randn(20, 20, dtype=torch.double, requires_grad=True),
         torch.randn(30, 20, dtype=torch.double, requires_grad=True))
test = gradcheck(linear, input, eps=1e-6, atol=1e-4)
print(test)
assert test

x = torch.tensor([[1.0, 2.0]], requires_grad=True)
w = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], requires_grad=True)
bias = torch.tensor([0.5, -0.5, 0.0], requires_grad=True)
out = linear(x, w, bias)
assert out.tolist() == [[1.5, 1.5, 3.0]]
out.sum().backward()
assert x.grad.tolist() == [[2.0, 2.0]]                     # column sums of w
assert w.grad.tolist() == [[1.0, 2.0]] * 3
assert bias.grad.tolist() == [1.0, 1.0, 1.0]

layer = Linear(20, 30).double()
assert layer(input[0]).shape == (20, 30)
assert 'input_features=20, output_features=30, bias=True' in repr(layer)
no_bias = Linear(20, 30, bias=False)
assert no_bias.bias is None and len(list(no_bias.parameters())) == 1

relu = MyReLU.apply
r = torch.tensor([-1.0, 0.5, 2.0], requires_grad=True)
out = relu(r)
assert out.tolist() == [0.0, 0.5, 2.0]
out.sum().backward()
assert r.grad.tolist() == [0.0, 1.0, 1.0]
assert gradcheck(relu, (torch.tensor([-1.5, -0.2, 0.3, 2.0], dtype=torch.double,
                                     requires_grad=True),), eps=1e-6, atol=1e-4)

print("OK")
