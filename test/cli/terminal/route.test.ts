import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../../cli/commands/tree.ts";
import { route } from "../../../cli/terminal/route.ts";

describe("route: command words to a command, before anything loads", () => {
  it("walks families and leaves the command its own arguments, flags given before the words included", () => {
    expect(route(COMMANDS, ["--debug", "models", "add", "m.onnx", "--name", "m"])).toMatchObject({
      path: ["models", "add"],
      rest: ["--debug", "m.onnx", "--name", "m"],
    });
  });

  it("a family with a default runs it when given flags or nothing, but describes itself for --help", () => {
    expect(route(COMMANDS, ["monitor", "--port", "0"]).path).toEqual(["monitor", "serve"]);
    expect(route(COMMANDS, ["monitor"]).path).toEqual(["monitor", "serve"]);
    expect(route(COMMANDS, ["monitor", "--help"]).path).toEqual(["monitor"]);
    expect(route(COMMANDS, ["monitor", "token", "list"]).path).toEqual(["monitor", "token", "list"]);
    // A family without a default stops there (the runner prints its commands, exit 2).
    expect(route(COMMANDS, ["data", "--json"]).path).toEqual(["data"]);
  });

  it("an unknown word is a usage error naming what the family has", () => {
    expect(() => route(COMMANDS, ["data", "infer"])).toThrow('unknown command "infer" for edge-ml data (did you mean infer-schema?)');
    expect(() => route(COMMANDS, ["data", "zzz"])).toThrow(/^unknown command "zzz" for edge-ml data$/);
    expect(() => route(COMMANDS, ["data", "validte"])).toThrow("(did you mean validate?)");
  });
});
