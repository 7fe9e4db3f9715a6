"""Median images/s of full training steps (zero_grad, forward, cross-entropy, backward, optimiser step) in
PyTorch CPU with 2 threads on random CIFAR-sized data: the PyTorch side of `pab bench` for bench/compare.sh.
Same method as ours (peekaboo.pab.train.StepBenchmark): `--warmup` untimed steps, then `--steps` timed ones,
images/s = batch / median step time.

Cases:
  dense  the reference's CIFAR model (`--arch`, from src/test/python/make_model_goldens.py: masked convs,
         all-ones masks) trained by torch.optim.SGD(lr 0.1, momentum 0.9, weight_decay 5e-4)
  pab    the two-branch PSG ResNet20 of src/test/python/make_psg_goldens.py (five convolutions per layer,
         as the reference) with the seed's PSG flags, random 30% weight masks per conv (SynFlow decides
         which weights survive, not how many convolutions run: random masks time the same), Bop on the
         conv weights (below) and SGD as above on BN and the classifier, as `pab bench --optimizer BOP`.

Usage: /usr/bin/python3 bench/torch/step.py --case dense|pab [--arch ResNet20] [--bs 128] [--steps 10] [--warmup 3]"""
import argparse
import os
import sys
import time
import types

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "test", "python"))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

try:
    import torchvision  # noqa: F401  (make_model_goldens needs it only for the ImageNet models)
except ImportError:
    sys.modules["torchvision"] = types.ModuleType("torchvision")

from make_model_goldens import CIFAR  # noqa: E402
from make_psg_goldens import FLAGS, PsgConv, PsgResNet20  # noqa: E402


class Bop:
    """Bop (spec section 3) in torch ops, as the reference writes it: m = g + ar g on the first step, then
    m = (1 - ar) m + ar g; flip p where |m| >= tau and sign(m) == sign(p); count flips per step and per entry."""

    def __init__(self, params, ar=1e-3, tau=1e-6):
        self.params, self.ar, self.tau = list(params), ar, tau
        self.m, self.flip_counts = {}, {}

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        flips = 0
        for p in self.params:
            if p.grad is None:
                continue
            g = p.grad
            m = self.m.get(p)
            if m is None:
                m = g.clone()
                m.add_(g.mul(self.ar))
                self.m[p] = m
                self.flip_counts[p] = torch.zeros_like(p, dtype=torch.int64)
            else:
                m.mul_(1 - self.ar)
                m.add_(g.mul(self.ar))
            flip = (m.abs() >= self.tau) & (torch.sign(m) == torch.sign(p))
            p.mul_(1 - 2 * flip.to(p.dtype))
            self.flip_counts[p].add_(flip)
            flips += int(flip.sum())
        return flips


def build(args):
    """(model, list of optimisers) for the case."""
    if args.case == "dense":
        if args.arch not in CIFAR:
            sys.exit("step.py: --arch must be one of %s, got '%s'" % (", ".join(CIFAR), args.arch))
        model = CIFAR[args.arch]()
        return model, [torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)]
    model = PsgResNet20(FLAGS["seed"])
    g = torch.Generator().manual_seed(args.seed)
    bop, rest = [], []
    for module in model.modules():
        if isinstance(module, PsgConv):
            module.weight_mask.copy_((torch.rand(module.weight.shape, generator=g) < args.density).float())
    for name, p in model.named_parameters():
        owner = model.get_submodule(name.rsplit(".", 1)[0])
        (bop if isinstance(owner, PsgConv) else rest).append(p)
    return model, [Bop(bop), torch.optim.SGD(rest, lr=0.1, momentum=0.9, weight_decay=5e-4)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--case", choices=["dense", "pab"], required=True)
    ap.add_argument("--arch", default="ResNet20", help="dense: the CIFAR architecture (default ResNet20)")
    ap.add_argument("--bs", type=int, default=128)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--density", type=float, default=0.3, help="pab: fraction of conv weights kept (default 0.3)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.bs < 1 or args.steps < 1 or args.warmup < 0 or args.threads < 1:
        sys.exit("step.py: --bs, --steps and --threads must be at least 1 and --warmup at least 0")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model, optims = build(args)
    x = torch.randn(args.bs, 3, 32, 32)
    y = torch.randint(0, 10, (args.bs,))
    model.train()
    seconds = []
    for i in range(-args.warmup, args.steps):
        t0 = time.perf_counter()
        for o in optims:
            o.zero_grad()
        F.cross_entropy(model(x), y).backward()
        for o in optims:
            o.step()
        dt = time.perf_counter() - t0
        if i >= 0:
            seconds.append(dt)
            print("step %d: %.3f s, %.1f images/s" % (i + 1, dt, args.bs / dt), flush=True)
    seconds.sort()
    n = len(seconds)
    median = seconds[n // 2] if n % 2 == 1 else (seconds[n // 2 - 1] + seconds[n // 2]) / 2
    what = args.arch + " batch %d, SGD" % args.bs if args.case == "dense" else \
        "two-branch PsgResNet20 batch %d, BOP, random %g masks, seed PSG flags" % (args.bs, args.density)
    print("%s on pytorch %s (%d threads): median %.1f images/s over %d steps"
          % (what, torch.__version__, torch.get_num_threads(), args.bs / median, args.steps))


if __name__ == "__main__":
    main()
