/**
 * Every command, in one place: its name and description (all the top-level help needs), where its arguments are
 * (spec/*.ts, light: loaded for its own help and the strict argument check) and where its code is (imported only
 * when it runs).
 */
import { type CommandNode, lazyCommand } from "../terminal/spec.ts";

export const COMMANDS = {
  description: "Ship ML models to the edge: registry, validation, builds, monitoring.",
  commands: {
    init: lazyCommand(
      "Create a new edge-ml project (edge-ml.config.ts, package.json, wrangler.jsonc, models/)",
      () => import("./spec/init.ts").then((m) => m.INIT),
      () => import("./init.ts"),
    ),
    models: {
      description: "Register, list and inspect versioned models in models/",
      commands: {
        add: lazyCommand(
          "Register an ONNX model as a new immutable version",
          () => import("./spec/models.ts").then((m) => m.MODELS_ADD),
          () => import("./models/add.ts"),
        ),
        list: lazyCommand(
          "List registered models, versions and aliases",
          () => import("./spec/models.ts").then((m) => m.MODELS_LIST),
          () => import("./models/list.ts"),
        ),
        show: lazyCommand(
          "Show a model version's manifest",
          () => import("./spec/models.ts").then((m) => m.MODELS_SHOW),
          () => import("./models/show.ts"),
        ),
        alias: lazyCommand(
          "Point an alias (champion, staging, ...) at a version",
          () => import("./spec/models.ts").then((m) => m.MODELS_ALIAS),
          () => import("./models/alias.ts"),
        ),
      },
    },
    data: {
      description: "Profile, infer a schema for, and validate data files (types, missing values, anomalies, drift)",
      commands: {
        profile: lazyCommand(
          "Per-column profile of a CSV: type, missing rate, range or top categories",
          () => import("./spec/data.ts").then((m) => m.DATA_PROFILE),
          () => import("./data/profile.ts"),
        ),
        "infer-schema": lazyCommand(
          "Guess a feature schema from a CSV: types, nullability, ranges, categories",
          () => import("./spec/data.ts").then((m) => m.DATA_INFER_SCHEMA),
          () => import("./data/infer-schema.ts"),
        ),
        validate: lazyCommand(
          "Find anomalies in a CSV (missing/extra columns, types, nulls, ranges, categories) and drift from the training data",
          () => import("./spec/data.ts").then((m) => m.DATA_VALIDATE),
          () => import("./data/validate.ts"),
        ),
      },
    },
    features: {
      description: "Feature views: push values to the local online store, read one back, build point-in-time training sets",
      commands: {
        push: lazyCommand(
          "Write a CSV's latest values per key into a view's local store and append its rows to the view's history",
          () => import("./spec/features.ts").then((m) => m.FEATURES_PUSH),
          () => import("./features.ts").then((m) => ({ default: m.PUSH })),
        ),
        show: lazyCommand(
          "Read one key of a view back from its local store: values, timestamp, age",
          () => import("./spec/features.ts").then((m) => m.FEATURES_SHOW),
          () => import("./features.ts").then((m) => ({ default: m.SHOW })),
        ),
        join: lazyCommand(
          "Point-in-time join: each entity row gets the view's latest values at or before its time (no leakage)",
          () => import("./spec/features.ts").then((m) => m.FEATURES_JOIN),
          () => import("./features.ts").then((m) => ({ default: m.JOIN })),
        ),
      },
    },
    validate: lazyCommand(
      "Evaluate a model version on labelled data, check the gates, and record the result in its manifest",
      () => import("./spec/validate.ts").then((m) => m.VALIDATE),
      () => import("./validate.ts"),
    ),
    optimize: lazyCommand(
      "Optimize and quantize a model version (int8, fp16, int4); keep a variant only if it passes accuracy and latency gates",
      () => import("./spec/optimize.ts").then((m) => m.OPTIMIZE),
      () => import("./optimize.ts"),
    ),
    build: lazyCommand(
      "Bundle a model version into an edge function",
      () => import("./spec/build.ts").then((m) => m.BUILD),
      () => import("./build.ts"),
    ),
    dev: lazyCommand(
      "Build a model's Worker and serve it locally in workerd, with live telemetry",
      () => import("./spec/dev.ts").then((m) => m.DEV),
      () => import("./dev.ts"),
    ),
    deploy: lazyCommand(
      "Deploy a blessed model version: gate, build, wrangler deploy, register with the monitor, move champion",
      () => import("./spec/build.ts").then((m) => m.DEPLOY),
      () => import("./deploy.ts"),
    ),
    rollout: {
      description: "Champion and challenger: see where a rollout stands, promote the challenger, roll back",
      commands: {
        status: lazyCommand(
          "Champion, configured challenger (mode, share, sticky, blessed?), what the deploy log says is live",
          () => import("./spec/rollout.ts").then((m) => m.ROLLOUT_STATUS),
          () => import("./rollout.ts").then((m) => ({ default: m.STATUS })),
        ),
        promote: lazyCommand(
          "Deploy the challenger alone at 100%, then move champion to it (logged with who, when, why)",
          () => import("./spec/rollout.ts").then((m) => m.ROLLOUT_PROMOTE),
          () => import("./rollout.ts").then((m) => ({ default: m.PROMOTE })),
        ),
        rollback: lazyCommand(
          "Deploy the previous champion (or --to <version>) alone at 100%, then move champion back (logged)",
          () => import("./spec/rollout.ts").then((m) => m.ROLLOUT_ROLLBACK),
          () => import("./rollout.ts").then((m) => ({ default: m.ROLLBACK })),
        ),
      },
    },
    monitor: {
      description: "Run the monitoring server (ingest, metrics, dashboard) and manage ingest tokens",
      default: "serve",
      commands: {
        serve: lazyCommand(
          "Run the monitoring server until Ctrl-C (the default of `edge-ml monitor`)",
          () => import("./spec/monitor.ts").then((m) => m.MONITOR_SERVE),
          () => import("./monitor/serve.ts"),
        ),
        build: lazyCommand(
          "Bundle the monitor as a Cloudflare Worker with a D1 store (--target worker): monitor.js and its wrangler.toml",
          () => import("./spec/monitor-worker.ts").then((m) => m.MONITOR_BUILD),
          () => import("./monitor/build.ts"),
        ),
        dev: lazyCommand(
          "Serve the monitor Worker locally in workerd with a local D1 database, the Cron Trigger on a timer",
          () => import("./spec/monitor-worker.ts").then((m) => m.MONITOR_DEV),
          () => import("./monitor/dev.ts"),
        ),
        deploy: lazyCommand(
          "Deploy the monitor Worker with wrangler (D1 binding, Cron Trigger); --dry-run prints what would be uploaded",
          () => import("./spec/monitor-worker.ts").then((m) => m.MONITOR_DEPLOY),
          () => import("./monitor/deploy.ts"),
        ),
        token: {
          description: "Manage the ingest tokens of deployments",
          commands: {
            create: lazyCommand(
              "Create an ingest token for a deployment (printed once)",
              () => import("./spec/monitor.ts").then((m) => m.TOKEN_CREATE),
              () => import("./monitor/token/create.ts"),
            ),
            list: lazyCommand(
              "List ingest tokens (ids and prefixes; tokens themselves are not stored)",
              () => import("./spec/monitor.ts").then((m) => m.TOKEN_LIST),
              () => import("./monitor/token/list.ts"),
            ),
            revoke: lazyCommand(
              "Revoke a token by id, or every token of a deployment",
              () => import("./spec/monitor.ts").then((m) => m.TOKEN_REVOKE),
              () => import("./monitor/token/revoke.ts"),
            ),
          },
        },
      },
    },
    replay: lazyCommand(
      "Stream a CSV through an edge endpoint (optionally drifted) and post its labels as feedback",
      () => import("./spec/replay.ts").then((m) => m.REPLAY),
      () => import("./replay.ts"),
    ),
  },
} as const satisfies CommandNode;
