#!/usr/bin/python3
"""Bike rentals: a tabular model that derives year, month and weekday from a date column, at the edge and in training.

Run from the repository root with Debian's Python (numpy, torch, onnx):
    /usr/bin/python3 examples/bike-rentals/make_model.py
Writes data/{train,eval,bad}.csv and out/{model.onnx,features.json,preprocessing.json,postprocessing.json,params.json,
metrics.json}. Deterministic (fixed seeds, one CPU thread).

The data is synthetic but shaped like a city bike-share day (one row per station and day): busier in summer, on
commuting days and in warm dry weather, quieter on holidays, and growing year over year as the network grows; so
`year` and `month` carry real signal that only `date_part` can extract from the date. `busy` = the station's rentals
are above its usual level. The preprocessing spec is written first and the training matrix is built from it by
examples/preprocessing/edge_ml_preprocess.py, the same spec the edge runs: what the model learns from is what it gets.
"""
import csv
import json
import math
import os
import random
import sys
from datetime import date, timedelta

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA, OUT = os.path.join(HERE, "data"), os.path.join(HERE, "out")
sys.path.insert(0, os.path.join(HERE, "..", "preprocessing"))
from edge_ml_preprocess import transform, transform_columns  # noqa: E402

SEED = 7
STATIONS = [f"st-{i:02d}" for i in range(1, 13)]
HOLIDAYS = {(1, 1), (5, 1), (5, 17), (12, 24), (12, 25), (12, 26), (12, 31)}
PARAMS = {"hidden": 24, "lr": 0.01, "epochs": 30, "weight_decay": 1e-3, "batch_size": 64, "optimizer": "Adam", "loss": "BCEWithLogitsLoss", "seed": SEED,
          "station_buckets": 32, "humidity_boundaries": [40, 60, 80], "rows": {"train": 2000, "eval": 400}, "opset": 13}
FEATURES = [
    {"name": "date", "type": "datetime", "description": "the day (ISO-8601 YYYY-MM-DD, local time of the city)"},
    {"name": "temperature", "type": "number", "range": {"min": -40, "max": 50}, "description": "daily mean, °C"},
    {"name": "humidity", "type": "number", "range": {"min": 0, "max": 100}, "description": "daily mean relative humidity, %"},
    {"name": "holiday", "type": "boolean"},
    {"name": "station", "type": "string", "description": "station id; new stations are hashed like known ones"},
]
POSTPROCESS = {"output": "probabilities", "steps": [{"op": "threshold", "threshold": 0.5, "labels": ["no", "yes"]}]}


def seed_everything():
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)


# How much busier than average each station is (fixed, so train and eval see the same network).
_pull = random.Random(SEED + 1)
STATION_PULL = {s: _pull.gauss(0, 0.8) for s in STATIONS}


def make_rows(n, rng, start, end):
    """n station-days between start and end; `busy` drawn from a logistic model of season, growth, weather and station."""
    span = (end - start).days
    rows = []
    for _ in range(n):
        d = start + timedelta(days=rng.randrange(span + 1))
        season = math.cos(2 * math.pi * (d.timetuple().tm_yday - 200) / 365.25)  # 1 in mid-July, -1 in mid-January
        temperature = round(8 + 11 * season + rng.gauss(0, 3.5), 1)
        humidity = round(min(100, max(15, 65 - 10 * season + rng.gauss(0, 14))), 1)
        holiday = (d.month, d.day) in HOLIDAYS or rng.random() < 0.01
        station = rng.choice(STATIONS)
        commute = d.weekday() < 5 and not holiday
        logit = (-0.6 + 1.2 * season + 0.75 * (d.year - 2022) + 0.06 * (temperature - 8) + (0.7 if commute else -0.4)
                 - (1.1 if humidity >= 80 else 0.4 if humidity >= 60 else 0) - (0.8 if holiday else 0) + STATION_PULL[station])
        busy = rng.random() < 1 / (1 + math.exp(-logit))
        rows.append({"date": d.isoformat(), "temperature": temperature, "humidity": humidity, "holiday": holiday, "station": station,
                     "busy": "yes" if busy else "no"})
    return rows


def write_csv(rows, path):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["date", "temperature", "humidity", "holiday", "station", "busy"], lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({**r, "holiday": "true" if r["holiday"] else "false"})


def fit_preprocessing(train):
    """Fit on the train split: year's mean/std after date_part, temperature's mean/std; the rest is fixed by design."""
    _, cols = transform_columns(train, {"steps": [{"op": "date_part", "feature": "date", "part": "year", "output": "year"}]})
    year = np.asarray(cols["year"], dtype=np.float64)
    temp = np.asarray([r["temperature"] for r in train], dtype=np.float64)
    buckets = PARAMS["station_buckets"]
    steps = [
        {"op": "date_part", "feature": "date", "part": "year", "output": "year"},
        {"op": "standardize", "feature": "year", "mean": float(year.mean()), "std": float(year.std())},
        {"op": "date_part", "feature": "date", "part": "month", "output": "month"},
        {"op": "one_hot", "feature": "month", "categories": [str(m) for m in range(1, 13)], "unknown": "zeros"},
        {"op": "date_part", "feature": "date", "part": "day_of_week", "output": "weekday"},
        {"op": "one_hot", "feature": "weekday", "categories": [str(d) for d in range(7)], "unknown": "zeros"},
        {"op": "standardize", "feature": "temperature", "mean": float(temp.mean()), "std": float(temp.std())},
        {"op": "bucketize", "feature": "humidity", "output": "humidity_level", "boundaries": PARAMS["humidity_boundaries"]},
        {"op": "hash_bucket", "feature": "station", "output": "station_bucket", "buckets": buckets},
        {"op": "one_hot", "feature": "station_bucket", "categories": [str(b) for b in range(buckets)], "unknown": "zeros"},
    ]
    columns = (["year"] + [f"month={m}" for m in range(1, 13)] + [f"weekday={d}" for d in range(7)]
               + ["temperature", "humidity_level", "holiday"] + [f"station_bucket={b}" for b in range(buckets)])
    return {"steps": steps, "inputs": [{"name": "input", "dtype": "float32", "columns": columns}]}


class Model(torch.nn.Module):
    """An MLP whose ONNX output is [1 - p, p], so the edge's threshold step reads p (the last of two) directly."""

    def __init__(self, n):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(n, PARAMS["hidden"]), torch.nn.ReLU(), torch.nn.Linear(PARAMS["hidden"], 1))

    def forward(self, x):
        p = torch.sigmoid(self.net(x))
        return torch.cat([1 - p, p], dim=1)


def train(X, y):
    model = Model(X.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=PARAMS["lr"], weight_decay=PARAMS["weight_decay"])
    loss_fn = torch.nn.BCEWithLogitsLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y).unsqueeze(1)
    gen = torch.Generator().manual_seed(SEED)
    for _ in range(PARAMS["epochs"]):
        for idx in torch.randperm(len(Xt), generator=gen).split(PARAMS["batch_size"]):
            opt.zero_grad()
            loss_fn(model.net(Xt[idx]), yt[idx]).backward()
            opt.step()
    return model.eval()


def metrics(model, X, y):
    with torch.no_grad():
        p = model(torch.from_numpy(X)).numpy()[:, 1].astype(np.float64)
    order = np.argsort(p)
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    pos = y == 1
    auc = (ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum())
    eps = 1e-7
    return {"accuracy": float(((p >= 0.5) == pos).mean()), "roc_auc": float(auc),
            "log_loss": float(-np.mean(np.where(pos, np.log(p + eps), np.log(1 - p + eps)))), "positive_rate": float(pos.mean())}


def bad_rows(rows):
    """eval rows with dates data validate must flag (and one fine row between them)."""
    bad = [dict(r) for r in rows[:8]]
    for r, d in zip(bad, ["2024-02-30", "31/01/2024", "2023-02-29", None, "2024-13-05", "2024-06-01T25:00", None, "yesterday"]):
        if d is not None:
            r["date"] = d
    bad[3]["humidity"] = 140
    return bad


def main():
    seed_everything()
    os.makedirs(DATA, exist_ok=True)
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(SEED)
    train_rows = make_rows(PARAMS["rows"]["train"], rng, date(2022, 1, 1), date(2024, 9, 30))
    eval_rows = make_rows(PARAMS["rows"]["eval"], rng, date(2024, 1, 1), date(2024, 12, 31))
    # Later data is eval data: the model is judged on days after most of what it learned from (growth included).
    write_csv(train_rows, os.path.join(DATA, "train.csv"))
    write_csv(eval_rows, os.path.join(DATA, "eval.csv"))
    write_csv(bad_rows(eval_rows), os.path.join(DATA, "bad.csv"))

    pre = fit_preprocessing(train_rows)
    X = transform(train_rows, pre)["input"]
    y = np.asarray([r["busy"] == "yes" for r in train_rows], dtype=np.float32)
    model = train(X, y)
    Xe = transform(eval_rows, pre)["input"]
    ye = np.asarray([r["busy"] == "yes" for r in eval_rows], dtype=np.float32)
    result = {"eval": metrics(model, Xe, ye), "train": metrics(model, X, y)}

    path = os.path.join(OUT, "model.onnx")
    torch.onnx.export(model, torch.zeros(1, X.shape[1]), path, input_names=["input"], output_names=["probabilities"],
                      dynamic_axes={"input": {0: "batch"}, "probabilities": {0: "batch"}}, opset_version=PARAMS["opset"])
    onnx.checker.check_model(onnx.load(path))
    dump = lambda obj, name: json.dump(obj, open(os.path.join(OUT, name), "w"), indent=2)  # noqa: E731
    dump(FEATURES, "features.json")
    dump(pre, "preprocessing.json")
    dump(POSTPROCESS, "postprocessing.json")
    dump({**PARAMS, "torch": torch.__version__}, "params.json")
    dump(result, "metrics.json")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
