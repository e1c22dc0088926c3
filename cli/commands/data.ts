/** `edge-ml data profile`: look at training and evaluation data the way the monitor will. */
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "data", description: "Profile data files (types, missing values, distributions)" },
  subCommands: {
    profile: () => import("./data-profile.ts").then((m) => m.default),
  },
});
