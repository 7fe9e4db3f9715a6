"""Images/s of PyTorch's CIFAR-10 training data path alone (for bench/compare.sh, next to our
peekaboo.bench.LoaderTimer): torchvision ImageFolder on DATA_DIR/train, RandomCrop(32, 4),
RandomHorizontalFlip, ToTensor, Normalize, DataLoader(batch 128, shuffled, N worker processes), no network.
Median of the timed passes after one untimed warm-up pass.

Usage: /usr/bin/python3 bench/torch/loader.py DATA_DIR [workers=2] [passes=3] [images per pass=all]"""
import os
import sys
import time

import torch
import torchvision.datasets as datasets
import torchvision.transforms as T

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)


def one_pass(loader, images):
    t0 = time.perf_counter()
    seen = 0
    for x, _ in loader:
        seen += x.size(0)
        if seen >= images:
            break
    return time.perf_counter() - t0


def main():
    if not 2 <= len(sys.argv) <= 5:
        sys.exit(__doc__.splitlines()[-1])
    data = os.path.join(sys.argv[1], "train")
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    passes = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    torch.set_num_threads(2)
    torch.manual_seed(0)
    ds = datasets.ImageFolder(data, T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize(MEAN, STD)]))
    images = min(int(sys.argv[4]), len(ds)) if len(sys.argv) > 4 else len(ds)
    # a fresh iterator per pass starts the worker processes again, as each epoch of a training run does
    loader = torch.utils.data.DataLoader(ds, batch_size=128, shuffle=True, num_workers=workers)
    one_pass(loader, images)
    s = sorted(one_pass(loader, images) for _ in range(passes))
    median = s[passes // 2] if passes % 2 == 1 else (s[passes // 2 - 1] + s[passes // 2]) / 2
    print("pytorch loader %s, %d workers, batches of 128: %d images per pass, median %.1f images/s over %d passes"
          % (data, workers, images, images / median, passes))


if __name__ == "__main__":
    main()
