"""Writes the pruning-parity goldens for PruningParityTest: our PyTorch implementation of spec section 2
(float64 scoring in eval mode, masks applied, k-th value threshold with ties pruned, SynFlow on an
all-ones input, GraSP with temperature 200 and signed scores), run with Debian's python3-torch 1.13 on
the CIFAR ResNet20 layout with deterministic weights and one fixed batch:

    /usr/bin/python3 src/test/python/make_prune_goldens.py src/test/resources/goldens/prune
"""
import os
import sys

import torch
import torch.nn.functional as F

from goldens_common import SplitMix64, fill_deterministic, save_safetensors
from make_model_goldens import CIFAR

TEMP, EPS = 200.0, 1e-10


def masked(model):
    """(name, mask, weight) of every masked layer in module order."""
    out = []
    for name, m in model.named_modules():
        if hasattr(m, "weight_mask"):
            out.append((name + ".weight", m.weight_mask, m.weight))
    return out


def score(kind, model, x, y):
    layers = masked(model)
    if kind == "Mag":
        return [w.detach().abs() for _, _, w in layers]
    if kind == "SNIP":
        for _, m, _ in layers:
            m.requires_grad_(True)
        loss = F.cross_entropy(model(x), y)
        grads = torch.autograd.grad(loss, [m for _, m, _ in layers])
        for _, m, _ in layers:
            m.requires_grad_(False)
        s = [g.abs() for g in grads]
        norm = torch.cat([t.flatten() for t in s]).sum()
        return [t / norm for t in s]
    if kind == "GraSP":
        ws = [w for _, _, w in layers]
        g = torch.autograd.grad(F.cross_entropy(model(x) / TEMP, y), ws)
        g = [t.detach() for t in g]
        g2 = torch.autograd.grad(F.cross_entropy(model(x) / TEMP, y), ws, create_graph=True)
        z = sum((a * b).sum() for a, b in zip(g, g2))
        hg = torch.autograd.grad(z, ws)
        s = [(h * w).detach() for h, w in zip(hg, ws)]
        norm = torch.cat([t.flatten() for t in s]).sum().abs() + EPS
        return [t / norm for t in s]
    if kind == "SynFlow":
        with torch.no_grad():
            signs = {k: torch.sign(v) for k, v in model.state_dict().items()}
            for v in model.state_dict().values():
                v.abs_()
        ws = [w for _, _, w in layers]
        r = model(torch.ones((1,) + tuple(x.shape[1:]), dtype=torch.float64)).sum()
        g = torch.autograd.grad(r, ws)
        s = [(a * w).detach().abs() for a, w in zip(g, ws)]
        with torch.no_grad():
            for k, v in model.state_dict().items():
                v.mul_(signs[k])
        return s
    raise ValueError(kind)


def prune(kind, model, x, y, density, iters, scope):
    model.double().eval()
    x = x.double()
    for i in range(1, iters + 1):
        s = score(kind, model, x, y)
        d = density ** (i / iters)
        layers = masked(model)
        if scope == "global":
            flat = torch.cat([t.flatten() for t in s])
            k = int((1.0 - d) * flat.numel())
            if k >= 1:
                th = torch.kthvalue(flat, k).values
                for (_, m, _), t in zip(layers, s):
                    m.copy_((t > th).double())
        else:
            for (_, m, _), t in zip(layers, s):
                k = int((1.0 - d) * t.numel())
                if k >= 1:
                    m.copy_((t > torch.kthvalue(t.flatten(), k).values).double())
    return {name: m.to(torch.uint8) for name, m, _ in masked(model)}


CASES = [("Mag", 1, "global"), ("SNIP", 1, "global"), ("GraSP", 1, "global"), ("SynFlow", 1, "global"),
         ("SynFlow", 20, "global"), ("SNIP", 1, "local"), ("Mag", 3, "local")]


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    g = SplitMix64(4242)
    x = torch.tensor(g.uniform(100 * 3 * 32 * 32, -2.0, 2.0), dtype=torch.float64).reshape(100, 3, 32, 32).float()
    y = torch.tensor([int(v * 10) for v in g.uniform(100, 0, 1)], dtype=torch.int64)
    save_safetensors(os.path.join(out, "batch.safetensors"), {"input": x, "target": y})
    for kind, iters, scope in CASES:
        model = CIFAR["ResNet20"]()
        fill_deterministic(model.state_dict(), 31)
        masks = prune(kind, model, x, y, 0.3, iters, scope)
        name = "%s_%d_%s" % (kind, iters, scope)
        save_safetensors(os.path.join(out, name + ".safetensors"), masks)
        remaining = sum(int(m.sum()) for m in masks.values())
        print(name, "remaining", remaining)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/goldens/prune")
