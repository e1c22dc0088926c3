// edge-ml project configuration, validated when the CLI loads it (an unknown key or a bad value is an error that
// names the key path and what is allowed there). Every field is optional; the values below are the defaults, and
// the commented lines show the rest. With the edge-ml package installed, `import { defineConfig } from "edge-ml"`
// and `export default defineConfig({...})` give editor completion.
export default {
  /**
   * Limits of the edge app. Unset, maxBatch is 256 and maxBodyBytes is derived from the model (room for a JSON
   * request at maxBatch, or for an image tensor; 1 MiB to 32 MiB): set them only to override. The env vars
   * EDGE_ML_MAX_BATCH and EDGE_ML_MAX_BODY_BYTES override them again at run time.
   * maxBodyBytes: largest accepted request body in bytes (413 above). maxBatch: most instances per request (400 above).
   */
  edge: {
    // maxBodyBytes: 8388608,
    // maxBatch: 256,
  },
  dev: {
    port: 8787,
  },

  /**
   * Gates for `edge-ml validate` (a version is blessed when all pass; `edge-ml deploy` refuses one that is not).
   * absolute: the metric overall, and with `slices: true` on every slice with at least `minRows` rows (default 30).
   * relative: against the `champion` alias on the same rows; worse by more than `maxDrop` fails (slices by default).
   * Metrics: accuracy, precision, recall, f1, roc_auc, log_loss (binary); accuracy, macro_f1 (multiclass); mae, rmse.
   */
  gates: {
    absolute: [
      // { metric: "roc_auc", min: 0.8 },
      // { metric: "accuracy", min: 0.75, slices: true, minRows: 30 },
    ],
    relative: [
      // { metric: "roc_auc", maxDrop: 0.02 },
    ],
  },

  /**
   * Per model: the label column and slices of evaluation data, and gates that replace the defaults above.
   * rollout: a challenger version sharing the champion's traffic, whenever build, dev or deploy serve the champion
   * (the `champion` alias: `npx edge-ml models alias titanic champion 1.0.0`; promoting moves the alias, this file
   * stays). mode "canary": the challenger answers `share` of users (0..1), each user always on the same version, by
   * `sticky`: "requestId" (the client's x-request-id, else a fresh id) or "header:<name>". mode "shadow": the champion
   * answers every request and the challenger runs on it after the response. `edge-ml dev --challenger` overrides it.
   */
  models: {
    // titanic: {
    //   label: "survived",
    //   slices: ["passengerClass", "sex"],
    //   gates: { absolute: [{ metric: "roc_auc", min: 0.8, slices: true, minRows: 30 }] },
    //   rollout: { challenger: "titanic@1.1.0", mode: "canary", share: 0.1, sticky: "header:x-user-id" },
    // },
  },

  /**
   * Where `edge-ml deploy` sends a model. `name` is this project's one Worker, the same as in wrangler.jsonc (change
   * both together); without it each model gets its own Worker, named after the model.
   * features: where the feature views a model reads live on Cloudflare (`featureViews` with store "kv" or "d1"). The
   * Worker binds them (EDGE_ML_FEATURES_KV, EDGE_ML_FEATURES_D1) and `edge-ml deploy` writes each view's latest values
   * from `edge-ml features push` into them before the new version goes live (`--dry-run` shows what it would write).
   * Create them once, then put the ids they print in place of the examples: `npx wrangler kv namespace create
   * edge-ml-features` (the id) and `npx wrangler d1 create edge-ml-features` (database_name and database_id). An environment
   * (`env: { staging: { features: {...} } }`, `deploy --env staging`) names its own: they are not inherited.
   */
  targets: {
    worker: {
      name: "{{name}}",
      // routes: ["example.com/titanic/*"],
      // vars: { LOG_LEVEL: "info" },
      // features: {
      //   kvNamespaceId: "0123456789abcdef0123456789abcdef",
      //   d1: { databaseId: "01234567-89ab-4cde-8f01-23456789abcd", databaseName: "edge-ml-features" },
      // },
    },
  },

  /**
   * The monitor: the edge sends telemetry to `${endpoint}/v1/ingest`, and `edge-ml deploy` registers the deployment
   * and its baseline at `${endpoint}/v1/deployments` (with $EDGE_ML_MONITOR_ADMIN_TOKEN). The ingest token is a
   * secret: `npx wrangler secret put EDGE_ML_MONITOR_TOKEN`.
   */
  // telemetry: { endpoint: "https://monitor.example.com", sampleRate: 0.01, redact: ["name"] },

  /**
   * Feature views: features a model looks up by key at the edge instead of receiving them (a feature in the model's
   * schema with `"from": "<view>"`; the client sends the key). `npx edge-ml features push <view> <csv>` writes the
   * latest row per key (by `timestamp`) to the local store `dev` serves; `deploy` writes it to the Worker's store
   * (targets.worker.features above). store: "kv" | "d1" (Workers), "deno-kv" (Deno), "memory" (Node, browser).
   * ttl: how long a value may be served after its timestamp ("30d", "12h").
   */
  // featureViews: {
  //   customer: { key: "customer_id", features: ["plan", "region"], timestamp: "updated_at", store: "kv", ttl: "30d" },
  // },
};
