"""edge_ml_preprocess: apply an edge-ml preprocessing spec in Python, exactly as the edge applies it.

A training script fits its preprocessing once, writes it as the spec edge-ml ships with the model (preprocessing.json,
see core/schema/preprocessing.ts), and builds its training matrix with `transform` from that same spec, so the model
is trained on what the edge will feed it (no training/serving skew by construction).

    from edge_ml_preprocess import transform
    spec = json.load(open("preprocessing.json"))
    X = transform(rows, spec)["input"]          # rows: a pandas DataFrame, a dict of columns, or a list of dicts

Needs numpy only; images need Pillow and audio needs scipy, both imported when a spec has such a step. Semantics, op by
op, follow core/preprocess.ts (and test/core/preprocess-parity.test.ts checks the two agree within 1e-6):
- null, a missing key and NaN are missing; `impute` fills them, `missing_indicator` writes 1/0;
- numeric ops (standardize, min_max, clip, log1p) act on numbers and booleans (as 0/1) and pass anything else through;
- categories are matched by their JavaScript spelling (1 and 1.0 are "1", True is "true");
- date_part reads strict ISO-8601 strings or epoch milliseconds; a string without offset is wall-clock time in the
  step's zone; null stays null;
- bucketize is numpy.digitize(right=False), null stays null; hash_bucket is murmurhash3_32(utf8, seed 0) % buckets
  (sklearn.utils.murmurhash3_32(value, positive=True) % buckets), integers by their decimal spelling, null stays null;
- `inputs` gathers columns into [rows, columns] arrays; a value that is still missing or not a number is an error.
"""
import math
import re
from datetime import datetime, timedelta, timezone

import numpy as np

__all__ = ["transform", "transform_columns", "date_part", "parse_datetime", "murmurhash3_32", "hash_bucket", "js_string"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_MAX_EPOCH_MS = 8.64e15
_DTYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "int32": np.int32}


class PreprocessError(ValueError):
    """A value the spec cannot handle, naming the row and the column."""


# ---------------------------------------------------------------------------------------------------------- values

def _cell(v):
    """A plain Python value: numpy scalars unwrapped, NaN and pandas' NA/NaT as None."""
    if isinstance(v, np.generic):
        v = v.item()
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if type(v).__name__ in ("NAType", "NaTType"):
        return None
    if type(v).__name__ == "Timestamp" or isinstance(v, datetime):
        # pandas parsed the column: an aware value is an instant, a naive one a wall clock (both as ISO strings).
        return v.isoformat()
    return v


def js_string(v):
    """String(v) as JavaScript spells it: how category ops (one_hot, ordinal) and hash_bucket key a value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _js_number(v)
    return str(v)


def _js_number(x):
    """ECMAScript Number::toString: shortest round-trip digits (as Python's repr) in JavaScript's layout."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    if x < 0:
        return "-" + _js_number(-x)
    mantissa, _, exp = repr(x).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    point = len(whole) + (int(exp) if exp else 0) - (len(whole + frac) - len((whole + frac).lstrip("0")))
    digits = digits.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    return digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _columns(data):
    """Rows (list of dicts), a dict of columns, or a DataFrame -> (row count, {name: list of plain values})."""
    if isinstance(data, list):
        names = {k for row in data for k in row}
        return len(data), {k: [_cell(row.get(k)) for row in data] for k in names}
    if hasattr(data, "columns") and hasattr(data, "__getitem__") and not isinstance(data, dict):
        return len(data), {str(c): [_cell(v) for v in data[c].tolist()] for c in data.columns}
    cols = {k: [_cell(v) for v in (v.tolist() if hasattr(v, "tolist") else list(v))] for k, v in data.items()}
    lengths = {len(v) for v in cols.values()}
    if len(lengths) > 1:
        raise PreprocessError(f"columns have different lengths: {sorted(lengths)}")
    return (lengths.pop() if lengths else 0), cols


# ----------------------------------------------------------------------------------------------------------- dates

def parse_datetime(v):
    """("instant", epoch ms) or ("wall", datetime without tzinfo), or None when `v` is not a date (as core/dates.ts)."""
    if _is_number(v):
        if not math.isfinite(v) or abs(v) > _MAX_EPOCH_MS:
            return None
        return ("instant", math.floor(v))
    if not isinstance(v, str):
        return None
    g = _ISO.match(v)
    if g is None:
        return None
    y, mo, d, h, mi, s, frac, zone = g.groups()
    try:
        wall = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), int((frac or "0")[:3].ljust(3, "0")) * 1000)
    except ValueError:  # February 30, hour 24, year 0000
        return None
    if zone is None:
        return ("wall", wall)
    offset = 0
    if zone != "Z":
        oh, om = int(zone[1:3]), int(zone[-2:])
        if oh > 23 or om > 59:
            return None
        offset = (-1 if zone[0] == "-" else 1) * (oh * 60 + om)
    aware = wall.replace(tzinfo=timezone(timedelta(minutes=offset)))
    return ("instant", (aware - _EPOCH) // timedelta(milliseconds=1))


_ZONES = {}


def _local(parsed, time_zone):
    kind, value = parsed
    if kind == "wall":
        return value
    from zoneinfo import ZoneInfo  # noqa: PLC0415 (stdlib; only dates with a zone need it)

    zone = _ZONES.get(time_zone) or _ZONES.setdefault(time_zone, timezone.utc if time_zone == "UTC" else ZoneInfo(time_zone))
    return (_EPOCH + timedelta(milliseconds=value)).astimezone(zone).replace(tzinfo=None)


def date_part(value, part, time_zone="UTC"):
    """One calendar part (year, month, day, day_of_week 0 = Monday, day_of_year, hour, minute, unix_days) of a date."""
    parsed = parse_datetime(value)
    if parsed is None:
        raise PreprocessError(f"{value!r} is not a date: send ISO-8601 (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]) or epoch milliseconds")
    t = _local(parsed, time_zone)
    if part == "year":
        return t.year
    if part == "month":
        return t.month
    if part == "day":
        return t.day
    if part == "day_of_week":
        return t.weekday()
    if part == "day_of_year":
        return t.timetuple().tm_yday
    if part == "hour":
        return t.hour
    if part == "minute":
        return t.minute
    if part == "unix_days":
        return (t.date() - _EPOCH.date()).days
    raise PreprocessError(f"unknown date part {part!r}")


# ------------------------------------------------------------------------------------------------------- hashing

def murmurhash3_32(data, seed=0):
    """MurmurHash3 x86 32-bit of bytes (or a str's UTF-8), unsigned: sklearn's murmurhash3_32(positive=True)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    c1, c2, mask = 0xCC9E2D51, 0x1B873593, 0xFFFFFFFF
    h, n = seed & mask, len(data)
    tail = n & ~3
    for i in range(0, tail, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        h ^= (k * c2) & mask
        h = ((h << 13) | (h >> 19)) & mask
        h = (h * 5 + 0xE6546B64) & mask
    if n & 3:
        k = int.from_bytes(data[tail:], "little")
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        h ^= (k * c2) & mask
    h ^= n
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & mask
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & mask
    return h ^ (h >> 16)


def hash_bucket(value, buckets):
    """The bucket of a string or an integer (by its decimal spelling); None for anything else (as core/hash-bucket.ts)."""
    if isinstance(value, str):
        return murmurhash3_32(value) % buckets
    if _is_number(value) and math.isfinite(value) and float(value).is_integer() and abs(value) <= 2**53 - 1:
        return murmurhash3_32(str(int(value))) % buckets
    return None


# ------------------------------------------------------------------------------------------------------ column ops

def _numeric(col, f):
    return [f(float(v)) if _is_number(v) else f(1.0 if v else 0.0) if isinstance(v, bool) else v for v in col]


def _digitize(x, boundaries):
    return int(np.searchsorted(boundaries, x, side="right"))


def _apply(step, cols, n):
    op, feature = step["op"], step["feature"]
    out = step.get("output", feature)
    col = cols.get(feature, [None] * n)
    if op == "impute":
        cols[out] = [step["value"] if v is None else v for v in col]
    elif op == "missing_indicator":
        cols[out] = [1 if v is None else 0 for v in col]
    elif op == "standardize":
        mean, std = step["mean"], step["std"]
        cols[out] = _numeric(col, lambda x: (x - mean) / std)
    elif op == "min_max":
        lo, hi = step["min"], step["max"]
        cols[out] = _numeric(col, lambda x: (x - lo) / (hi - lo))
    elif op == "clip":
        lo, hi = step.get("min", -math.inf), step.get("max", math.inf)
        cols[out] = _numeric(col, lambda x: min(max(x, lo), hi))
    elif op == "log1p":
        cols[out] = _numeric(col, lambda x: math.log1p(x) if x > -1 else -math.inf if x == -1 else math.nan)
    elif op == "one_hot":
        keys = [None if v is None else js_string(v) for v in col]
        cats = step["categories"]
        for c in dict.fromkeys(cats):
            cols[f"{out}={c}"] = [1 if k == c else 0 for k in keys]
        if step.get("unknown", "bucket") == "bucket":
            known = set(cats)
            cols[f"{out}=__unknown__"] = [0 if k in known else 1 for k in keys]
    elif op == "ordinal":
        mapping, unknown = step["mapping"], step.get("unknown", -1)
        cols[out] = [mapping.get(js_string(v), unknown) if v is not None else unknown for v in col]
    elif op == "date_part":
        part, zone = step["part"], step.get("timeZone", "UTC")
        cols[out] = [None if v is None else _at(lambda v=v: date_part(v, part, zone), i, feature) for i, v in enumerate(col)]
    elif op == "bucketize":
        b = np.asarray(step["boundaries"], dtype=np.float64)
        # Numbers only (a boolean or text passes through, as in core/preprocess.ts); null stays null.
        cols[out] = [_digitize(float(v), b) if _is_number(v) else v for v in col]
    elif op == "hash_bucket":
        buckets = step["buckets"]

        def bucket(i, v):
            h = hash_bucket(v, buckets)
            if h is None:
                raise PreprocessError(f"row {i} column {feature!r}: {v!r} cannot be hashed (strings and whole numbers can)")
            return h

        cols[out] = [None if v is None else bucket(i, v) for i, v in enumerate(col)]
    else:
        raise PreprocessError(f"unknown op {op!r}")


def _at(f, i, feature):
    try:
        return f()
    except PreprocessError as e:
        raise PreprocessError(f"row {i} column {feature!r}: {e}") from None


def transform_columns(data, spec):
    """Run the column steps; returns {column name: list of values} (steps' outputs beside the raw columns)."""
    n, cols = _columns(data)
    for step in spec.get("steps", []):
        if step["op"] not in ("image", "audio"):
            _apply(step, cols, n)
    return n, cols


def transform(data, spec):
    """Every model input of the spec: {input name: numpy array}, columns as [rows, columns], images and audio stacked."""
    n, cols = transform_columns(data, spec)
    out = {}
    for inp in spec.get("inputs", []):
        dtype = inp.get("dtype", "float32")
        m = np.empty((n, len(inp["columns"])), dtype=np.float64)
        for j, c in enumerate(inp["columns"]):
            for i, v in enumerate(cols.get(c, [None] * n)):
                x = float(v) if _is_number(v) or isinstance(v, bool) else math.nan
                if not math.isfinite(x):
                    what = "missing" if v is None else repr(v)
                    raise PreprocessError(f"row {i} column {c!r} of input {inp['name']!r} is {what} after preprocessing; the model needs a finite number")
                if dtype in ("int64", "int32") and not x.is_integer():
                    raise PreprocessError(f"row {i} column {c!r} of input {inp['name']!r} is {x}; {dtype} inputs need whole numbers")
                m[i, j] = x
        out[inp["name"]] = m.astype(_DTYPES[dtype])
    for step in spec.get("steps", []):
        if step["op"] == "image":
            out[step["input"]] = np.stack([_at(lambda v=v: image_tensor(v, step), i, step["feature"]) for i, v in enumerate(cols[step["feature"]])])
        elif step["op"] == "audio":
            samples = [_at(lambda v=v: audio_samples(v, step), i, step["feature"]) for i, v in enumerate(cols[step["feature"]])]
            if len({len(s) for s in samples}) > 1:
                raise PreprocessError(f"audio step {step['feature']!r}: instances have different lengths; set `length`")
            out[step["input"]] = np.stack(samples)
    return out


# ---------------------------------------------------------------------------------------------------- image, audio

def image_tensor(value, step):
    """PNG/JPEG bytes (or a PIL image) into one instance of the step's tensor: [C, H, W] or [H, W, C] float32."""
    import io  # noqa: PLC0415

    from PIL import Image, ImageOps  # noqa: PLC0415 (optional dependency)

    img = value if isinstance(value, Image.Image) else Image.open(io.BytesIO(value))
    channels = step.get("channels", "rgb")
    img = img.convert("L" if channels == "gray" else "RGB")
    H, W = step["size"]
    oh, ow = step.get("crop", step["size"])
    method = Image.NEAREST if step.get("resize", "bilinear") == "nearest" else Image.BILINEAR
    fit = step.get("fit", "stretch")
    if fit == "cover":
        w, h = img.size
        by_width = W / w >= H / h
        nw = W if by_width else max(W, int(H * w / h))
        nh = max(H, int(W * h / w)) if by_width else H
        img = img.resize((nw, nh), method) if (nw, nh) != img.size else img
        big_h, big_w = nh, nw
    elif fit == "contain":
        pad = step.get("padValue", 0)
        img = ImageOps.pad(img, (W, H), method=method, color=pad if channels == "gray" else (pad, pad, pad))
        big_h, big_w = H, W
    else:
        img = img.resize((W, H), method) if img.size != (W, H) else img
        big_h, big_w = H, W
    top, left = round((big_h - oh) / 2), round((big_w - ow) / 2)
    a = np.asarray(img, dtype=np.float64)[top:top + oh, left:left + ow]
    if a.ndim == 2:
        a = a[:, :, None]
    if channels == "bgr":
        a = a[:, :, ::-1]
    c = a.shape[2]
    mean = np.resize(np.asarray(step.get("mean", [0.0]), dtype=np.float64), c)
    std = np.resize(np.asarray(step.get("std", [1.0]), dtype=np.float64), c)
    a = ((a * step.get("scale", 1 / 255) - mean) / std).astype(np.float32)
    return a if step.get("layout", "nchw") == "nhwc" else np.ascontiguousarray(a.transpose(2, 0, 1))


def audio_samples(value, step):
    """WAV bytes (or float32 samples already at the step's rate) into one instance's samples, float32."""
    if isinstance(value, np.ndarray):
        samples = value.astype(np.float32)
    else:
        import io  # noqa: PLC0415
        from math import gcd  # noqa: PLC0415

        from scipy.io import wavfile  # noqa: PLC0415 (optional dependency)
        from scipy.signal import resample_poly  # noqa: PLC0415

        rate, data = wavfile.read(io.BytesIO(value))
        if data.dtype == np.uint8:
            x = (data.astype(np.float64) - 128) / 128
        elif data.dtype == np.int16:
            x = data / 32768.0
        elif data.dtype == np.int32:  # 32-bit, and 24-bit (scipy returns it shifted into the top bytes)
            x = data / 2147483648.0
        else:
            x = data
        x = np.asarray(x).astype(np.float32)
        if x.ndim == 2:
            # Summed channel by channel in float32, then divided, as core/media/audio-tensor.ts mixDown does.
            acc = np.zeros(x.shape[0], dtype=np.float32)
            for ch in range(x.shape[1]):
                acc = acc + x[:, ch]
            x = acc / np.float32(x.shape[1]) if x.shape[1] > 1 else x[:, 0]
        target = step["sampleRate"]
        if rate != target:
            g = gcd(target, rate)
            x = resample_poly(x, target // g, rate // g).astype(np.float32)
        samples = x
    length = step.get("length")
    if length is not None and length != len(samples):
        fitted = np.zeros(length, dtype=np.float32)
        fitted[:min(length, len(samples))] = samples[:length]
        samples = fitted
    scale = step.get("scale", 1)
    return samples if scale == 1 else (samples.astype(np.float64) * scale).astype(np.float32)
