"""A p4 layer written in PyTorch as another library would write it (its own filter transform,
its own flat channel layout), and the factory that lets groupconv check it:

    groupconv conformance --check my_p4_layer:factory --groups p4 --kinds lifting correlation
    pytest test_my_p4_layer.py
"""

import torch

import groupconv.testing


class P4Conv(torch.nn.Module):
    """The lifting (planar input) or group correlation (input on p4) of Cohen & Welling, on
    flat channels (B, C·4, H, W): output channel o·4 + r sees the filters turned by r."""

    def __init__(self, c_in, c_out, k, *, lifting, padding=0, stride=1, dilation=1,
                 bias=False):
        super().__init__()
        shape = (c_out, c_in) + (() if lifting else (4,)) + (k, k)
        self.weight = torch.nn.Parameter(torch.randn(shape))
        self.bias = torch.nn.Parameter(torch.zeros(c_out)) if bias else None
        self.lifting, self.padding, self.stride, self.dilation = lifting, padding, stride, \
            dilation

    def forward(self, x):
        banks = []
        for r in range(4):
            w = torch.rot90(self.weight, r, dims=(-2, -1))     # the filter turned by r
            if not self.lifting:
                w = torch.roll(w, r, dims=2)                    # plane t reads w[t - r]
            banks.append(w.reshape(w.shape[0], -1, *w.shape[-2:]))
        bank = torch.stack(banks, dim=1).flatten(0, 1)          # (C_out·4, C_in·S_in, k, k)
        bias = None if self.bias is None else self.bias.repeat_interleave(4)
        return torch.nn.functional.conv2d(x, bank, bias, stride=self.stride,
                                          padding=self.padding, dilation=self.dilation)


def factory(case):
    """The layer for one conformance case: the case's weights are loaded into it, its inputs
    and outputs converted from and to groupconv's layout, its gradients taken by autograd."""
    layer = P4Conv(case.c_in, case.c_out, case.k, lifting=case.kind == "lifting",
                   padding=case.padding, stride=case.stride, dilation=case.dilation,
                   bias=case.bias).double()
    return groupconv.testing.torch_layer(layer, case, layout="flat_cs")
