"""Build passengers.csv, the `passenger` feature view's source, from the Titanic data (../titanic/data/titanic.csv).

Each passenger gets an id (passenger_id = the row number in titanic.csv, 1-based) and the two features the view
serves, sex and passengerClass, stamped with a fixed updated_at. requests.jsonl holds the first three passengers'
requests both ways: by id only (the view looks sex and passengerClass up) and with the same values inline.
Deterministic: re-running writes byte-identical files. Run from the repository root:

    /usr/bin/python3 examples/feature-lookup/make_passengers.py
"""

import csv
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "titanic" / "data" / "titanic.csv"
UPDATED_AT = "2026-01-01T00:00:00Z"

with SOURCE.open(newline="") as f:
    rows = list(csv.DictReader(f))

with (HERE / "passengers.csv").open("w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["passenger_id", "sex", "passengerClass", "updated_at"])
    for i, row in enumerate(rows, start=1):
        out.writerow([i, row["sex"], row["passengerClass"], UPDATED_AT])

with (HERE / "requests.jsonl").open("w") as f:
    for i, row in enumerate(rows[:3], start=1):
        age = float(row["age"]) if row["age"] != "" else None
        by_id = {"instances": [{"passenger_id": i, "age": age}]}
        inline = {"instances": [{"sex": row["sex"], "age": age, "passengerClass": row["passengerClass"]}]}
        f.write(json.dumps({"byId": by_id, "inline": inline}) + "\n")
