#!/usr/bin/env python3
"""Writes the PyTorch golden file used by peekaboo.ops.TorchGoldenTest.

PyTorch is only the oracle here: run this script by hand (tested with Debian's python3-torch 1.13, CPU)
to regenerate src/test/resources/goldens/torch_ops.json; the Java tests read the JSON and never need torch.

Format: {"torch_version": str, "cases": [{"name", "op", "dtype", "params": {...},
"tensors": {name: {"shape": [...], "data": [flat row-major values]}}}]}. Floats are written with
repr(), which round-trips doubles exactly; float32 values are stored as the doubles they convert to.

Usage: python3 src/test/python/make_goldens.py [output.json]
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "goldens", "torch_ops.json")
DTYPES = {"float64": torch.float64, "float32": torch.float32}


def enc(t):
    t = t.detach().cpu()
    data = t.reshape(-1).tolist()
    return {"shape": list(t.shape), "data": data}


def rand(gen, *shape, scale=1.0, shift=0.0):
    return torch.randn(*shape, generator=gen, dtype=torch.float64) * scale + shift


def leaf(t, dt):
    return t.to(dt).clone().requires_grad_(True)


def conv_case(gen, name, dt, n, c, h, w, k, r, s, stride, padding, dilation, groups, bias):
    x = leaf(rand(gen, n, c, h, w), dt)
    wt = leaf(rand(gen, k, c // groups, r, s, scale=0.5), dt)
    b = leaf(rand(gen, k, scale=0.2), dt) if bias else None
    y = F.conv2d(x, wt, b, stride, padding, dilation, groups)
    dy = rand(gen, *y.shape).to(dt)
    ins = [x, wt] + ([b] if bias else [])
    grads = torch.autograd.grad((y * dy).sum(), ins, create_graph=True)
    # second order: directions u for x and w; H u = d/d(x, w) of sum(gx ux) + sum(gw uw)
    ux, uw = rand(gen, *x.shape).to(dt), rand(gen, *wt.shape).to(dt)
    hx, hw = torch.autograd.grad((grads[0] * ux).sum() + (grads[1] * uw).sum(), [x, wt])
    tensors = {"x": enc(x), "w": enc(wt), "y": enc(y), "dy": enc(dy), "dx": enc(grads[0]), "dw": enc(grads[1]),
               "ux": enc(ux), "uw": enc(uw), "hx": enc(hx), "hw": enc(hw)}
    if bias:
        tensors["b"] = enc(b)
        tensors["db"] = enc(grads[2])
    return {"name": name, "op": "conv2d", "dtype": str(dt).replace("torch.", ""),
            "params": {"stride": list(stride), "padding": list(padding), "dilation": list(dilation), "groups": groups},
            "tensors": tensors}


def pool_case(gen, name, dt, kind, shape, kernel, stride, padding, ceil, include_pad=True):
    x = leaf(rand(gen, *shape), dt)
    if kind == "max_pool2d":
        y = F.max_pool2d(x, kernel, stride, padding, ceil_mode=ceil)
    else:
        y = F.avg_pool2d(x, kernel, stride, padding, ceil_mode=ceil, count_include_pad=include_pad)
    dy = rand(gen, *y.shape).to(dt)
    (dx,) = torch.autograd.grad((y * dy).sum(), [x])
    return {"name": name, "op": kind, "dtype": str(dt).replace("torch.", ""),
            "params": {"kernel": list(kernel), "stride": list(stride), "padding": list(padding), "ceil_mode": ceil,
                       "count_include_pad": include_pad},
            "tensors": {"x": enc(x), "y": enc(y), "dy": enc(dy), "dx": enc(dx)}}


def adaptive_case(gen, name, dt, shape, out):
    x = leaf(rand(gen, *shape), dt)
    y = F.adaptive_avg_pool2d(x, out)
    dy = rand(gen, *y.shape).to(dt)
    (dx,) = torch.autograd.grad((y * dy).sum(), [x])
    return {"name": name, "op": "adaptive_avg_pool2d", "dtype": str(dt).replace("torch.", ""),
            "params": {"output_size": list(out)},
            "tensors": {"x": enc(x), "y": enc(y), "dy": enc(dy), "dx": enc(dx)}}


def bn_case(gen, name, dt, shape, training, momentum, affine):
    c = shape[1]
    x = leaf(rand(gen, *shape, scale=1.5, shift=0.3), dt)
    w = leaf(torch.rand(c, generator=gen, dtype=torch.float64) + 0.5, dt) if affine else None
    b = leaf(rand(gen, c, scale=0.3), dt) if affine else None
    rm = rand(gen, c, scale=0.5).to(dt)
    rv = (torch.rand(c, generator=gen, dtype=torch.float64) * 1.5 + 0.5).to(dt)
    rm_before, rv_before = rm.clone(), rv.clone()
    y = F.batch_norm(x, rm, rv, w, b, training=training, momentum=momentum, eps=1e-5)
    dy = rand(gen, *y.shape).to(dt)
    ins = [x] + ([w, b] if affine else [])
    grads = torch.autograd.grad((y * dy).sum(), ins, create_graph=True)
    ux = rand(gen, *x.shape).to(dt)
    # second order w.r.t. x (and the affine weight): H u for u = (ux, uw)
    s = (grads[0] * ux).sum()
    tensors = {"x": enc(x), "running_mean": enc(rm_before), "running_var": enc(rv_before),
               "running_mean_after": enc(rm), "running_var_after": enc(rv), "y": enc(y), "dy": enc(dy),
               "dx": enc(grads[0]), "ux": enc(ux)}
    if affine:
        uw = rand(gen, c).to(dt)
        s = s + (grads[1] * uw).sum()
        tensors.update({"weight": enc(w), "bias": enc(b), "dweight": enc(grads[1]), "dbias": enc(grads[2]), "uw": enc(uw)})
    hs = torch.autograd.grad(s, ins[:2], allow_unused=True) if s.requires_grad else (None, None)
    tensors["hx"] = enc(hs[0] if hs[0] is not None else torch.zeros_like(x))
    if affine:
        tensors["hw"] = enc(hs[1] if hs[1] is not None else torch.zeros_like(w))
    return {"name": name, "op": "batch_norm", "dtype": str(dt).replace("torch.", ""),
            "params": {"training": training, "momentum": momentum, "eps": 1e-5, "affine": affine},
            "tensors": tensors}


def ce_case(gen, name, dt, n, k, scale):
    logits = leaf(rand(gen, n, k, scale=scale), dt)
    target = torch.randint(0, k, (n,), generator=gen)
    loss = F.cross_entropy(logits, target)
    (g,) = torch.autograd.grad(loss, [logits], create_graph=True)
    u = rand(gen, n, k).to(dt)
    (h,) = torch.autograd.grad((g * u).sum(), [logits])
    return {"name": name, "op": "cross_entropy", "dtype": str(dt).replace("torch.", ""), "params": {},
            "tensors": {"logits": enc(logits), "target": {"shape": [n], "data": target.tolist()}, "loss": enc(loss),
                        "dlogits": enc(g), "u": enc(u), "hlogits": enc(h)}}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else OUT
    cases = []
    for dname, dt in DTYPES.items():
        gen = torch.Generator().manual_seed(1234)
        cases += [
            conv_case(gen, "conv_s2_p1_bias", dt, 2, 3, 7, 6, 4, 3, 3, (2, 2), (1, 1), (1, 1), 1, True),
            conv_case(gen, "conv_asym_stride_pad", dt, 1, 2, 6, 7, 3, 2, 3, (1, 2), (2, 0), (1, 1), 1, False),
            conv_case(gen, "conv_dilation2_p2", dt, 2, 2, 7, 7, 2, 3, 3, (1, 1), (2, 2), (2, 2), 1, True),
            conv_case(gen, "conv_groups2", dt, 1, 4, 5, 5, 6, 3, 3, (1, 1), (1, 1), (1, 1), 2, False),
            conv_case(gen, "conv_depthwise_s2", dt, 2, 3, 6, 6, 3, 3, 3, (2, 2), (1, 1), (1, 1), 3, True),
            conv_case(gen, "conv_1x1_s2", dt, 2, 4, 5, 5, 3, 1, 1, (2, 2), (0, 0), (1, 1), 1, False),
            pool_case(gen, "maxpool_k3_s2_p1", dt, "max_pool2d", (2, 2, 7, 7), (3, 3), (2, 2), (1, 1), False),
            pool_case(gen, "maxpool_k2_s2_ceil", dt, "max_pool2d", (1, 3, 5, 5), (2, 2), (2, 2), (0, 0), True),
            pool_case(gen, "maxpool_k3_s2_p1_ceil", dt, "max_pool2d", (1, 2, 6, 6), (3, 3), (2, 2), (1, 1), True),
            pool_case(gen, "avgpool_k3_s2_p1_incl", dt, "avg_pool2d", (2, 2, 6, 5), (3, 3), (2, 2), (1, 1), False, True),
            pool_case(gen, "avgpool_k3_s2_p1_excl", dt, "avg_pool2d", (2, 2, 6, 5), (3, 3), (2, 2), (1, 1), False, False),
            pool_case(gen, "avgpool_k2_s2_p1_ceil_incl", dt, "avg_pool2d", (1, 2, 5, 6), (2, 2), (2, 2), (1, 1), True, True),
            pool_case(gen, "avgpool_k3_s2_ceil_excl", dt, "avg_pool2d", (1, 2, 6, 6), (3, 3), (2, 2), (1, 1), True, False),
            pool_case(gen, "avgpool_global8", dt, "avg_pool2d", (2, 3, 8, 8), (8, 8), (8, 8), (0, 0), False, True),
            adaptive_case(gen, "adaptive_global", dt, (2, 3, 5, 4), (1, 1)),
            adaptive_case(gen, "adaptive_5x7_to_3x4", dt, (1, 2, 5, 7), (3, 4)),
            bn_case(gen, "bn_train_4d", dt, (3, 2, 3, 4), True, 0.1, True),
            bn_case(gen, "bn_train_4d_momentum09", dt, (2, 3, 2, 3), True, 0.9, True),
            bn_case(gen, "bn_train_2d_noaffine", dt, (5, 3), True, 0.1, False),
            bn_case(gen, "bn_eval_4d", dt, (2, 3, 3, 3), False, 0.1, True),
            bn_case(gen, "bn_eval_2d_noaffine", dt, (4, 2), False, 0.1, False),
            ce_case(gen, "cross_entropy", dt, 4, 5, 2.0),
            ce_case(gen, "cross_entropy_large", dt, 3, 4, 1e4),
        ]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", len(cases), "cases to", out)


if __name__ == "__main__":
    main()
