/**
 * Every command, in one place: what help and the strict argument check need (spec/*.ts, light) and where each
 * command's code is (imported only when that command runs).
 */
import { type CommandNode, lazyCommand } from "../terminal/spec.ts";
import { BUILD, DEPLOY } from "./spec/build.ts";
import { DATA_INFER_SCHEMA, DATA_PROFILE, DATA_VALIDATE } from "./spec/data.ts";
import { DEV } from "./spec/dev.ts";
import { INIT } from "./spec/init.ts";
import { MODELS_ADD, MODELS_ALIAS, MODELS_LIST, MODELS_SHOW } from "./spec/models.ts";
import { MONITOR_SERVE, TOKEN_CREATE, TOKEN_LIST, TOKEN_REVOKE } from "./spec/monitor.ts";
import { REPLAY } from "./spec/replay.ts";
import { VALIDATE } from "./spec/validate.ts";

export const COMMANDS = {
  description: "Ship ML models to the edge: registry, validation, builds, monitoring.",
  commands: {
    init: lazyCommand(INIT, () => import("./init.ts")),
    models: {
      description: "Register, list and inspect versioned models in models/",
      commands: {
        add: lazyCommand(MODELS_ADD, () => import("./models/add.ts")),
        list: lazyCommand(MODELS_LIST, () => import("./models/list.ts")),
        show: lazyCommand(MODELS_SHOW, () => import("./models/show.ts")),
        alias: lazyCommand(MODELS_ALIAS, () => import("./models/alias.ts")),
      },
    },
    data: {
      description: "Profile, infer a schema for, and validate data files (types, missing values, anomalies, drift)",
      commands: {
        profile: lazyCommand(DATA_PROFILE, () => import("./data/profile.ts")),
        "infer-schema": lazyCommand(DATA_INFER_SCHEMA, () => import("./data/infer-schema.ts")),
        validate: lazyCommand(DATA_VALIDATE, () => import("./data/validate.ts")),
      },
    },
    validate: lazyCommand(VALIDATE, () => import("./validate.ts")),
    build: lazyCommand(BUILD, () => import("./build.ts")),
    dev: lazyCommand(DEV, () => import("./dev.ts")),
    deploy: lazyCommand(DEPLOY, () => import("./deploy.ts")),
    monitor: {
      description: "Run the monitoring server (ingest, metrics, dashboard) and manage ingest tokens",
      default: "serve",
      commands: {
        serve: lazyCommand(MONITOR_SERVE, () => import("./monitor/serve.ts")),
        token: {
          description: "Manage the ingest tokens of deployments",
          commands: {
            create: lazyCommand(TOKEN_CREATE, () => import("./monitor/token/create.ts")),
            list: lazyCommand(TOKEN_LIST, () => import("./monitor/token/list.ts")),
            revoke: lazyCommand(TOKEN_REVOKE, () => import("./monitor/token/revoke.ts")),
          },
        },
      },
    },
    replay: lazyCommand(REPLAY, () => import("./replay.ts")),
  },
} as const satisfies CommandNode;
