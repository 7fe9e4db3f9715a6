"""Writes the model-parity goldens for ModelParityTest (run by hand with Debian's python3-torch and
python3-torchvision; the goldens are committed, tests never need torch):

    python3 src/test/python/make_model_goldens.py src/test/resources/goldens/models

The CIFAR models are written here from the spec (our PyTorch rendering of the reference layouts);
the ImageNet ones are torchvision's, with the reference's weight_mask buffers added."""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from goldens_common import SplitMix64, fill_deterministic, save_safetensors


class MaskedConv2d(nn.Conv2d):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register_buffer("weight_mask", torch.ones(self.weight.shape))
        if self.bias is not None:
            self.register_buffer("bias_mask", torch.ones(self.bias.shape))

    def forward(self, x):
        b = self.bias_mask * self.bias if self.bias is not None else None
        return F.conv2d(x, self.weight_mask * self.weight, b, self.stride, self.padding, self.dilation, self.groups)


class MaskedLinear(nn.Linear):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register_buffer("weight_mask", torch.ones(self.weight.shape))
        self.register_buffer("bias_mask", torch.ones(self.bias.shape))

    def forward(self, x):
        return F.linear(x, self.weight_mask * self.weight, self.bias_mask * self.bias)


def shortcut(cin, cout, stride):
    if stride == 1 and cin == cout:
        return nn.Sequential()
    return nn.Sequential(MaskedConv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))


class Basic(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = MaskedConv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = MaskedConv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = shortcut(cin, planes, stride)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class Bottle(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = MaskedConv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = MaskedConv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = MaskedConv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.shortcut = shortcut(cin, planes * 4, stride)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        return F.relu(self.bn3(self.conv3(out)) + self.shortcut(x))


class CifarResNet(nn.Module):
    def __init__(self, bottleneck, blocks, classes=10):
        super().__init__()
        base = 64 if len(blocks) == 4 else 16
        exp = 4 if bottleneck else 1
        self.conv1 = MaskedConv2d(3, base, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(base)
        cin = base
        self.stages = len(blocks)
        for s, n in enumerate(blocks):
            layers = []
            for b in range(n):
                stride = 2 if b == 0 and s > 0 else 1
                layers.append((Bottle if bottleneck else Basic)(cin, base << s, stride))
                cin = (base << s) * exp
            setattr(self, "layer%d" % (s + 1), nn.Sequential(*layers))
        self.linear = nn.Linear(cin, classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        for s in range(self.stages):
            out = getattr(self, "layer%d" % (s + 1))(out)
        out = F.avg_pool2d(out, out.size(3))
        return self.linear(out.view(out.size(0), -1))


VGG_CFG = {11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
           13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
           16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
           19: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]}


class VGG(nn.Module):
    def __init__(self, depth, classes=10):
        super().__init__()
        layers, cin = [], 3
        for c in VGG_CFG[depth]:
            if c == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [MaskedConv2d(cin, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
                cin = c
        layers.append(nn.AvgPool2d(1, 1))
        self.features = nn.Sequential(*layers)
        self.classifier = MaskedLinear(512, classes)

    def forward(self, x):
        return self.classifier(self.features(x).view(x.size(0), -1))


class WideBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = MaskedConv2d(cin, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = MaskedConv2d(planes, planes, 3, stride, 1, bias=False)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != planes:
            self.shortcut = nn.Sequential(MaskedConv2d(cin, planes, 1, stride, bias=False))

    def forward(self, x):
        out = self.conv1(F.relu(self.bn1(x)))
        out = self.conv2(F.relu(self.bn2(out)))
        return out + self.shortcut(x)


class WideResNet(nn.Module):
    def __init__(self, depth, k, classes=10):
        super().__init__()
        n = (depth - 4) // 6
        st = [16, 16 * k, 32 * k, 64 * k]
        self.conv1 = MaskedConv2d(3, st[0], 3, 1, 1, bias=False)
        cin = st[0]
        for s in range(1, 4):
            layers = []
            for b in range(n):
                layers.append(WideBlock(cin, st[s], 2 if b == 0 and s > 1 else 1))
                cin = st[s]
            setattr(self, "layer%d" % s, nn.Sequential(*layers))
        self.bn1 = nn.BatchNorm2d(st[3], momentum=0.9)
        self.linear = nn.Linear(st[3], classes)

    def forward(self, x):
        out = self.layer3(self.layer2(self.layer1(self.conv1(x))))
        out = F.avg_pool2d(F.relu(self.bn1(out)), 8)
        return self.linear(out.view(out.size(0), -1))


def imagenet(name, classes=1000):
    """torchvision's model with the reference's masks: every conv but the downsample ones, and fc."""
    model = getattr(torchvision.models, name)(num_classes=classes)
    for mname, m in model.named_modules():
        if (isinstance(m, nn.Conv2d) and "downsample" not in mname) or mname == "fc":
            m.register_buffer("weight_mask", torch.ones(m.weight.shape))
            if m.bias is not None:
                m.register_buffer("bias_mask", torch.ones(m.bias.shape))
    return model


CIFAR = {
    "ResNet20": lambda: CifarResNet(False, [3, 3, 3]), "ResNet32": lambda: CifarResNet(False, [5, 5, 5]),
    "ResNet44": lambda: CifarResNet(False, [7, 7, 7]), "ResNet56": lambda: CifarResNet(False, [9, 9, 9]),
    "ResNet110": lambda: CifarResNet(False, [18, 18, 18]), "ResNet18": lambda: CifarResNet(False, [2, 2, 2, 2]),
    "ResNet34": lambda: CifarResNet(False, [3, 4, 6, 3]), "ResNet50": lambda: CifarResNet(True, [3, 4, 6, 3]),
    "ResNet101": lambda: CifarResNet(True, [3, 4, 23, 3]), "ResNet152": lambda: CifarResNet(True, [3, 8, 36, 3]),
    "VGG11": lambda: VGG(11), "VGG13": lambda: VGG(13), "VGG16": lambda: VGG(16), "VGG19": lambda: VGG(19),
    "WideResNet28_10": lambda: WideResNet(28, 10), "WideResNet16_4": lambda: WideResNet(16, 4),
}
IMAGENET = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]
# (architecture, input size) of the forward-parity goldens
PARITY = [("ResNet20", 32), ("ResNet18", 32), ("ResNet50", 32), ("VGG11", 32), ("WideResNet16_4", 32),
          ("resnet18", 64), ("resnet50", 64)]


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    counts = {}
    for name, make in CIFAR.items():
        counts[name] = sum(p.numel() for p in make().parameters())
    for name in IMAGENET:
        counts[name] = sum(p.numel() for p in imagenet(name).parameters())
    with open(os.path.join(out, "param_counts.json"), "w") as f:
        json.dump(counts, f, indent=1)
    for seed, (name, size) in enumerate(PARITY):
        model = CIFAR[name]() if name in CIFAR else imagenet(name)
        state = model.state_dict()
        fill_deterministic(state, 1000 + seed)
        g = SplitMix64(2000 + seed)
        x = torch.tensor(g.uniform(2 * 3 * size * size, -1.0, 1.0), dtype=torch.float64).reshape(2, 3, size, size).float()
        model.eval()
        with torch.no_grad():
            eval_logits = model(x)
        model.train()
        with torch.no_grad():
            train_logits = model(x)
        first_bn = [k for k in model.state_dict() if k.endswith("running_mean")][0]
        save_safetensors(os.path.join(out, name + ".safetensors"), {
            "input": x, "logits_eval": eval_logits, "logits_train": train_logits,
            "bn_running_mean_after_train": model.state_dict()[first_bn].clone(),
        }, {"bn_key": first_bn, "weights_seed": str(1000 + seed), "size": str(size),
            "state_dict_keys": json.dumps(list(model.state_dict().keys()))})
        print(name, "logits", tuple(eval_logits.shape), "first BN", first_bn)
    # a whole state_dict saved by PyTorch, loaded by the Java side as a checkpoint
    model = CIFAR["ResNet20"]()
    torch.manual_seed(7)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.num_batches_tracked.fill_(3)
    model.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        y = model(x)
    save_safetensors(os.path.join(out, "ResNet20_torch_state_dict.safetensors"), model.state_dict())
    save_safetensors(os.path.join(out, "ResNet20_torch_io.safetensors"), {"input": x, "logits_eval": y})


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/goldens/models")
