/**
 * The tensor shape an image step writes (after resize and crop), apart from the decoders so that validating a
 * preprocessing spec does not load them.
 */
import { EdgeMlError } from "../errors.ts";
import type { ImageStep } from "../schema/preprocessing.ts";

/** Dims of one instance, without the batch: [C, H, W] (nchw) or [H, W, C] (nhwc), after `crop`. */
export function imageTensorDims(step: ImageStep): number[] {
  const [h, w] = outputSize(step);
  const c = step.channels === "gray" ? 1 : 3;
  return step.layout === "nchw" ? [c, h, w] : [h, w, c];
}

/** [height, width] the step writes: `crop` when given (checked to fit in `size`), else `size`. */
export function outputSize(step: ImageStep): [number, number] {
  const [h, w] = step.size;
  if (step.crop === undefined) return [h, w];
  const [ch, cw] = step.crop;
  if (ch > h || cw > w) {
    throw new EdgeMlError("ERR_BAD_CONFIG", `image step "${step.feature}": crop [${ch}, ${cw}] is larger than size [${h}, ${w}]`, {
      hint: "crop takes the center of the resized image: make it at most `size` in each dimension",
    });
  }
  return [ch, cw];
}
