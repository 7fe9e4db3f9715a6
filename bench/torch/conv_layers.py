"""The PyTorch side of bench/conv-layers.sh: the three passes of every distinct conv layer of CIFAR ResNet-20
(batch 128) or ResNet-18 (batch 32) in PyTorch CPU (oneDNN), with the method of our
peekaboo.bench.ConvLayersTimer: every layer's three passes run in turn, layer after layer, `--warmup` untimed
sweeps over all layers, then `--reps` timed ones; the median per layer and pass. The passes are aten's
convolution (forward) and convolution_backward with one output each (input gradient, weight gradient), on
random normal tensors, no bias. Prints one tab-separated line per layer and pass: name, count in the model,
pass, ms, GFLOP/s (2 n k outH outW c r s flops a pass).

With --hot, each layer's calls are timed in a row after the same warm-up (its operands in the caches as far as
they fit), as ConvLayersTimer -Dhot=true.

Usage: /usr/bin/python3 bench/torch/conv_layers.py resnet20|resnet18 [--reps 15] [--warmup 40] [--threads 2] [--hot]"""
import argparse
import statistics
import time

import torch

# {n, c, hw, k, rs, stride, pad, count in the model}: the list in peekaboo.bench.ConvLayersTimer.layers
LAYERS = {
    "resnet18": [(32, 3, 32, 64, 3, 1, 1, 1), (32, 64, 32, 64, 3, 1, 1, 4),
                 (32, 64, 32, 128, 3, 2, 1, 1), (32, 128, 16, 128, 3, 1, 1, 3), (32, 64, 32, 128, 1, 2, 0, 1),
                 (32, 128, 16, 256, 3, 2, 1, 1), (32, 256, 8, 256, 3, 1, 1, 3), (32, 128, 16, 256, 1, 2, 0, 1),
                 (32, 256, 8, 512, 3, 2, 1, 1), (32, 512, 4, 512, 3, 1, 1, 3), (32, 256, 8, 512, 1, 2, 0, 1)],
    "resnet20": [(128, 3, 32, 16, 3, 1, 1, 1), (128, 16, 32, 16, 3, 1, 1, 6),
                 (128, 16, 32, 32, 3, 2, 1, 1), (128, 32, 16, 32, 3, 1, 1, 5),
                 (128, 32, 16, 64, 3, 2, 1, 1), (128, 64, 8, 64, 3, 1, 1, 5),
                 (128, 16, 32, 32, 1, 2, 0, 1), (128, 32, 16, 64, 1, 2, 0, 1)],
}
PASSES = ("forward", "inputGrad", "weightGrad")


def layer_passes(n, c, hw, k, rs, stride, pad):
    """The three passes of one layer as closures, and its flops a pass."""
    x = torch.randn(n, c, hw, hw)
    w = torch.randn(k, c, rs, rs)
    y = torch.nn.functional.conv2d(x, w, stride=stride, padding=pad)
    dy = torch.randn_like(y)
    flops = 2.0 * n * k * y.shape[2] * y.shape[3] * c * rs * rs
    s, p = [stride, stride], [pad, pad]

    def backward(mask):
        return lambda: torch.ops.aten.convolution_backward(dy, x, w, None, s, p, [1, 1], False, [0, 0], 1, mask)

    return (lambda: torch.nn.functional.conv2d(x, w, stride=stride, padding=pad),
            backward([True, False, False]), backward([False, True, False])), flops


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", choices=sorted(LAYERS))
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=40)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--hot", action="store_true",
                    help="after the warm-up, time each layer's calls in a row (ConvLayersTimer -Dhot=true)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    layers = [(spec, *layer_passes(*spec[:7])) for spec in LAYERS[args.model]]
    times = [[[] for _ in PASSES] for _ in layers]
    def run_passes(li, timed):
        for pi, run in enumerate(layers[li][1]):
            t0 = time.perf_counter()
            run()
            if timed:
                times[li][pi].append(time.perf_counter() - t0)

    with torch.no_grad():
        for r in range(-args.warmup, 0 if args.hot else args.reps):
            for li in range(len(layers)):
                run_passes(li, r >= 0)
        for li in range(len(layers) if args.hot else 0):
            for r in range(-1, args.reps):
                run_passes(li, r >= 0)
    for li, (spec, _, flops) in enumerate(layers):
        n, c, hw, k, rs, stride, pad, count = spec
        name = f"{c}->{k} {hw}x{hw} {rs}x{rs} s{stride}"
        for pi, pass_name in enumerate(PASSES):
            t = statistics.median(times[li][pi])
            print(f"{name}\t{count}\t{pass_name}\t{t * 1e3:.4f}\t{flops / t / 1e9:.1f}")


if __name__ == "__main__":
    main()
