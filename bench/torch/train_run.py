"""A short, real CIFAR-10 training run in PyTorch CPU (2 threads), the counterpart of
`pab train --arch ResNet20 --dataset imagefolder --data DIR --max-steps N --workers 2` for bench/compare.sh's
peak-memory comparison: torchvision ImageFolder on DIR/train and DIR/test with the CIFAR transforms
(RandomCrop(32, 4), RandomHorizontalFlip, ToTensor, Normalize), DataLoader(batch 128, shuffled, 2 worker
processes), the reference's ResNet20 (src/test/python/make_model_goldens.py), SGD(lr 0.1, momentum 0.9,
weight_decay 5e-4); N training steps, then one pass over the test set (batch 100), as `pab train` tests
after it stops, and the state dict saved.

Usage: /usr/bin/python3 bench/torch/train_run.py DATA_DIR [--max-steps 20] [--workers 2] [--arch ResNet20] [--out FILE]"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "test", "python"))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torchvision.datasets as datasets  # noqa: E402
import torchvision.transforms as T  # noqa: E402

from make_model_goldens import CIFAR  # noqa: E402

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data")
    ap.add_argument("--max-steps", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--bs", type=int, default=128)
    ap.add_argument("--arch", default="ResNet20")
    ap.add_argument("--out", help="where to save the state dict (default: not saved)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    train = datasets.ImageFolder(os.path.join(args.data, "train"), T.Compose([
        T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize(MEAN, STD)]))
    test = datasets.ImageFolder(os.path.join(args.data, "test"), T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)]))
    train_loader = torch.utils.data.DataLoader(train, batch_size=args.bs, shuffle=True, num_workers=args.workers)
    test_loader = torch.utils.data.DataLoader(test, batch_size=100, shuffle=False, num_workers=args.workers)
    model = CIFAR[args.arch]()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    t0 = time.perf_counter()
    model.train()
    steps = 0
    for x, y in train_loader:
        if steps >= args.max_steps:
            break
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        steps += 1
    train_s = time.perf_counter() - t0
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in test_loader:
            correct += int((model(x).argmax(1) == y).sum())
    if args.out:
        torch.save(model.state_dict(), args.out)
    print("pytorch %s: %d steps in %.1f s (last loss %.4f), test accuracy %.2f%%, %.1f s in all"
          % (args.arch, steps, train_s, loss.item(), 100.0 * correct / len(test), time.perf_counter() - t0))


if __name__ == "__main__":
    main()
