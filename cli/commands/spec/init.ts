/** Arguments of `edge-ml init`. */
import { defineSpec } from "../../terminal/spec.ts";

export const INIT = defineSpec({
  args: {
    dir: { type: "positional", required: true, description: "folder to create" },
    json: { type: "boolean", description: "print what was written as JSON" },
  },
});
