"""Confirms that PyTorch loads a checkpoint written by the Java engine (strict load) and computes the same
logits. Run after `mvn test -Dtest=ModelParityTest` with Debian's python3-torch:

    /usr/bin/python3 src/test/python/check_java_checkpoint.py target/java-checkpoints
"""
import os
import sys

import torch

from goldens_common import load_safetensors
from make_model_goldens import CIFAR

d = sys.argv[1] if len(sys.argv) > 1 else "target/java-checkpoints"
model = CIFAR["ResNet20"]()
model.load_state_dict(load_safetensors(os.path.join(d, "ResNet20.safetensors")), strict=True)
io = load_safetensors(os.path.join(d, "ResNet20_io.safetensors"))
model.eval()
with torch.no_grad():
    y = model(io["input"])
err = ((y - io["logits_eval"]).abs().max() / io["logits_eval"].abs().max()).item()
print("PyTorch loaded the Java checkpoint strictly; max relative logit difference %.2e" % err)
sys.exit(0 if err <= 1e-4 else 1)
