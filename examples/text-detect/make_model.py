#!/usr/bin/python3
"""Build the edge-ml text-detection example: a small DBNet-like fully convolutional net, exported to ONNX.

Run with Debian's Python (apt-get install -y python3-torch python3-onnx):
    /usr/bin/python3 examples/text-detect/make_model.py
Writes text-detect.onnx beside this file. Deterministic: the weights come from a fixed seed, so running it twice
gives the same model (CI has no Python, so the .onnx file is committed).

The weights are NOT trained: the model exists to exercise the serving path with a real-size image tensor
(1x3x320x320 float32 in, a 1x1x80x80 probability map out), which JSON carries badly (about 5.8 MB per image) and the
KServe V2 binary tensor extension carries well (1.2 MB). The shape of the network follows DBNet (Liao et al. 2020): a
strided convolutional backbone, a feature pyramid merged at 1/4 resolution, and a sigmoid probability head.
"""
import os

import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "text-detect.onnx")
SEED = 20240612
SIZE = 320
OPSET = 17


def conv(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.ReLU())


class TextDetect(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = conv(3, 16, 2)  # 160
        self.c2 = conv(16, 32, 2)  # 80
        self.c3 = conv(32, 48, 2)  # 40
        self.c4 = conv(48, 48, 2)  # 20
        self.l2, self.l3, self.l4 = nn.Conv2d(32, 24, 1), nn.Conv2d(48, 24, 1), nn.Conv2d(48, 24, 1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.head = nn.Sequential(nn.Conv2d(24, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 1, 1))

    def forward(self, image):
        f2 = self.c2(self.c1(image))
        f3 = self.c3(f2)
        f4 = self.c4(f3)
        p3 = self.l3(f3) + self.up(self.l4(f4))
        p2 = self.l2(f2) + self.up(p3)
        return torch.sigmoid(self.head(p2))


def main():
    torch.manual_seed(SEED)
    model = TextDetect().eval()
    example = torch.rand(1, 3, SIZE, SIZE)
    torch.onnx.export(
        model,
        example,
        OUT,
        input_names=["image"],
        output_names=["probability"],
        dynamic_axes={"image": {0: "batch"}, "probability": {0: "batch"}},
        opset_version=OPSET,
        do_constant_folding=True,
    )
    m = onnx.load(OUT)
    onnx.checker.check_model(m)
    # The exporter stamps its own version; clear it so the file depends only on the graph and weights.
    m.producer_version = ""
    onnx.save(m, OUT)
    with torch.no_grad():
        p = model(example)
    print(f"wrote {OUT}: {os.path.getsize(OUT)} bytes, output {tuple(p.shape)}, mean {p.mean().item():.4f}")


if __name__ == "__main__":
    main()
