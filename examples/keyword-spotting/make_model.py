"""A tiny keyword-spotting classifier over 1 s of 16 kHz audio, trained on synthetic "keywords", for edge-ml's audio
preprocessing (issue 12: "a keyword-spotting model takes a WAV").

Run from the repository root (numpy, scipy, torch, onnx; Debian's /usr/bin/python3):

    /usr/bin/python3 examples/keyword-spotting/make_model.py

Classes: silence (faint noise), sweep_up (a tone gliding up), sweep_down (gliding down), noise (white-noise bursts),
each with random level, timing, frequency range and background noise. The model: a learned filterbank (Conv1d, 16
filters of 25 ms, hop 10 ms) → log energy → 8 time bins → MLP 128 → 32 → 4 logits.

Writes kws.onnx (input "audio" float32 [batch, 16000], output "logits" float32 [batch, 4], opset 17), labels.json,
features.json, preprocessing.json, postprocessing.json, samples/*.wav (16-bit; sweep_up is 44.1 kHz stereo so the edge
must mix down and resample) and expected.json: for each sample, the model input that scipy produces (mean of channels,
resample_poly to 16 kHz, pad/trim to 16000; every 100th value kept as a fingerprint) and torch's logits on it.
Deterministic (fixed seeds, one thread): re-running rewrites the same files.
"""

import json
import subprocess
from pathlib import Path

import numpy as np
import scipy
import torch
from scipy.io import wavfile
from scipy.signal import resample_poly
from torch import nn

HERE = Path(__file__).resolve().parent
RATE, N = 16000, 16000
LABELS = ["silence", "sweep_up", "sweep_down", "noise"]


def keyword(rng: np.random.Generator, label: int, rate: int = RATE, seconds: float = 1.0) -> np.ndarray:
    n = int(rate * seconds)
    t = np.arange(n) / rate
    x = rng.uniform(0.001, 0.01) * rng.standard_normal(n)  # background
    start = rng.uniform(0.05, 0.35) * seconds
    dur = rng.uniform(0.3, 0.55) * seconds
    on = (t >= start) & (t < start + dur)
    env = np.where(on, np.sin(np.pi * np.clip((t - start) / dur, 0, 1)) ** 0.5, 0.0)
    level = rng.uniform(0.1, 0.8)
    if label in (1, 2):
        lo, hi = rng.uniform(200, 600), rng.uniform(2000, 4000)
        f0, f1 = (lo, hi) if label == 1 else (hi, lo)
        # Exponential glide: phase is the integral of f0 · (f1/f0)^(u), u = elapsed / dur.
        u = np.clip((t - start) / dur, 0, 1)
        k = np.log(f1 / f0)
        phase = 2 * np.pi * f0 * dur * (np.exp(k * u) - 1) / k
        x += level * env * np.sin(phase)
    elif label == 3:
        x += level * env * rng.standard_normal(n) * (rng.uniform(size=n) < rng.uniform(0.3, 1.0))
    return x.astype(np.float32)


class Kws(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.filterbank = nn.Conv1d(1, 16, kernel_size=400, stride=160, bias=False)  # 98 frames
        self.pool = nn.AvgPool1d(12, 12)  # 8 time bins
        self.mlp = nn.Sequential(nn.Flatten(), nn.Linear(16 * 8, 32), nn.ReLU(), nn.Linear(32, len(LABELS)))

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        frames = self.filterbank(audio.unsqueeze(1))
        return self.mlp(self.pool(torch.log(frames * frames + 1e-6)))


def dataset(rng: np.random.Generator, per_class: int) -> tuple[torch.Tensor, torch.Tensor]:
    ys = np.repeat(np.arange(len(LABELS)), per_class)
    xs = np.stack([keyword(rng, int(y)) for y in ys])
    return torch.from_numpy(xs), torch.from_numpy(ys)


def train() -> tuple[Kws, dict]:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(0)
    x, y = dataset(rng, 250)
    xe, ye = dataset(rng, 50)
    model = Kws()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(15):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 50):
            idx = perm[i : i + 50]
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        acc = float((model(xe).argmax(1) == ye).float().mean())
    return model, {"eval_accuracy": round(acc, 4), "eval_examples": len(ye), "train_examples": len(y), "epochs": 15}


def write_wav(path: Path, x: np.ndarray, rate: int) -> None:
    wavfile.write(path, rate, np.clip(np.round(x * 32768), -32768, 32767).astype(np.int16))


def edge_input(path: Path) -> np.ndarray:
    """The audio step as specified: int16 / 32768, mean of channels, resample_poly to 16 kHz, zero-pad/trim to 16000."""
    rate, data = wavfile.read(path)
    x = (data / 32768.0).astype(np.float32).reshape(len(data), -1).mean(axis=1, dtype=np.float32)
    if rate != RATE:
        x = resample_poly(x, RATE, rate)
    out = np.zeros(N, np.float32)
    out[: min(N, len(x))] = x[:N]
    return out


def main() -> None:
    model, metrics = train()
    print(f"eval accuracy {metrics['eval_accuracy']} on {metrics['eval_examples']} synthetic clips")

    torch.onnx.export(
        model,
        torch.zeros(1, N),
        HERE / "kws.onnx",
        input_names=["audio"],
        output_names=["logits"],
        dynamic_axes={"audio": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=17,
    )

    rng = np.random.default_rng(7)
    samples = HERE / "samples"
    samples.mkdir(exist_ok=True)
    # (file, label, rate, channels, seconds): sweep_up exercises mixdown + 44.1 kHz → 16 kHz, sweep_down 22.05 kHz,
    # noise is 0.8 s (padded to 1 s).
    specs = [("silence.wav", 0, 16000, 1, 1.0), ("sweep_up.wav", 1, 44100, 2, 1.0), ("sweep_down.wav", 2, 22050, 1, 1.0), ("noise.wav", 3, 16000, 1, 0.8)]
    expected = []
    for name, label, rate, ch, seconds in specs:
        mono = keyword(rng, label, rate, seconds).astype(np.float64)
        # A second channel of the same keyword at another level, so the mixdown matters.
        x = np.stack([mono, 0.6 * mono + 0.002 * rng.standard_normal(len(mono))], axis=1) if ch == 2 else mono
        write_wav(samples / name, x, rate)
        inp = edge_input(samples / name)
        with torch.no_grad():
            logits = model(torch.from_numpy(inp)[None])[0].numpy()
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        predicted = LABELS[int(logits.argmax())]
        assert predicted == LABELS[label], f"{name}: predicted {predicted}"
        expected.append(
            {
                "file": f"samples/{name}",
                "sampleRate": rate,
                "channels": ch,
                "label": LABELS[label],
                "inputEvery100": [float(f"{v:.9g}") for v in inp[::100]],
                "logits": [float(f"{v:.9g}") for v in logits],
                "probabilities": [float(f"{v:.9g}") for v in probs],
                "predicted": predicted,
            }
        )

    dump = lambda name, obj: (HERE / name).write_text(json.dumps(obj, indent=2) + "\n")  # noqa: E731
    dump("labels.json", LABELS)
    dump("features.json", [{"name": "audio", "type": "audio"}])
    dump("preprocessing.json", {"steps": [{"op": "audio", "feature": "audio", "input": "audio", "sampleRate": RATE, "length": N}]})
    dump("postprocessing.json", {"output": "logits", "steps": [{"op": "softmax"}, {"op": "argmax"}, {"op": "labels", "labels": LABELS}]})
    dump(
        "expected.json",
        {
            "generator": f"examples/keyword-spotting/make_model.py (torch {torch.__version__}, numpy {np.__version__}, scipy {scipy.__version__})",
            "metrics": metrics,
            "samples": expected,
        },
    )

    # The repository's formatter owns JSON layout; without it `biome check` would flag every regenerated file.
    jsons = [str(HERE / n) for n in ("labels.json", "features.json", "preprocessing.json", "postprocessing.json", "expected.json")]
    if subprocess.run(["npx", "biome", "format", "--write", *jsons], cwd=HERE.parent.parent, capture_output=True).returncode != 0:
        print("note: `npx biome format` failed; run it on the JSON files before committing")


if __name__ == "__main__":
    main()
