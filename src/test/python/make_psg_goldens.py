"""Writes the PSG parity goldens for PsgParityTest (run by hand with Debian's python3-torch 1.13; the
goldens are committed, tests never need torch):

    /usr/bin/python3 src/test/python/make_psg_goldens.py src/test/resources/goldens/psg

A PyTorch rendering, written from PAB-SPEC.md section 4, of the reference's two-branch PSG: each conv
runs an exact branch conv(x, W) and a low-precision branch conv(Q(x), W) whose output gradient is
quantised; the forward returns the exact branch, both branches receive dL/dy, and the weight gradient
combines the two branch gradients (threshold, sparsify, sign). Five convolutions per layer, as the
reference. The model is the ResNet20 layout (PsgResNet20) with the reference's key names."""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from goldens_common import SplitMix64, fill_deterministic, save_safetensors


def quantize(x, bits, max_value, signed):
    """Q(x, bits, max, signed): float32 steps as the spec; zeros preserved; all-zero or >= 32 bits: x."""
    if bits >= 32 or bool(torch.all(x == 0)):
        return x
    min_value = -max_value if signed else torch.zeros_like(max_value)
    delta = (max_value - min_value) / 2.0 ** bits
    q = ((x - min_value) / delta).clamp(0.0, 2.0 ** bits - 1).round() * delta + min_value
    return q * (x != 0).to(x.dtype)


def input_scale(x):
    """mean over the batch of per-sample max|x| (float32)."""
    return x.abs().flatten(1).max(1)[0].mean()


def grad_scale(g):
    """max over the batch of per-sample max|g|."""
    return g.abs().flatten(1).max(1)[0].max()


class QuantizeGrad(torch.autograd.Function):
    """Identity forward; the backward quantises dL/dy (signed, gradient scale)."""

    @staticmethod
    def forward(ctx, y, bits):
        ctx.bits = bits
        return y.view_as(y)

    @staticmethod
    def backward(ctx, g):
        return quantize(g, ctx.bits, grad_scale(g), True), None


class TwoBranchWeight(torch.autograd.Function):
    """Hands the same weight to both branches and combines their gradients as spec section 4."""

    @staticmethod
    def forward(ctx, w, threshold, sparsify, sign):
        ctx.threshold, ctx.sparsify, ctx.sign = threshold, sparsify, sign
        return w.view_as(w), w.detach().clone()

    @staticmethod
    def backward(ctx, g_exact, g_msb):
        t = abs(ctx.threshold) * g_msb.abs().max()
        keep = (g_msb.abs() >= t).to(g_msb.dtype)
        g = keep * g_msb if ctx.sparsify else keep * g_msb + (1 - keep) * g_exact
        return (g.sign() if ctx.sign else g), None, None, None


class Mix(torch.autograd.Function):
    """Returns the exact branch; both branches receive the output gradient."""

    @staticmethod
    def forward(ctx, exact, msb):
        return exact.clone()

    @staticmethod
    def backward(ctx, g):
        return g, g


class SignOnly(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w, sign):
        ctx.sign = sign
        return w.view_as(w)

    @staticmethod
    def backward(ctx, g):
        return (g.sign() if ctx.sign else g), None


class QuantInput(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("running_max_values", torch.zeros(1, 1, 1, 1))


class PsgConv(nn.Conv2d):
    def __init__(self, cin, cout, k, stride, pad, signed, flags):
        super().__init__(cin, cout, k, stride, pad, bias=False)
        self.register_buffer("weight_mask", torch.ones(self.weight.shape))
        self.quant_input = QuantInput()
        self.signed, self.flags = signed, flags

    def forward(self, x):
        f = self.flags
        w = self.weight_mask * self.weight
        conv = lambda inp, wt: F.conv2d(inp, wt, None, self.stride, self.padding)
        if not f["predictive_backward"]:
            return conv(x, SignOnly.apply(w, f["sign"]))
        w_exact, w_msb = TwoBranchWeight.apply(w, f["threshold"], f["sparsify"], f["sign"])
        exact = conv(x, w_exact)
        x_msb = quantize(x.detach(), f["msb_bits"], input_scale(x.detach()), self.signed)
        msb = QuantizeGrad.apply(conv(x_msb, w_msb), f["msb_bits_grad"])
        return Mix.apply(exact, msb)


class Basic(nn.Module):
    def __init__(self, cin, planes, stride, flags):
        super().__init__()
        self.conv1 = PsgConv(cin, planes, 3, stride, 1, False, flags)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = PsgConv(planes, planes, 3, 1, 1, False, flags)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != planes:
            self.shortcut = nn.Sequential(PsgConv(cin, planes, 1, stride, 0, False, flags), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class PsgResNet20(nn.Module):
    def __init__(self, flags, classes=10):
        super().__init__()
        self.conv1 = PsgConv(3, 16, 3, 1, 1, True, flags)  # the first conv sees signed input
        self.bn1 = nn.BatchNorm2d(16)
        cin = 16
        for s in range(3):
            blocks = []
            for b in range(3):
                blocks.append(Basic(cin, 16 << s, 2 if b == 0 and s > 0 else 1, flags))
                cin = 16 << s
            setattr(self, "layer%d" % (s + 1), nn.Sequential(*blocks))
        self.linear = nn.Linear(64, classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.avg_pool2d(out, out.size(3))
        return self.linear(out.view(out.size(0), -1))


# name -> flags; "seed" are the seed command's flags (--msb-bits 8 --msb-bits-weight 8 --msb-bits-grad 16
# --psg-threshold 1e-7 --psg-sparsify --psg-no-take-sign), "defaults" the CIFAR script's defaults
FLAGS = {
    "seed": dict(msb_bits=8, msb_bits_weight=8, msb_bits_grad=16, threshold=1e-7, sparsify=True, sign=False, predictive_backward=True),
    "defaults": dict(msb_bits=4, msb_bits_weight=4, msb_bits_grad=8, threshold=0.0, sparsify=False, sign=True, predictive_backward=True),
    "mixed": dict(msb_bits=4, msb_bits_weight=4, msb_bits_grad=8, threshold=0.05, sparsify=False, sign=False, predictive_backward=True),
}
WEIGHTS_SEED, INPUT_SEED, BATCH = 3100, 3200, 8


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    g = SplitMix64(INPUT_SEED)
    x = torch.tensor(g.uniform(BATCH * 3 * 32 * 32, -1.0, 1.0), dtype=torch.float64).reshape(BATCH, 3, 32, 32).float()
    target = torch.tensor([int(v * 10) for v in g.uniform(BATCH, 0.0, 1.0)], dtype=torch.int64)
    for name, flags in FLAGS.items():
        model = PsgResNet20(flags)
        fill_deterministic(model.state_dict(), WEIGHTS_SEED)
        model.train()
        logits = model(x)
        loss = F.cross_entropy(logits, target)
        loss.backward()
        tensors = {"input": x, "target": target, "logits": logits.detach(), "loss": loss.detach().reshape(1)}
        for pname, p in model.named_parameters():
            tensors["grad." + pname] = p.grad
        save_safetensors(os.path.join(out, "PsgResNet20_%s.safetensors" % name), tensors, {
            "flags": json.dumps(flags), "weights_seed": str(WEIGHTS_SEED),
            "state_dict_keys": json.dumps(list(model.state_dict().keys()))})
        print(name, "loss %.6f" % loss.item())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/goldens/psg")
