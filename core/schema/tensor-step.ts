/** Which preprocessing steps write a model input tensor (image, audio) instead of a column; apart from the zod schemas so the edge carries none. */

/** Steps that write a model input tensor instead of a column (`TensorStep` in ./preprocessing.ts). */
export const isTensorStep = <S extends { op: string }>(s: S): s is Extract<S, { op: "image" | "audio" }> => s.op === "image" || s.op === "audio";
