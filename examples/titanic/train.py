#!/usr/bin/python3
"""Train the edge-ml Titanic example: a tiny MLP on carData::TitanicSurvival, exported to ONNX with its specs.

Run with Debian's Python (apt-get install -y python3-sklearn python3-torch python3-onnx python3-pandas):
    /usr/bin/python3 examples/titanic/train.py
    /usr/bin/python3 examples/titanic/train.py --hidden 32 --weight-decay 0.001 --out out-1.1.0   # the challenger
Reads data/titanic.csv (see export_data.sh), writes data/train.csv + data/eval.csv and out/*.{onnx,json}.
Deterministic: running it twice gives byte-identical outputs.

Preprocessing is defined once, as the edge-ml spec (out/preprocess.json), and `transform` below *interprets that
spec* with numpy. The training matrix and the skew fixture both go through `transform`, so skew.json pins exactly
what the model was trained on; the TypeScript preprocessor must reproduce it at the edge.
"""
import argparse
import csv
import json
import math
import os
import random

import numpy as np
import onnx
import pandas as pd
import torch
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
DATA, OUT = os.path.join(HERE, "data"), os.path.join(HERE, "out")
COLUMNS = ["name", "survived", "sex", "age", "passengerClass"]
LABEL, POSITIVE = "survived", "yes"
SEED = 42
PARAMS = {"hidden": 16, "lr": 0.01, "epochs": 100, "batch_size": 64, "optimizer": "Adam", "weight_decay": 0.0,
          "loss": "BCEWithLogitsLoss", "seed": SEED, "test_size": 0.25, "opset": 13}

FEATURES = [
    {"name": "sex", "type": "category", "values": ["female", "male"]},
    {"name": "age", "type": "number", "nullable": True, "range": {"min": 0, "max": 120}},
    {"name": "passengerClass", "type": "category", "values": ["1st", "2nd", "3rd"]},
]
POSTPROCESS = {"output": "logit", "steps": [{"op": "sigmoid"}, {"op": "threshold", "threshold": 0.5, "labels": ["no", "yes"]}]}


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # CPU reductions can be summed in a thread-count-dependent order


def read_csv(path):
    # Everything as text (so "NA"-like names stay names and ages are written back byte-for-byte); age parsed below.
    return pd.read_csv(path, dtype=str, keep_default_na=False)[COLUMNS]


def write_csv(df, path):
    df.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")


def parse_age(s):
    """Age text ("" = missing) or numbers (None/NaN = missing) -> float64 with NaN."""
    return pd.to_numeric(s.map(lambda v: np.nan if v is None or v == "" else v), errors="raise").astype("float64")


def raw_columns(df):
    """Instances as columns: age float64 with NaN for missing, categories as object arrays (None for missing)."""
    age = parse_age(df["age"]).to_numpy()
    cats = {c: df[c].astype(object).where(df[c].notna(), None).to_numpy() for c in ("sex", "passengerClass")}
    return {"age": age, **cats}


def apply_step(cols, step):
    """One preprocessing op, with the semantics of core/schema/preprocessing.ts (float64 throughout)."""
    x, out = cols[step["feature"]], step.get("output", step["feature"])
    op = step["op"]
    if op == "missing_indicator":
        cols[out] = pd.isna(x).astype("float64")
    elif op == "impute":
        cols[out] = np.where(pd.isna(x), step["value"], x).astype("float64")
    elif op == "standardize":
        cols[out] = (x.astype("float64") - step["mean"]) / step["std"]
    elif op == "one_hot":
        # null or unseen -> `=__unknown__` (bucket); compared as strings like the TS side does.
        keys = np.array([None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in x], dtype=object)
        for c in step["categories"]:
            cols[f"{out}={c}"] = (keys == c).astype("float64")
        if step["unknown"] == "bucket":
            cols[f"{out}=__unknown__"] = (~np.isin(keys, step["categories"])).astype("float64")
    else:
        raise ValueError(f"unsupported op {op}")


def transform(df, pre):
    """The single numpy code path from raw rows to the model matrix (float64, [n, 9])."""
    cols = raw_columns(df)
    for step in pre["steps"]:
        apply_step(cols, step)
    (inp,) = pre["inputs"]
    return np.stack([cols[c] for c in inp["columns"]], axis=1)


def fit_preprocessing(train):
    """Fit each step on the TRAIN split, on the columns as the previous steps left them (std after impute)."""
    cols, steps = raw_columns(train), []

    def add(step):
        steps.append(step)
        apply_step(cols, step)

    add({"op": "missing_indicator", "feature": "age", "output": "age_missing"})
    add({"op": "impute", "feature": "age", "strategy": "median", "value": float(np.nanmedian(cols["age"]))})
    add({"op": "standardize", "feature": "age", "mean": float(cols["age"].mean()), "std": float(cols["age"].std(ddof=0))})
    add({"op": "one_hot", "feature": "sex", "categories": ["female", "male"], "unknown": "bucket"})
    add({"op": "one_hot", "feature": "passengerClass", "categories": ["1st", "2nd", "3rd"], "unknown": "bucket"})
    columns = ["age", "age_missing", "sex=female", "sex=male", "sex=__unknown__",
               "passengerClass=1st", "passengerClass=2nd", "passengerClass=3rd", "passengerClass=__unknown__"]
    return {"steps": steps, "inputs": [{"name": "features", "dtype": "float32", "columns": columns}]}


def labels(df):
    return (df[LABEL] == POSITIVE).to_numpy().astype("float32")


def train_model(X, y):
    model = torch.nn.Sequential(torch.nn.Linear(X.shape[1], PARAMS["hidden"]), torch.nn.ReLU(), torch.nn.Linear(PARAMS["hidden"], 1))
    opt = torch.optim.Adam(model.parameters(), lr=PARAMS["lr"], weight_decay=PARAMS["weight_decay"])
    loss_fn = torch.nn.BCEWithLogitsLoss()
    Xt, yt = torch.from_numpy(X.astype("float32")), torch.from_numpy(y).unsqueeze(1)
    gen = torch.Generator().manual_seed(SEED)  # own generator: batch order does not depend on other RNG use
    for _ in range(PARAMS["epochs"]):
        model.train()
        for idx in torch.randperm(len(Xt), generator=gen).split(PARAMS["batch_size"]):
            opt.zero_grad()
            loss_fn(model(Xt[idx]), yt[idx]).backward()
            opt.step()
    return model.eval()


def logits(model, X):
    with torch.no_grad():
        return model(torch.from_numpy(X.astype("float32"))).numpy()[:, 0]  # float32, as the edge will feed it


def sigmoid(x):
    """Same overflow-safe form as core/postprocess.ts, in float64."""
    x = float(x)
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def metrics(ev, y, prob):
    pred = (prob >= 0.5).astype("float32")
    out = {"n_eval": int(len(y)), "positive_rate": float(y.astype("float64").mean()), "accuracy": float(accuracy_score(y, pred)),
           "roc_auc": float(roc_auc_score(y, prob)), "log_loss": float(log_loss(y, prob)), "slices": {}}
    for feat in ("passengerClass", "sex"):
        out["slices"][feat] = {
            v: {"n": int(m.sum()), "accuracy": float(accuracy_score(y[m], pred[m]))}
            for v in sorted(ev[feat].unique()) for m in [(ev[feat] == v).to_numpy()]
        }
    return out


def skew_instances(data):
    """Rows covering every preprocessing branch: each class x sex, missing age per class, extreme ages, unseen categories."""
    age = parse_age(data["age"])
    picks = [((data["passengerClass"] == c) & (data["sex"] == s) & age.notna()).idxmax()
             for c in ("1st", "2nd", "3rd") for s in ("female", "male")]
    picks += [((data["passengerClass"] == c) & age.isna()).idxmax() for c in ("1st", "2nd", "3rd")]
    picks += [age.idxmin(), age.idxmax()]  # 0.1667 (a 2-month-old) and 80
    rows = [{"sex": data.at[i, "sex"], "age": None if math.isnan(age[i]) else float(age[i]),
             "passengerClass": data.at[i, "passengerClass"]} for i in picks]
    # Synthetic: categories never seen in training land in the `__unknown__` buckets.
    rows += [{"sex": "unknown", "age": 30.0, "passengerClass": "1st"},
             {"sex": "female", "age": None, "passengerClass": "crew"},
             {"sex": "unknown", "age": 45.5, "passengerClass": "crew"}]
    return rows


def dump(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        f.write(json.dumps(obj, indent=2, allow_nan=False) + "\n")


def parse_args():
    ap = argparse.ArgumentParser(description="train the Titanic MLP (defaults: titanic@1.0.0)")
    ap.add_argument("--hidden", type=int, default=PARAMS["hidden"])
    ap.add_argument("--weight-decay", type=float, default=PARAMS["weight_decay"])
    ap.add_argument("--epochs", type=int, default=PARAMS["epochs"])
    ap.add_argument("--out", default="out", help="output folder, relative to this script's folder")
    return ap.parse_args()


def main():
    global OUT
    args = parse_args()
    PARAMS.update(hidden=args.hidden, weight_decay=args.weight_decay, epochs=args.epochs)
    OUT = os.path.join(HERE, args.out)
    seed_everything(SEED)
    os.makedirs(OUT, exist_ok=True)
    data = read_csv(os.path.join(DATA, "titanic.csv"))
    tr_idx, ev_idx = train_test_split(data.index.to_numpy(), test_size=PARAMS["test_size"], random_state=SEED,
                                      stratify=data[LABEL])
    train, ev = data.loc[np.sort(tr_idx)], data.loc[np.sort(ev_idx)]  # file order, for readable diffs
    write_csv(train, os.path.join(DATA, "train.csv"))
    write_csv(ev, os.path.join(DATA, "eval.csv"))

    pre = fit_preprocessing(train)
    model = train_model(transform(train, pre), labels(train))
    y_ev = labels(ev)
    prob = np.array([sigmoid(z) for z in logits(model, transform(ev, pre))])

    path = os.path.join(OUT, "model.onnx")
    torch.onnx.export(model, torch.zeros(1, 9), path, input_names=["features"], output_names=["logit"],
                      dynamic_axes={"features": {0: "batch"}, "logit": {0: "batch"}}, opset_version=PARAMS["opset"])
    onnx.checker.check_model(onnx.load(path), full_check=True)

    skew = skew_instances(data)
    Xs = transform(pd.DataFrame(skew, columns=["sex", "age", "passengerClass"]), pre)
    zs = logits(model, Xs)
    dump("features.json", FEATURES)
    dump("preprocess.json", pre)
    dump("postprocess.json", POSTPROCESS)
    dump("params.json", {**PARAMS, "input_dim": 9, "architecture": f"Linear(9,{PARAMS['hidden']})-ReLU-Linear({PARAMS['hidden']},1)",
                         "torch_version": torch.__version__, "onnx_version": onnx.__version__,
                         "n_train": int(len(train))})
    m = metrics(ev, y_ev, prob)
    dump("metrics.json", m)
    dump("skew.json", [{"instance": inst, "transformed": [float(v) for v in row], "logit": float(z), "probability": sigmoid(z)}
                       for inst, row, z in zip(skew, Xs, zs)])
    print(f"eval accuracy {m['accuracy']:.4f}  roc_auc {m['roc_auc']:.4f}  log_loss {m['log_loss']:.4f}  -> {OUT}")


if __name__ == "__main__":
    main()
