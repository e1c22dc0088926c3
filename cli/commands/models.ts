/** `edge-ml models add|list|show|alias`: the model registry. */
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "models", description: "Register, list and inspect versioned models in models/" },
  subCommands: {
    add: () => import("./models/add.ts").then((m) => m.default),
    list: () => import("./models/list.ts").then((m) => m.default),
    show: () => import("./models/show.ts").then((m) => m.default),
    alias: () => import("./models/alias.ts").then((m) => m.default),
  },
});
