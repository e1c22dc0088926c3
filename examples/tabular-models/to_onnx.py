#!/usr/bin/python3
"""Convert fitted scikit-learn and XGBoost models to ai.onnx.ml graphs, with onnx.helper only.

Debian 12 ships sklearn, xgboost and onnx but not skl2onnx/onnxmltools, so this is the small subset of their work that
edge-ml's fixtures need. Every graph takes one float32 input `[batch, n_features]` and has no ZipMap (like skl2onnx's
zipmap=False): classifiers output `label` int64 `[batch]` and `probabilities` float32 `[batch, n_classes]`, regressors
output `variable` float32 `[batch, 1]`.

    from to_onnx import convert
    model_proto = convert(fitted_estimator, n_features=9, input_name="features")

Semantics, tied to the ONNX Runtime attributes (see README.md for the why of each):
  sklearn trees      BRANCH_LEQ (sklearn goes left when x <= threshold); thresholds rounded DOWN to float32, which is
                     exact because sklearn casts X to float32 before comparing; classifier leaves vote value/sum(value)
                     divided by n_estimators, aggregated with SUM (the forest's averaged predict_proba)
  XGBoost (gbtree)   BRANCH_LT (XGBoost goes left when x < split), nodes_missing_value_tracks_true = default_left,
                     base_score as base_values in margin space; binary:logistic -> one score + LOGISTIC,
                     multi:softprob -> one score per class (tree i votes for class tree_info[i]) + SOFTMAX
  LogisticRegression binary: two rows [-w, w], [-b, b] + LOGISTIC (= [1 - p, p]); multinomial: SOFTMAX
  LinearRegression   LinearRegressor, float32 coefficients and intercept
"""
import json
import math

import numpy as np
import onnx
from onnx import TensorProto, helper

ML_DOMAIN = "ai.onnx.ml"
ML_OPSET = 3  # TreeEnsemble*-3; the float attributes used here mean the same in version 1
ONNX_OPSET = 13
IR_VERSION = 8  # onnx 1.12's default; fixed so another onnx version writes the same bytes
PRODUCER = ("edge-ml examples/tabular-models/to_onnx.py", "1")


def float32_at_or_below(x):
    """The largest float32 <= x. For a float32 input v: v <= x  <=>  v <= float32_at_or_below(x)."""
    f = np.float32(x)
    if float(f) > x:
        f = np.nextafter(f, np.float32(-np.inf))
    return float(f)


def _model(nodes, n_features, input_name, outputs, library, estimator):
    """Wrap nodes in a graph + model with fixed metadata (no timestamps or versions of this machine's onnx)."""
    inp = helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", n_features])
    graph = helper.make_graph(nodes, estimator, [inp], outputs)
    model = helper.make_model(graph, producer_name=PRODUCER[0], producer_version=PRODUCER[1],
                              opset_imports=[helper.make_opsetid("", ONNX_OPSET), helper.make_opsetid(ML_DOMAIN, ML_OPSET)])
    model.ir_version = IR_VERSION
    model.doc_string = f"{estimator} trained with {library}, converted by examples/tabular-models/to_onnx.py"
    helper.set_model_props(model, {"library": library, "estimator": estimator})
    onnx.checker.check_model(model, full_check=True)
    return model


def _classifier_outputs(n_classes):
    return [helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", n_classes])]


def _regressor_outputs():
    return [helper.make_tensor_value_info("variable", TensorProto.FLOAT, ["batch", 1])]


def _int_labels(classes):
    labels = [int(c) for c in classes]
    if not np.array_equal(np.asarray(labels), np.asarray(classes)):
        raise ValueError(f"only integer class labels are supported, got {classes!r}")
    return labels


# ---------------------------------------------------------------------------------------------------------------------
# Trees: a list of nodes per tree, the node attributes shared by both libraries, then the leaf votes


class _Nodes:
    """The nodes_* attributes of a TreeEnsemble*, filled one node at a time (node ids are 0..n-1 in each tree)."""

    def __init__(self):
        self.attrs = {k: [] for k in ("nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_modes", "nodes_values",
                                      "nodes_truenodeids", "nodes_falsenodeids", "nodes_missing_value_tracks_true")}

    def add(self, tree, node, mode, feature=0, value=0.0, true=0, false=0, missing_true=0):
        for k, v in zip(self.attrs, (tree, node, feature, mode, value, true, false, missing_true)):
            self.attrs[k].append(v)


def _sklearn_trees(estimators, n_estimators, vote):
    """Nodes of sklearn trees (BRANCH_LEQ, thresholds rounded down to float32) and their leaf votes from `vote`."""
    nodes, votes = _Nodes(), []
    for tid, est in enumerate(estimators):
        t = est.tree_
        for nid in range(t.node_count):
            left, right = int(t.children_left[nid]), int(t.children_right[nid])
            if left == -1:
                nodes.add(tid, nid, "LEAF")
                votes += [(tid, nid, k, w) for k, w in vote(t.value[nid], n_estimators)]
            else:
                nodes.add(tid, nid, "BRANCH_LEQ", int(t.feature[nid]), float32_at_or_below(float(t.threshold[nid])), left, right)
    return nodes.attrs, votes


def _class_votes(value, n_estimators):
    """A classifier leaf's class fractions (value holds weighted class counts in sklearn 1.2), divided by the forest size."""
    counts = np.asarray(value[0], dtype=np.float64)
    frac = counts / counts.sum()
    return [(k, float(p / n_estimators)) for k, p in enumerate(frac)]


def _target_votes(value, n_estimators):
    return [(0, float(value[0][0] / n_estimators))]


def _tree_classifier(input_name, nodes, votes, classes, post_transform, base_values=None):
    attrs = dict(nodes, classlabels_int64s=classes, post_transform=post_transform,
                 class_treeids=[v[0] for v in votes], class_nodeids=[v[1] for v in votes],
                 class_ids=[v[2] for v in votes], class_weights=[v[3] for v in votes])
    if base_values is not None:
        attrs["base_values"] = base_values
    return helper.make_node("TreeEnsembleClassifier", [input_name], ["label", "probabilities"], domain=ML_DOMAIN, **attrs)


def _tree_regressor(input_name, nodes, votes, aggregate_function):
    return helper.make_node("TreeEnsembleRegressor", [input_name], ["variable"], domain=ML_DOMAIN, n_targets=1,
                            aggregate_function=aggregate_function, post_transform="NONE",
                            target_treeids=[v[0] for v in votes], target_nodeids=[v[1] for v in votes],
                            target_ids=[v[2] for v in votes], target_weights=[v[3] for v in votes], **nodes)


def _sklearn_forest(est):
    """(trees, n) for a forest or a single tree (a tree is a forest of one)."""
    return (est.estimators_, len(est.estimators_)) if hasattr(est, "estimators_") else ([est], 1)


def sklearn_tree_classifier(est, n_features, input_name, library):
    if est.n_outputs_ != 1:
        raise ValueError("multi-output trees are not supported")
    trees, n = _sklearn_forest(est)
    nodes, votes = _sklearn_trees(trees, n, _class_votes)
    classes = _int_labels(est.classes_)
    if len(classes) == 2:
        # ONNX Runtime's binary case (see README.md): every leaf votes P(class 1) under class id 0, and ORT outputs
        # [1 - p, p] with label 1 when p > 0.5 (sklearn's argmax, ties to class 0). Votes naming both classes get
        # the label "1 when score[1] > 0" instead; votes for class id 1 alone get probabilities [0, p].
        votes = [(t, n, 0, w) for t, n, k, w in votes if k == 1]  # zeros kept: every row then has a score
    else:
        votes = [v for v in votes if v[3] != 0]
    node = _tree_classifier(input_name, nodes, votes, classes, "NONE")
    return _model([node], n_features, input_name, _classifier_outputs(len(classes)), library, type(est).__name__)


def sklearn_tree_regressor(est, n_features, input_name, library):
    if est.n_outputs_ != 1:
        raise ValueError("multi-output trees are not supported")
    trees, n = _sklearn_forest(est)
    nodes, votes = _sklearn_trees(trees, n, _target_votes)
    node = _tree_regressor(input_name, nodes, votes, "SUM")
    return _model([node], n_features, input_name, _regressor_outputs(), library, type(est).__name__)


# ---------------------------------------------------------------------------------------------------------------------
# XGBoost: read the model's own JSON (float32 values written shortest-round-trip), not the text dump


def _xgb_model_json(booster):
    return json.loads(bytes(booster.save_raw(raw_format="json")).decode("utf-8"))


def _xgb_trees(trees, tree_class):
    """Nodes (BRANCH_LT, missing follows default_left) and leaf votes: (tree, node, class, leaf value)."""
    nodes, votes = _Nodes(), []
    for tid, t in enumerate(trees):
        if any(int(s) != 0 for s in t.get("split_type", [])):
            raise ValueError("categorical splits are not supported")
        for nid, (left, right) in enumerate(zip(t["left_children"], t["right_children"])):
            cond = t["split_conditions"][nid]  # the leaf value (learning rate applied) at a leaf
            if left == -1:
                nodes.add(tid, nid, "LEAF")
                votes.append((tid, nid, tree_class[tid], float(np.float32(cond))))
            else:
                nodes.add(tid, nid, "BRANCH_LT", int(t["split_indices"][nid]), float(np.float32(cond)), int(left), int(right),
                          int(t["default_left"][nid]))
    return nodes.attrs, votes


def xgboost_classifier(est, n_features, input_name, library):
    learner = _xgb_model_json(est.get_booster())["learner"]
    booster = learner["gradient_booster"]
    if booster["name"] != "gbtree":
        raise ValueError(f"only gbtree boosters are supported, got {booster['name']}")
    objective = learner["objective"]["name"]
    base_score = float(learner["learner_model_param"]["base_score"])
    trees, tree_info = booster["model"]["trees"], [int(c) for c in booster["model"]["tree_info"]]
    classes = _int_labels(est.classes_)
    nodes, votes = _xgb_trees(trees, tree_info)
    if objective == "binary:logistic":
        # One score (class id 0) = the margin; ONNX Runtime's binary case turns it into [1 - sigmoid, sigmoid].
        base = [math.log(base_score / (1 - base_score))]  # base_score is a probability; the margin starts at its logit
        node = _tree_classifier(input_name, nodes, votes, classes, "LOGISTIC", base)
    elif objective == "multi:softprob":
        # One margin per class, each from its own trees; softmax's base margin is base_score itself (no transform).
        node = _tree_classifier(input_name, nodes, votes, classes, "SOFTMAX", [base_score] * len(classes))
    else:
        raise ValueError(f"unsupported objective {objective} (binary:logistic and multi:softprob are)")
    return _model([node], n_features, input_name, _classifier_outputs(len(classes)), library, type(est).__name__)


# ---------------------------------------------------------------------------------------------------------------------
# Linear models


def logistic_regression(est, n_features, input_name, library):
    classes = _int_labels(est.classes_)
    coef, intercept = np.asarray(est.coef_, dtype=np.float64), np.asarray(est.intercept_, dtype=np.float64)
    if len(classes) == 2:
        # predict_proba = [1 - sigmoid(z), sigmoid(z)]; two rows -z, z with LOGISTIC give [sigmoid(-z), sigmoid(z)],
        # and the label (argmax of the raw scores, first on ties) is 1 only when z > 0, as sklearn's predict.
        coef, intercept, post = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept]), "LOGISTIC"
    elif est.multi_class == "multinomial" or (est.multi_class == "auto" and est.solver != "liblinear"):
        post = "SOFTMAX"
    else:
        raise ValueError("one-vs-rest multiclass needs a Normalizer after LOGISTIC; not supported here")
    node = helper.make_node("LinearClassifier", [input_name], ["label", "probabilities"], domain=ML_DOMAIN,
                            coefficients=[float(v) for v in coef.ravel()], intercepts=[float(v) for v in intercept],
                            classlabels_ints=classes, multi_class=0, post_transform=post)
    return _model([node], n_features, input_name, _classifier_outputs(len(classes)), library, type(est).__name__)


def linear_regression(est, n_features, input_name, library):
    coef = np.asarray(est.coef_, dtype=np.float64)
    if coef.ndim != 1:
        raise ValueError("multi-target linear regression is not supported")
    node = helper.make_node("LinearRegressor", [input_name], ["variable"], domain=ML_DOMAIN, targets=1, post_transform="NONE",
                            coefficients=[float(v) for v in coef], intercepts=[float(est.intercept_)])
    return _model([node], n_features, input_name, _regressor_outputs(), library, type(est).__name__)


# ---------------------------------------------------------------------------------------------------------------------


def convert(est, n_features, input_name="features", library=None):
    """The ONNX model for a fitted estimator; `library` (e.g. "sklearn 1.2.1") is recorded in the model's metadata."""
    name = type(est).__name__
    if library is None:
        library = _library_of(est)
    table = {
        "DecisionTreeClassifier": sklearn_tree_classifier, "RandomForestClassifier": sklearn_tree_classifier,
        "DecisionTreeRegressor": sklearn_tree_regressor, "RandomForestRegressor": sklearn_tree_regressor,
        "XGBClassifier": xgboost_classifier, "LogisticRegression": logistic_regression, "LinearRegression": linear_regression,
    }
    if name not in table:
        raise ValueError(f"no converter for {name} (supported: {', '.join(table)})")
    return table[name](est, n_features, input_name, library)


def _library_of(est):
    root = type(est).__module__.split(".")[0]
    mod = __import__(root)
    return f"{root} {mod.__version__}"
