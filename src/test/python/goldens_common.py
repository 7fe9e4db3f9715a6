"""Helpers shared by our golden-file scripts: a SplitMix64 stream identical to peekaboo.tensor.Generator,
and a minimal safetensors writer/reader (the format is simple; no extra package needed)."""
import json
import struct

import torch

MASK64 = (1 << 64) - 1


class SplitMix64:
    """Same stream as peekaboo.tensor.Generator: nextLong, nextDouble = (z >>> 11) * 2^-53."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next_long(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def next_double(self):
        return (self.next_long() >> 11) * (2.0 ** -53)

    def uniform(self, n, low, high):
        return [low + (high - low) * self.next_double() for _ in range(n)]


DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.uint8: "U8", torch.bool: "BOOL"}
TORCH = {v: k for k, v in DTYPES.items()}


def save_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        data = t.numpy().tobytes() if t.dtype != torch.bool else t.to(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        dtype = TORCH[e["dtype"]]
        buf = bytearray(data[b:end])
        t = torch.frombuffer(buf, dtype=dtype if dtype != torch.bool else torch.uint8) if end > b else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(e["shape"]).clone().to(dtype)
    return out


def fill_deterministic(state_dict, seed):
    """Gives every floating tensor of a state dict values from the shared stream, in state_dict order:
    weights U(-1/sqrt(fan_in), +), BN weight U(0.5, 1.5), biases and running means U(-0.1, 0.1),
    running variances U(0.5, 1.5), masks left at one. The Java side (ModelParityTest) does the same."""
    g = SplitMix64(seed)
    for name, t in state_dict.items():
        if not t.is_floating_point() or name.endswith("_mask"):
            continue
        n = t.numel()
        if name.endswith("running_var") or (name.endswith("weight") and t.dim() == 1):
            v = g.uniform(n, 0.5, 1.5)
        elif name.endswith("weight"):
            fan_in = n // t.shape[0]
            b = 1.0 / fan_in ** 0.5
            v = g.uniform(n, -b, b)
        else:
            v = g.uniform(n, -0.1, 0.1)
        t.copy_(torch.tensor(v, dtype=torch.float64).reshape(t.shape).to(t.dtype))
