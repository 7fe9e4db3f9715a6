#!/usr/bin/env python3
"""Writes the PyTorch goldens used by peekaboo.optim.OptimGoldenTest.

PyTorch is only the oracle: run this by hand (tested with Debian's python3-torch 1.13, CPU) to regenerate
src/test/resources/goldens/optim/optim_goldens.json; the Java tests read the JSON and never need torch.

Contents:
- "sgd": torch.optim.SGD (dampening 0) runs on fixed tensors with given gradients, per step the
  parameter and momentum buffer after the step (float32 and float64; momentum 0.9 / 0, weight decay
  5e-4 / 0, nesterov on/off, and an lr change between steps as a schedule would make).
- "bop": Bop steps written here with torch ops from spec section 3 (m = g + ar g on the first step,
  m = (1 - ar) m + ar g later, flip where |m| >= tau and sign(m) == sign(p)), per step p, m, the
  number of flips and the accumulated per-entry flip counts; gradients of pruned entries are 0
  (pruned from the start, or from a later step).
- "multistep_lr": the lr after each MultiStepLR.step(); "imagenet_lr": the ImageNet script's
  lr * 0.1 ** (epoch // 30) with lr scaled by batch / 256; "ar_decay": gamma used for each epoch
  under the CIFAR (after the epoch) and ImageNet (before it) decay rules.

Floats are written with repr(), which round-trips doubles exactly; float32 values are stored as the
doubles they convert to.

Usage: python3 src/test/python/make_optim_goldens.py [output.json]
"""
import json
import os
import sys

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "goldens", "optim", "optim_goldens.json")
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def enc(t):
    t = t.detach().cpu()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def params_and_grads(gen, dt, shapes, steps, grad_scale, zero_frac=0.1):
    """Fixed parameters and per-step gradients (some exact zeros in the gradients)."""
    params = [torch.randn(*s, generator=gen, dtype=torch.float64).to(dt) for s in shapes]
    grads = []
    for _ in range(steps):
        step = []
        for s in shapes:
            g = torch.randn(*s, generator=gen, dtype=torch.float64) * grad_scale
            g[torch.rand(*s, generator=gen, dtype=torch.float64) < zero_frac] = 0.0
            step.append(g.to(dt))
        grads.append(step)
    return params, grads


def sgd_case(gen, name, dt, momentum, wd, nesterov, lrs):
    shapes = [(4, 3, 3), (7,)]
    params, grads = params_and_grads(gen, DTYPES[dt], shapes, len(lrs), 0.5)
    ps = [p.clone().requires_grad_(True) for p in params]
    opt = torch.optim.SGD(ps, lr=lrs[0], momentum=momentum, dampening=0, weight_decay=wd, nesterov=nesterov)
    out_steps = []
    for k, lr in enumerate(lrs):
        for group in opt.param_groups:
            group["lr"] = lr
        for p, g in zip(ps, grads[k]):
            p.grad = g.clone()
        opt.step()
        rec = {"params": [enc(p) for p in ps]}
        if momentum != 0:
            rec["buffers"] = [enc(opt.state[p]["momentum_buffer"]) for p in ps]
        out_steps.append(rec)
    return {"name": name, "dtype": dt, "momentum": momentum, "weight_decay": wd, "nesterov": nesterov, "lrs": lrs,
            "params": [enc(p) for p in params], "grads": [[enc(g) for g in step] for step in grads], "steps": out_steps}


def bop_step(p, g, state, ar, tau):
    """One Bop step on one parameter, spec section 3, in torch ops (float32 ops round like PyTorch's kernels)."""
    if state.get("m") is None:
        m = g.clone()
        m.add_(g.mul(ar))
        state["m"] = m
    else:
        m = state["m"]
        m.mul_(1 - ar)
        m.add_(g.mul(ar))
    flip = (m.abs() >= tau) & (m.sign() == p.sign())
    p.mul_(torch.where(flip, -1.0, 1.0).to(p.dtype))
    state["counts"] = state.get("counts", torch.zeros(p.shape, dtype=torch.int64)) + flip.to(torch.int64)
    return int(flip.sum().item())


def bop_case(gen, name, dt, ar, tau, steps, grad_kind, prune_from):
    """prune_from: the step from which a fixed mask zeroes gradients (0: pruned before training)."""
    shapes = [(6, 2, 3, 3), (5,)]
    dtype = DTYPES[dt]
    params, grads = params_and_grads(gen, dtype, shapes, steps, 0.1, zero_frac=0.0)
    masks = [(torch.rand(*s, generator=gen, dtype=torch.float64) >= 0.3).to(dtype) for s in shapes]
    if grad_kind == "sign":  # PSG-like gradients: -1, 0, +1
        grads = [[g.sign() for g in step] for step in grads]
    for k in range(steps):
        if k >= prune_from:
            grads[k] = [g * mk for g, mk in zip(grads[k], masks)]
    ps = [p.clone() for p in params]
    states = [{} for _ in ps]
    out_steps = []
    for k in range(steps):
        flips = [bop_step(p, g, st, ar, tau) for p, g, st in zip(ps, grads[k], states)]
        out_steps.append({"params": [enc(p) for p in ps], "m": [enc(st["m"]) for st in states], "flips": flips,
                          "counts": [enc(st["counts"]) for st in states]})
    return {"name": name, "dtype": dt, "ar": ar, "tau": tau, "prune_from": prune_from,
            "params": [enc(p) for p in params], "masks": [enc(mk) for mk in masks],
            "grads": [[enc(g) for g in step] for step in grads], "steps": out_steps}


def multistep_lr(lr, milestones, gamma, epochs):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=0.9)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=milestones, gamma=gamma)
    lrs = []
    for _ in range(epochs):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return {"lr": lr, "milestones": milestones, "gamma": gamma, "lrs_after_each_step": lrs}


def imagenet_lr(lr, batch_size, epochs):
    scaled = lr * (batch_size / 256)  # main_imagenet_train.py: args.lr *= args.batch_size / 256
    return {"lr": lr, "batch_size": batch_size, "scaled": scaled, "lrs": [scaled * (0.1 ** (epoch // 30)) for epoch in range(epochs)]}


def ar_decay(ar, freq, ratio, epochs):
    cifar, imagenet = [], []
    a = ar
    for epoch in range(epochs):  # CIFAR: train, then decay after epoch e with (e + 1) % freq == 0
        cifar.append(a)
        if (epoch + 1) % freq == 0:
            a *= ratio
    a = ar
    for epoch in range(epochs):  # ImageNet: decay before training such an epoch
        if (epoch + 1) % freq == 0:
            a *= ratio
        imagenet.append(a)
    return {"ar": ar, "freq": freq, "ratio": ratio, "cifar": cifar, "imagenet": imagenet}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else OUT
    gen = torch.Generator().manual_seed(20240607)
    lrs = [0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002]
    sgd = []
    for dt in ("float32", "float64"):
        sgd.append(sgd_case(gen, "momentum_wd", dt, 0.9, 5e-4, False, lrs))
        sgd.append(sgd_case(gen, "momentum_wd_nesterov", dt, 0.9, 5e-4, True, lrs))
        sgd.append(sgd_case(gen, "momentum_only", dt, 0.9, 0.0, False, lrs))
        sgd.append(sgd_case(gen, "plain", dt, 0.0, 0.0, False, lrs))
        sgd.append(sgd_case(gen, "wd_only", dt, 0.0, 1e-4, False, lrs))
        sgd.append(sgd_case(gen, "large_wd_nesterov", dt, 0.8, 0.37, True, lrs))  # makes fma(wd, p, g) visible
    bop = []
    for dt in ("float32", "float64"):
        bop.append(bop_case(gen, "defaults_sign_grads_pruned", dt, 1e-3, 1e-6, 6, "sign", 0))
        bop.append(bop_case(gen, "fast_ar_pruned_later", dt, 0.2, 0.02, 8, "gauss", 3))
        bop.append(bop_case(gen, "tau_zero", dt, 0.5, 0.0, 5, "gauss", 0))
    doc = {"torch_version": torch.__version__, "sgd": sgd, "bop": bop,
           "multistep_lr": [multistep_lr(0.1, [80, 120], 0.1, 200), multistep_lr(0.05, [3, 3, 7], 0.5, 12)],
           "imagenet_lr": [imagenet_lr(0.1, 256, 100), imagenet_lr(0.1, 512, 100), imagenet_lr(0.1, 96, 100)],
           "ar_decay": [ar_decay(1e-3, 100, 0.1, 350), ar_decay(0.3, 3, 0.5, 10)]}
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(doc, f)
    print(f"wrote {out}: {len(sgd)} SGD cases, {len(bop)} Bop cases")


if __name__ == "__main__":
    main()
