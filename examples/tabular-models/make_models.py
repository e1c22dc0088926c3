#!/usr/bin/python3
"""Train real tabular models and write them as ONNX fixtures for the compiled engine (issue 11).

Writes into test/fixtures/compiled/ (relative to the repository root), for each model <m>.onnx and <m>.expected.json
(input rows and the LIBRARY's own predictions on them; see README.md):
  titanic-forest      sklearn RandomForestClassifier on the 9 preprocessed Titanic features (as examples/titanic)
  titanic-logreg      sklearn LogisticRegression, same features
  torch-mlp           torch MLP 30-32-16-2 on breast cancer (standardization folded into the first layer), opset 13
  xgb-binary          XGBoost binary:logistic on breast cancer, trained and evaluated with NaN (missing) cells
  xgb-multiclass      XGBoost multi:softprob on iris, with NaN cells
  rf-regressor        sklearn RandomForestRegressor on diabetes
  linreg              sklearn LinearRegression on diabetes
  logreg-multiclass   sklearn LogisticRegression (multinomial) on iris
and examples/tabular-models/out/titanic-forest/{features,preprocess,postprocess,params,metrics}.json for
`edge-ml models add`. Data: sklearn's bundled data sets and examples/titanic/data/{train,eval}.csv; no downloads.

Deterministic: fixed seeds, one thread, fixed ONNX metadata; a rerun writes the same bytes. The JSON is laid out by
the repository's Biome at the end (needs `npm ci` done: node_modules/.bin/biome).
Needs Debian 12's apt-get install -y python3-sklearn python3-xgboost python3-torch python3-onnx (run /usr/bin/python3).
Usage: /usr/bin/python3 examples/tabular-models/make_models.py
"""
import csv
import json
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
import sklearn
import torch
import xgboost
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from to_onnx import convert  # noqa: E402

OUT = os.path.join(ROOT, "test", "fixtures", "compiled")
SPECS = os.path.join(HERE, "out", "titanic-forest")
TITANIC = os.path.join(ROOT, "examples", "titanic")
SEED = 42
SKLEARN = f"sklearn {sklearn.__version__}"
XGBOOST = f"xgboost {xgboost.__version__}"
TORCH = f"torch {torch.__version__}"
torch.set_num_threads(1)


# ---------------------------------------------------------------------------------------------------------------------
# JSON with float32 inputs that read back as the same float32, NaN as null, one row per line


def f32(v):
    """Shortest text that parses (as a double, then rounded to float32 as Float32Array does) to the same float32."""
    v = np.float32(v)
    if math.isnan(v):
        return "null"
    s = str(v)
    assert np.float32(float(s)) == v and math.isfinite(float(s)), s
    return s


def f64(v):
    s = repr(float(v))
    assert float(s) == float(v) and math.isfinite(float(v)), s
    return s


def rows_json(rows, fmt, indent="    "):
    return "[\n" + ",\n".join(indent + "[" + ",".join(fmt(v) for v in row) + "]" for row in rows) + "\n  ]"


def write_expected(name, library, estimator, X, predictions):
    """predictions: output name -> (values, fmt); labels are ints, probabilities/values are written with `fmt`."""
    parts = [f'  "model": "{name}.onnx"', f'  "library": "{library}"', f'  "estimator": "{estimator}"',
             f'  "input": {{"name": "features", "shape": ["batch", {X.shape[1]}]}}', '  "inputs": ' + rows_json(X, f32)]
    preds = []
    for key, (values, fmt) in predictions.items():
        values = np.asarray(values)
        if key == "label":
            body = "[" + ",".join(str(int(v)) for v in values) + "]"
        elif values.ndim == 2:
            body = rows_json(values, fmt, "      ").replace("\n  ]", "\n    ]")
        else:
            body = "[" + ",".join(fmt(v) for v in values) + "]"
        preds.append(f'    "{key}": {body}')
    parts.append('  "predictions": {\n' + ",\n".join(preds) + "\n  }")
    text = "{\n" + ",\n".join(parts) + "\n}\n"
    json.loads(text)  # valid JSON
    with open(os.path.join(OUT, f"{name}.expected.json"), "w") as f:
        f.write(text)


def save(name, model):
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(OUT, f"{name}.onnx")
    onnx.save(model, path)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    print(f"{name}.onnx: {os.path.getsize(path)} bytes, ops {sorted({n.op_type for n in model.graph.node})}")


def as_f32(X):
    """The float32 values the ONNX model will see, as float64 (linear models then compute in float64 as trained)."""
    return np.asarray(X, dtype=np.float32).astype(np.float64)


def with_nans(X, rate, rng):
    X = X.copy()
    X[rng.random(X.shape) < rate] = np.nan
    return X


# ---------------------------------------------------------------------------------------------------------------------
# Titanic: the preprocessing of examples/titanic/train.py, by interpreting its out/preprocess.json with numpy
# (train.py itself imports pandas, which Debian's python3 here does not have)


def read_titanic(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def titanic_raw_columns(rows):
    age = np.array([math.nan if r["age"] == "" else float(r["age"]) for r in rows], dtype=np.float64)
    return {"age": age, **{c: np.array([r[c] for r in rows], dtype=object) for c in ("sex", "passengerClass")}}


def titanic_apply_step(cols, step):
    """One step with the semantics of train.py's apply_step (float64 throughout)."""
    x, out, op = cols[step["feature"]], step.get("output", step["feature"]), step["op"]
    if op == "missing_indicator":
        cols[out] = np.isnan(x).astype(np.float64)
    elif op == "impute":
        cols[out] = np.where(np.isnan(x), step["value"], x).astype(np.float64)
    elif op == "standardize":
        cols[out] = (x.astype(np.float64) - step["mean"]) / step["std"]
    elif op == "one_hot":
        keys = np.array([None if v is None else str(v) for v in x], dtype=object)
        for c in step["categories"]:
            cols[f"{out}={c}"] = (keys == c).astype(np.float64)
        if step["unknown"] == "bucket":
            cols[f"{out}=__unknown__"] = (~np.isin(keys, step["categories"])).astype(np.float64)
    else:
        raise ValueError(f"unsupported op {op}")


def titanic_transform(rows, pre):
    cols = titanic_raw_columns(rows)
    for step in pre["steps"]:
        titanic_apply_step(cols, step)
    (inp,) = pre["inputs"]
    return np.stack([cols[c] for c in inp["columns"]], axis=1)


def titanic_data():
    with open(os.path.join(TITANIC, "out", "preprocess.json")) as f:
        pre = json.load(f)
    # The skew fixture pins train.py's own transform: this one must give the same float64 rows.
    with open(os.path.join(TITANIC, "out", "skew.json")) as f:
        skew = json.load(f)
    inst = [{"age": "" if s["instance"]["age"] is None else repr(s["instance"]["age"]), "sex": s["instance"]["sex"],
             "passengerClass": s["instance"]["passengerClass"]} for s in skew]
    assert np.array_equal(titanic_transform(inst, pre), np.array([s["transformed"] for s in skew])), "titanic transform drifted"
    train, ev = read_titanic(os.path.join(TITANIC, "data", "train.csv")), read_titanic(os.path.join(TITANIC, "data", "eval.csv"))
    y = lambda rows: np.array([r["survived"] == "yes" for r in rows], dtype=np.int64)  # noqa: E731
    return as_f32(titanic_transform(train, pre)), y(train), as_f32(titanic_transform(ev, pre)), y(ev), ev


def titanic_metrics(ev_rows, y, prob):
    """As examples/titanic/out/metrics.json, with label yes at P(yes) >= 0.5 (the threshold postprocess)."""
    pred = (prob >= 0.5).astype(np.int64)
    out = {"n_eval": int(len(y)), "positive_rate": float(y.mean()), "accuracy": float(accuracy_score(y, pred)),
           "roc_auc": float(roc_auc_score(y, prob)), "log_loss": float(log_loss(y, prob)), "slices": {}}
    for feat in ("passengerClass", "sex"):
        vals = np.array([r[feat] for r in ev_rows], dtype=object)
        out["slices"][feat] = {v: {"n": int(m.sum()), "accuracy": float(accuracy_score(y[m], pred[m]))}
                               for v in sorted(set(vals)) for m in [vals == v]}
    return out


def dump_spec(name, obj):
    with open(os.path.join(SPECS, name), "w") as f:
        f.write(json.dumps(obj, indent=2, allow_nan=False) + "\n")


def titanic_models():
    Xtr, ytr, Xev, yev, ev_rows = titanic_data()
    params = {"n_estimators": 50, "max_depth": 6, "random_state": SEED}
    rf = RandomForestClassifier(**params, n_jobs=1).fit(Xtr, ytr)
    save("titanic-forest", convert(rf, 9, library=SKLEARN))
    proba = rf.predict_proba(Xev)
    write_expected("titanic-forest", SKLEARN, "RandomForestClassifier", Xev,
                   {"label": (rf.predict(Xev), None), "probabilities": (proba, f64)})

    os.makedirs(SPECS, exist_ok=True)
    for spec in ("features.json", "preprocess.json"):
        shutil.copyfile(os.path.join(TITANIC, "out", spec), os.path.join(SPECS, spec))
    # `threshold` reads the last of the two probabilities (P(yes)) and names the label; see README.md.
    dump_spec("postprocess.json", {"output": "probabilities", "steps": [{"op": "threshold", "threshold": 0.5, "labels": ["no", "yes"]}]})
    dump_spec("params.json", {"estimator": "RandomForestClassifier", **params, "criterion": "gini", "bootstrap": True, "seed": SEED,
                              "input_dim": 9, "sklearn_version": sklearn.__version__, "onnx_version": onnx.__version__,
                              "converter": "examples/tabular-models/to_onnx.py", "n_train": int(len(ytr))})
    dump_spec("metrics.json", titanic_metrics(ev_rows, yev, proba[:, 1]))

    lr = LogisticRegression(max_iter=1000).fit(Xtr, ytr)
    save("titanic-logreg", convert(lr, 9, library=SKLEARN))
    write_expected("titanic-logreg", SKLEARN, "LogisticRegression", Xev,
                   {"label": (lr.predict(Xev), None), "probabilities": (lr.predict_proba(Xev), f64)})


# ---------------------------------------------------------------------------------------------------------------------


def breast_cancer_split():
    X, y = load_breast_cancer(return_X_y=True)
    return train_test_split(as_f32(X), y, test_size=0.33, random_state=SEED, stratify=y)


def torch_mlp():
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    Xtr, Xte, ytr, _ = breast_cancer_split()
    mean, std = Xtr.mean(axis=0), Xtr.std(axis=0)
    net = torch.nn.Sequential(torch.nn.Linear(30, 32), torch.nn.ReLU(), torch.nn.Linear(32, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    Xt, yt = torch.from_numpy(((Xtr - mean) / std).astype(np.float32)), torch.from_numpy(ytr)
    for _ in range(200):  # full batch
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(Xt), yt).backward()
        opt.step()
    # Fold the standardization into the first layer, so the model takes raw features and is Gemm/Relu/Softmax only:
    # W (x - m) / s + b = (W / s) x + (b - W (m / s)).
    first = net[0]
    with torch.no_grad():
        W, b = first.weight.double(), first.bias.double()
        s, m = torch.from_numpy(std), torch.from_numpy(mean)
        folded = torch.nn.Linear(30, 32)
        folded.weight.copy_((W / s).float())
        folded.bias.copy_((b - W @ (m / s)).float())
    model = torch.nn.Sequential(folded, *net[1:], torch.nn.Softmax(dim=1)).eval()
    path = os.path.join(OUT, "torch-mlp.onnx")
    torch.onnx.export(model, torch.zeros(1, 30), path, input_names=["features"], output_names=["probabilities"],
                      dynamic_axes={"features": {0: "batch"}, "probabilities": {0: "batch"}}, opset_version=13)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    print(f"torch-mlp.onnx: {os.path.getsize(path)} bytes")
    with torch.no_grad():
        proba = model(torch.from_numpy(Xte.astype(np.float32))).numpy()
    write_expected("torch-mlp", TORCH, "Sequential(Linear(30,32)-ReLU-Linear(32,16)-ReLU-Linear(16,2)-Softmax)", Xte,
                   {"probabilities": (proba, f32)})


def xgb_binary(rng):
    Xtr, Xte, ytr, _ = breast_cancer_split()
    # Missing cells in training too, so the learned default directions (missing -> yes or no) are not all one way.
    Xtr = with_nans(Xtr, 0.1, rng)
    est = xgboost.XGBClassifier(n_estimators=30, max_depth=4, learning_rate=0.3, objective="binary:logistic",
                                tree_method="exact", random_state=SEED, n_jobs=1).fit(Xtr.astype(np.float32), ytr)
    save("xgb-binary", convert(est, 30, library=XGBOOST))
    X = np.vstack([Xte, with_nans(Xte, 0.2, rng), np.full((1, 30), np.nan)]).astype(np.float32)
    write_expected("xgb-binary", XGBOOST, "XGBClassifier(binary:logistic)", X,
                   {"label": (est.predict(X), None), "probabilities": (est.predict_proba(X), f32)})


def xgb_multiclass(rng):
    X, y = load_iris(return_X_y=True)
    X = as_f32(X)
    est = xgboost.XGBClassifier(n_estimators=20, max_depth=3, learning_rate=0.3, objective="multi:softprob",
                                tree_method="exact", random_state=SEED, n_jobs=1).fit(with_nans(X, 0.05, rng).astype(np.float32), y)
    save("xgb-multiclass", convert(est, 4, library=XGBOOST))
    X = np.vstack([X, with_nans(X, 0.3, rng), np.full((1, 4), np.nan)]).astype(np.float32)
    write_expected("xgb-multiclass", XGBOOST, "XGBClassifier(multi:softprob)", X,
                   {"label": (est.predict(X), None), "probabilities": (est.predict_proba(X), f32)})


def diabetes_models():
    X64, y = load_diabetes(return_X_y=True)
    X = as_f32(X64)
    rf = RandomForestRegressor(n_estimators=30, max_depth=6, random_state=SEED, n_jobs=1).fit(X, y)
    # sklearn's trees compare float32(x) <= threshold: raw float64 inputs predict exactly as their float32 casts,
    # which is what makes float32 thresholds (rounded down) exact in the converter.
    assert np.array_equal(rf.predict(X64), rf.predict(X64.astype(np.float32))) and not np.array_equal(X64, X)
    save("rf-regressor", convert(rf, 10, library=SKLEARN))
    write_expected("rf-regressor", SKLEARN, "RandomForestRegressor", X, {"variable": (rf.predict(X.astype(np.float32)), f64)})
    lin = LinearRegression().fit(X, y)
    save("linreg", convert(lin, 10, library=SKLEARN))
    write_expected("linreg", SKLEARN, "LinearRegression", X, {"variable": (lin.predict(X), f64)})


def logreg_multiclass():
    X, y = load_iris(return_X_y=True)
    X = as_f32(X)
    lr = LogisticRegression(max_iter=1000).fit(X, y)
    save("logreg-multiclass", convert(lr, 4, library=SKLEARN))
    write_expected("logreg-multiclass", SKLEARN, "LogisticRegression(multinomial)", X,
                   {"label": (lr.predict(X), None), "probabilities": (lr.predict_proba(X), f64)})


def biome_format():
    """Lay the expected JSON out as the repository's formatter does (`npm run lint` checks test/fixtures); Biome is
    deterministic, so the files stay byte-identical across reruns. Numbers keep their value (e-08 is written e-8)."""
    paths = sorted(os.path.join(OUT, f) for f in os.listdir(OUT) if f.endswith(".expected.json"))
    subprocess.run(["npx", "--no-install", "biome", "format", "--write", *paths], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)
    titanic_models()
    torch_mlp()
    xgb_binary(rng)
    xgb_multiclass(rng)
    diabetes_models()
    logreg_multiclass()
    biome_format()


if __name__ == "__main__":
    main()
