"""Times our PyTorch implementation of the spec's pruners (src/test/python/make_prune_goldens.py) on
this machine, for comparison with `pab prune`: SynFlow x100 on ResNet20 and ResNet18 (CIFAR), SNIP and
GraSP on one 100-image batch. Usage: python3 bench/torch/prune_timing.py BATCH.safetensors"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "python"))
import torch  # noqa: E402

from goldens_common import load_safetensors  # noqa: E402
from make_model_goldens import CIFAR  # noqa: E402
from make_prune_goldens import prune  # noqa: E402

torch.set_num_threads(2)
batch = load_safetensors(sys.argv[1])
x, y = batch["input"], batch["target"]
for arch, kind, iters in [("ResNet20", "SynFlow", 100), ("ResNet18", "SynFlow", 100), ("ResNet20", "SNIP", 1), ("ResNet20", "GraSP", 1)]:
    model = CIFAR[arch]()
    t0 = time.time()
    prune(kind, model, x, y, 0.3, iters, "global")
    print("pytorch %-9s %-8s x%-3d %7.2f s" % (arch, kind, iters, time.time() - t0), flush=True)
