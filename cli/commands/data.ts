/** `edge-ml data profile|infer-schema|validate`: look at training and evaluation data the way the monitor will. */
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "data", description: "Profile, infer a schema for, and validate data files (types, missing values, anomalies, drift)" },
  subCommands: {
    profile: () => import("./data/profile.ts").then((m) => m.default),
    "infer-schema": () => import("./data/infer-schema.ts").then((m) => m.default),
    validate: () => import("./data/validate.ts").then((m) => m.default),
  },
});
