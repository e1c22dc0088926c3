#!/usr/bin/python3
"""Trains and exports the real ONNX models that `edge-ml optimize` is tested on (issue 10).

Writes into test/fixtures/optimize/ (relative to the repository root):
  convnet.onnx (+ convnet-opset9.onnx)  conv net, opset 11 (and 9), dynamic batch and width, trained on drawn patterns
  mlp.onnx                              MLP, opset 13, trained on a teacher-network classification task
  recurrent.onnx                        LSTM + scripted Loop/If control flow, opset 14, dynamic sequence length
  attention.onnx                        TransformerEncoderLayer (d_model 128), opset 17, dynamic batch and sequence
  squeezenet.onnx                       torchvision squeezenet1_1 (10 classes), random init, opset 11
and for each model <m>.samples.jsonl: KServe V2 request bodies with torch's outputs (and labels where there is a task),
plus models.json (what was built, opsets, bytes, accuracies) that the fixtures README's table is written from.

Deterministic (fixed seeds, single-threaded-equivalent ops), no downloads, a few minutes on 2 CPU cores.
Usage: /usr/bin/python3 examples/optimize-models/make_models.py [convnet mlp recurrent attention squeezenet]
"""

import json
import math
import os
import sys
import time

import numpy as np
import onnx
import torch
from torch import nn

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "optimize")
# One thread: with OpenMP, 2 threads on a busy 2-core machine made small steps 30x slower (spin-waiting), and
# single-threaded kernels keep the run bit-for-bit reproducible.
torch.set_num_threads(1)


def seed_all(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)
    return np.random.default_rng(seed)


# ---------------------------------------------------------------------------------------------------------------------
# JSONL samples: KServe V2 request bodies (+ expected outputs, + labels)


def fmt(values):
    """Shortest text that parses back to the same float32 (numpy's float32 str is round-trip shortest)."""
    return "[" + ",".join(str(v) for v in np.asarray(values, dtype=np.float32).ravel()) + "]"


def tensor_json(name, array, datatype="FP32"):
    a = np.asarray(array)
    if datatype == "FP32":
        data = fmt(a)
    else:
        data = "[" + ",".join(str(int(v)) for v in a.ravel()) + "]"
    return '{"name":%s,"shape":%s,"datatype":"%s","data":%s}' % (json.dumps(name), json.dumps(list(a.shape), separators=(",", ":")), datatype, data)


def sample_line(inputs, outputs, labels=None):
    s = '{"inputs":[' + ",".join(tensor_json(n, a) for n, a in inputs) + "]"
    s += ',"outputs":[' + ",".join(tensor_json(n, a) for n, a in outputs) + "]"
    if labels is not None:
        s += ',"labels":' + json.dumps([int(v) for v in labels])
    return s + "}"


def write_samples(name, lines):
    path = os.path.join(OUT, f"{name}.samples.jsonl")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return os.path.getsize(path)


def record_samples(name, model, input_name, output_name, count, make):
    """Run `model` on `make(i)` -> (input, labels or None) for i < count and write the samples file; returns its size."""
    lines = []
    for i in range(count):
        x, labels = make(i)
        with torch.no_grad():
            y = model(torch.from_numpy(x)).numpy()
        lines.append(sample_line([(input_name, x)], [(output_name, y)], labels))
    return write_samples(name, lines)


def train(model, opt, sched, steps, batch, name=None):
    """Cross-entropy training on `batch()` -> (x, y); prints progress every 100 steps when named. Leaves eval mode."""
    t0 = time.time()
    model.train()
    for step in range(steps):
        x, y = batch()
        loss = nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if name is not None and step % 100 == 0:
            print(f"  {name} step {step} loss {loss.item():.3f} ({time.time() - t0:.0f}s)", flush=True)
    model.eval()
    return t0


def rounded(x, decimals=3):
    """Inputs are written with `decimals` digits; torch runs on exactly what a reader of the JSON gets."""
    return np.round(np.asarray(x, dtype=np.float64), decimals).astype(np.float32)


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    ops = ", ".join(sorted({n.op_type for n in model.graph.node}))
    return model, ops


def export(module, args, path, opset, input_names, output_names, dynamic_axes):
    torch.onnx.export(
        module,
        args,
        path,
        opset_version=opset,
        input_names=input_names,
        output_names=output_names,
        dynamic_axes=dynamic_axes,
        do_constant_folding=True,
    )
    return check(path)


# ---------------------------------------------------------------------------------------------------------------------
# 1. Conv net on procedurally drawn patterns: 10 classes, images 3 x 32 x W (W in 32..48)

PATTERNS = [
    "horizontal stripes",
    "vertical stripes",
    "diagonal stripes",
    "anti-diagonal stripes",
    "checkerboard",
    "disc",
    "square",
    "ring",
    "plus",
    "x cross",
]


def draw(cls, width, rng):
    h = 32
    yy, xx = np.mgrid[0:h, 0:width].astype(np.float64)
    phase = rng.uniform(0, 2 * math.pi)
    period = rng.uniform(4, 10)
    cy, cx = rng.uniform(10, h - 10), rng.uniform(10, width - 10)
    if cls == 0:
        m = np.sin(2 * math.pi * yy / period + phase) > 0
    elif cls == 1:
        m = np.sin(2 * math.pi * xx / period + phase) > 0
    elif cls == 2:
        m = np.sin(2 * math.pi * (xx + yy) / (period * 1.4) + phase) > 0
    elif cls == 3:
        m = np.sin(2 * math.pi * (xx - yy) / (period * 1.4) + phase) > 0
    elif cls == 4:
        s = rng.integers(3, 7)
        m = ((np.floor((xx + rng.integers(0, s)) / s) + np.floor((yy + rng.integers(0, s)) / s)) % 2) == 0
    elif cls == 5:
        r = rng.uniform(5, 10)
        m = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    elif cls == 6:
        r = rng.uniform(4, 9)
        m = (np.abs(yy - cy) <= r) & (np.abs(xx - cx) <= r)
    elif cls == 7:
        r = rng.uniform(6, 10)
        d = np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2)
        m = (d <= r) & (d >= r - rng.uniform(1.5, 3))
    elif cls == 8:
        t, r = rng.uniform(1, 2.5), rng.uniform(6, 10)
        m = ((np.abs(yy - cy) <= t) & (np.abs(xx - cx) <= r)) | ((np.abs(xx - cx) <= t) & (np.abs(yy - cy) <= r))
    else:
        t, r = rng.uniform(1, 2), rng.uniform(6, 10)
        u, v = (yy - cy + xx - cx) / math.sqrt(2), (yy - cy - xx + cx) / math.sqrt(2)
        m = ((np.abs(u) <= t) & (np.abs(v) <= r)) | ((np.abs(v) <= t) & (np.abs(u) <= r))
    # Foreground and background colours that differ enough to see, plus pixel noise.
    while True:
        bg, fg = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
        if np.abs(bg - fg).sum() > 0.6:
            break
    img = np.where(m[None], fg[:, None, None], bg[:, None, None]) + rng.normal(0, 0.05, (3, h, width))
    return np.clip(img, 0, 1)


def shapes_batch(n, width, rng):
    labels = rng.integers(0, 10, n)
    images = np.stack([draw(int(c), width, rng) for c in labels])
    return rounded(images), labels


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        chans = [3, 32, 64, 128, 192, 256]
        layers = []
        for i in range(5):
            layers += [nn.Conv2d(chans[i], chans[i + 1], 3, padding=1, bias=False), nn.BatchNorm2d(chans[i + 1]), nn.ReLU()]
            if i < 4:
                layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)  # global average pooling: any width works
        self.classifier = nn.Linear(256, 10)

    def forward(self, image):
        x = (image - 0.5) / 0.25
        x = self.pool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def make_convnet(report):
    rng = seed_all(11)
    model = ConvNet()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps, bs = 500, 48
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    t0 = train(model, opt, sched, steps, lambda: shapes_batch(bs, int(rng.choice([32, 36, 40, 44, 48])), rng), "convnet")
    test_rng = np.random.default_rng(1011)
    correct = total = 0
    margins = []
    with torch.no_grad():
        for width in [32, 40, 48]:
            for _ in range(4):
                x, y = shapes_batch(100, width, test_rng)
                logits = model(torch.from_numpy(x))
                correct += int((logits.argmax(1).numpy() == y).sum())
                total += len(y)
                top2 = logits.topk(2, 1).values
                margins.append((top2[:, 0] - top2[:, 1]).numpy())
    acc = correct / total
    print(f"  convnet test accuracy {acc:.4f} on {total} images ({time.time() - t0:.0f}s)")

    path = os.path.join(OUT, "convnet.onnx")
    dyn = {"image": {0: "batch", 3: "width"}, "logits": {0: "batch"}}
    example = torch.from_numpy(shapes_batch(2, 40, rng)[0])
    _, ops = export(model, (example,), path, 11, ["image"], ["logits"], dyn)
    entry = {
        "file": "convnet.onnx",
        "kind": "CNN (conv+BN+ReLU+MaxPool, global average pool, Gemm)",
        "opset": 11,
        "bytes": os.path.getsize(path),
        "params": sum(p.numel() for p in model.parameters()),
        "inputs": "image float32 [batch, 3, 32, width]",
        "outputs": "logits float32 [batch, 10]",
        "task": "10 drawn patterns (" + ", ".join(PATTERNS) + ")",
        "test_accuracy": acc,
        "test_size": total,
        "median_top2_margin": float(np.median(np.concatenate(margins))),
        "ops": ops,
    }
    report["convnet"] = entry
    try:
        path9 = os.path.join(OUT, "convnet-opset9.onnx")
        _, ops9 = export(model, (example,), path9, 9, ["image"], ["logits"], dyn)
        report["convnet-opset9"] = dict(entry, file="convnet-opset9.onnx", opset=9, bytes=os.path.getsize(path9), ops=ops9)
    except Exception as err:  # noqa: BLE001 - recorded in the report
        report["convnet-opset9"] = {"error": f"{type(err).__name__}: {err}"}

    sample_rng = np.random.default_rng(2011)
    entry["samples_bytes"] = record_samples(
        "convnet", model, "image", "logits", 24, lambda i: shapes_batch(1 + i % 2, [32, 36, 40, 44, 48, 33, 47, 38][i % 8], sample_rng)
    )


# ---------------------------------------------------------------------------------------------------------------------
# 2. MLP: 32 features -> 10 classes, labels from a fixed random teacher network


class Teacher(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 10))

    def forward(self, x):
        return self.net(x)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(32, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 192), nn.ReLU(), nn.Linear(192, 10)
        )

    def forward(self, features):
        return self.net(features)


def make_mlp(report):
    rng = seed_all(13)
    teacher = Teacher()
    for p in teacher.parameters():
        p.requires_grad_(False)

    def data(n, r):
        x = rounded(r.normal(0, 1, (n, 32)))
        y = teacher(torch.from_numpy(x)).argmax(1).numpy()
        return x, y

    model = MLP()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = 4000
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    t0 = train(model, opt, sched, steps, lambda: data(256, rng))
    x, y = data(5000, np.random.default_rng(1013))
    with torch.no_grad():
        acc = float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())
    print(f"  mlp test accuracy {acc:.4f} ({time.time() - t0:.0f}s)")
    path = os.path.join(OUT, "mlp.onnx")
    _, ops = export(
        model, (torch.from_numpy(x[:2]),), path, 13, ["features"], ["logits"], {"features": {0: "batch"}, "logits": {0: "batch"}}
    )
    entry = {
        "file": "mlp.onnx",
        "kind": "MLP (4 Gemm + ReLU)",
        "opset": 13,
        "bytes": os.path.getsize(path),
        "params": sum(p.numel() for p in model.parameters()),
        "inputs": "features float32 [batch, 32]",
        "outputs": "logits float32 [batch, 10]",
        "task": "argmax of a fixed random tanh teacher network on N(0,1) features",
        "test_accuracy": acc,
        "test_size": len(y),
        "ops": ops,
    }
    report["mlp"] = entry
    sample_rng = np.random.default_rng(2013)
    entry["samples_bytes"] = record_samples("mlp", model, "features", "logits", 24, lambda i: data([1, 2, 4, 8, 16, 3][i % 6], sample_rng))


# ---------------------------------------------------------------------------------------------------------------------
# 3. Recurrent: LSTM + a scripted Python `for` over the (dynamic) sequence length (-> Loop) and an `if` on a tensor
#    value (-> If). Task: which of the 4 input channels has the largest sum over the sequence.


class Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 64, batch_first=True)
        self.head = nn.Linear(128, 4)

    def forward(self, sequence: torch.Tensor) -> torch.Tensor:
        # Outlier guard: a batch whose largest magnitude exceeds 4 is scaled down to 4 (exports as If).
        peak = sequence.abs().max()
        if bool(peak > 4.0):
            sequence = sequence * (4.0 / peak)
        out, _ = self.lstm(sequence)
        # Running max over time steps, one step per iteration of a dynamic-length loop (exports as Loop).
        pooled = out[:, 0]
        for t in range(1, out.size(1)):
            pooled = torch.maximum(pooled, out[:, t])
        return self.head(torch.cat([pooled, out[:, -1]], dim=1))


def make_recurrent(report):
    rng = seed_all(17)

    def data(n, seq, r, outliers=False):
        x = r.normal(0, 1, (n, seq, 4))
        if outliers:
            x[:, r.integers(0, seq)] *= 6
        x = rounded(x)
        return x, x.sum(1).argmax(1)

    model = Recurrent()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    steps = 1500
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    t0 = train(model, opt, sched, steps, lambda: data(64, int(rng.integers(4, 25)), rng))
    test_rng = np.random.default_rng(1017)
    correct = total = 0
    with torch.no_grad():
        for seq in [4, 8, 12, 16, 20, 24]:
            x, y = data(500, seq, test_rng)
            correct += int((model(torch.from_numpy(x)).argmax(1).numpy() == y).sum())
            total += len(y)
    acc = correct / total
    print(f"  recurrent test accuracy {acc:.4f} ({time.time() - t0:.0f}s)")

    scripted = torch.jit.script(model)
    path = os.path.join(OUT, "recurrent.onnx")
    x, _ = data(2, 7, rng)
    _, ops = export(
        scripted,
        (torch.from_numpy(x),),
        path,
        14,
        ["sequence"],
        ["logits"],
        {"sequence": {0: "batch", 1: "seq"}, "logits": {0: "batch"}},
    )
    if "Loop" not in ops.split(", ") or "If" not in ops.split(", "):
        raise RuntimeError(f"recurrent.onnx has no Loop/If: {ops}")
    entry = {
        "file": "recurrent.onnx",
        "kind": "LSTM + Loop + If (torch.jit.script)",
        "opset": 14,
        "bytes": os.path.getsize(path),
        "params": sum(p.numel() for p in model.parameters()),
        "inputs": "sequence float32 [batch, seq, 4]",
        "outputs": "logits float32 [batch, 4]",
        "task": "which of 4 channels has the largest sum over the sequence",
        "test_accuracy": acc,
        "test_size": total,
        "ops": ops,
    }
    report["recurrent"] = entry
    sample_rng = np.random.default_rng(2017)
    entry["samples_bytes"] = record_samples(
        "recurrent", model, "sequence", "logits", 24, lambda i: data(1 + i % 3, [3, 5, 8, 13, 21, 1, 30, 10][i % 8], sample_rng, outliers=i % 4 == 3)
    )


# ---------------------------------------------------------------------------------------------------------------------
# 4. Attention block: one TransformerEncoderLayer, d_model 128, random init (no task)


def make_attention(report):
    rng = seed_all(19)
    layer = nn.TransformerEncoderLayer(
        d_model=128, nhead=4, dim_feedforward=512, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
    )
    layer.eval()
    path = os.path.join(OUT, "attention.onnx")
    example = torch.from_numpy(rounded(rng.normal(0, 1, (2, 6, 128))))
    # Exported with grad enabled: under no_grad an eval-mode layer takes torch's fused fast path,
    # aten::_transformer_encoder_layer_fwd, which has no ONNX export.
    _, ops = export(
        layer, (example,), path, 17, ["hidden"], ["output"], {"hidden": {0: "batch", 1: "seq"}, "output": {0: "batch", 1: "seq"}}
    )
    entry = {
        "file": "attention.onnx",
        "kind": "TransformerEncoderLayer (pre-LN, 4-head self-attention, GELU FFN 512)",
        "opset": 17,
        "bytes": os.path.getsize(path),
        "params": sum(p.numel() for p in layer.parameters()),
        "inputs": "hidden float32 [batch, seq, 128]",
        "outputs": "output float32 [batch, seq, 128]",
        "task": None,
        "test_accuracy": None,
        "ops": ops,
    }
    report["attention"] = entry
    sample_rng = np.random.default_rng(2019)
    entry["samples_bytes"] = record_samples(
        "attention", layer, "hidden", "output", 20, lambda i: (rounded(sample_rng.normal(0, 1, (1 + i % 2, [2, 5, 9, 12, 1, 7, 16, 3][i % 8], 128))), None)
    )


# ---------------------------------------------------------------------------------------------------------------------
# 5. torchvision squeezenet1_1, 10 classes, random init (an architecture we did not design; no task)


def make_squeezenet(report):
    try:
        import torchvision
    except ImportError as err:
        report["squeezenet"] = {"error": f"torchvision not installed: {err}"}
        return
    rng = seed_all(23)
    model = torchvision.models.squeezenet1_1(num_classes=10)
    model.eval()
    path = os.path.join(OUT, "squeezenet.onnx")
    example = torch.from_numpy(rounded(rng.uniform(0, 1, (1, 3, 48, 48))))
    dyn = {"image": {0: "batch", 2: "height", 3: "width"}, "logits": {0: "batch"}}
    _, ops = export(model, (example,), path, 11, ["image"], ["logits"], dyn)
    entry = {
        "file": "squeezenet.onnx",
        "kind": "torchvision squeezenet1_1 (Fire modules, Concat, ceil-mode MaxPool)",
        "opset": 11,
        "bytes": os.path.getsize(path),
        "params": sum(p.numel() for p in model.parameters()),
        "inputs": "image float32 [batch, 3, height, width]",
        "outputs": "logits float32 [batch, 10]",
        "task": None,
        "test_accuracy": None,
        "ops": ops,
    }
    if entry["bytes"] > 6_000_000:
        os.remove(path)
        report["squeezenet"] = {"error": f"squeezenet1_1 export is {entry['bytes']} bytes (> 6 MB)"}
        return
    report["squeezenet"] = entry
    sample_rng = np.random.default_rng(2023)
    entry["samples_bytes"] = record_samples(
        "squeezenet", model, "image", "logits", 16, lambda i: (rounded(sample_rng.uniform(0, 1, (1, 3, *[(32, 32), (40, 48), (48, 40), (36, 44)][i % 4]))), None)
    )


BUILDERS = {
    "convnet": make_convnet,
    "mlp": make_mlp,
    "recurrent": make_recurrent,
    "attention": make_attention,
    "squeezenet": make_squeezenet,
}


def main():
    names = sys.argv[1:] or list(BUILDERS)
    os.makedirs(OUT, exist_ok=True)
    report_path = os.path.join(OUT, "models.json")
    report = {}
    if os.path.exists(report_path):
        with open(report_path) as f:
            report = json.load(f)
    report["generator"] = {"torch": torch.__version__, "onnx": onnx.__version__, "numpy": np.__version__}
    for name in names:
        print(f"building {name}", flush=True)
        BUILDERS[name](report)
        with open(report_path, "w") as f:
            json.dump(report, f, indent=2, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
