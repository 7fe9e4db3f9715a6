"""Times one training step (forward + backward, no optimiser) of ResNet20 on CIFAR-sized random data in
PyTorch CPU with 2 threads: the plain masked ResNet20 and the reference-style two-branch PSG ResNet20
(src/test/python/make_psg_goldens.py: five convolutions per PSG layer), for comparison with
`bench/.../PsgStepTimer`. Usage: python3 bench/torch/psg_step.py [batch] [steps] [flags: defaults|seed]"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "python"))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from make_model_goldens import CIFAR  # noqa: E402
from make_psg_goldens import FLAGS, PsgResNet20  # noqa: E402

torch.set_num_threads(2)
batch = int(sys.argv[1]) if len(sys.argv) > 1 else 128
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 10
flags = sys.argv[3] if len(sys.argv) > 3 else "defaults"
torch.manual_seed(0)
x = torch.randn(batch, 3, 32, 32)
y = torch.zeros(batch, dtype=torch.int64)
models = {"ResNet20": CIFAR["ResNet20"](), "PsgResNet20": PsgResNet20(FLAGS[flags])}
times = {k: [] for k in models}
for s in range(steps):
    for name, model in models.items():  # interleaved, so both see the same machine load
        model.train()
        model.zero_grad()
        t0 = time.perf_counter()
        F.cross_entropy(model(x), y).backward()
        times[name].append(time.perf_counter() - t0)
med = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
for k, v in med.items():
    print("pytorch %-12s batch %d: median %.3f s per step, %.0f images/s" % (k, batch, v, batch / v))
print("pytorch PSG (%s) / plain: %.2fx" % (flags, med["PsgResNet20"] / med["ResNet20"]))
