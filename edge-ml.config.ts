// The example project's configuration (the format is documented in templates/init/edge-ml.config.ts and README.md).
// `npx edge-ml validate titanic@1.0.0 --data examples/titanic/data/eval.csv` checks these gates; raise the per-slice
// ROC-AUC floor to 0.75 to watch the third-class slice (0.73) block `edge-ml deploy`. titanic-forest is the same task
// as a random forest (examples/tabular-models), held to the same gates.
const titanicGates = {
  label: "survived",
  slices: ["passengerClass", "sex"],
  gates: {
    absolute: [
      { metric: "roc_auc", min: 0.8 },
      { metric: "roc_auc", min: 0.7, slices: true, minRows: 30 },
    ],
    relative: [{ metric: "roc_auc", maxDrop: 0.02 }],
  },
};

// bike-rentals derives year, month and weekday from its date column at the edge (examples/bike-rentals).
const bikeGates = {
  label: "busy",
  slices: ["holiday"],
  gates: { absolute: [{ metric: "roc_auc", min: 0.75 }], relative: [{ metric: "roc_auc", maxDrop: 0.02 }] },
};

export default {
  // titanic-lookup@1.0.0 (examples/feature-lookup) reads sex and passengerClass from this view by passenger_id:
  // `edge-ml features push passenger examples/feature-lookup/passengers.csv`, then `edge-ml dev titanic-lookup@1.0.0`.
  featureViews: {
    passenger: { key: "passenger_id", features: ["sex", "passengerClass"], timestamp: "updated_at", store: "kv" },
  },
  models: {
    titanic: titanicGates,
    "titanic-forest": titanicGates,
    "bike-rentals": bikeGates,
  },
};
