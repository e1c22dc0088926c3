/**
 * Image preprocessing for edge-ml, portable (workerd, Deno, browsers, Node): decode PNG/JPEG, convert channels,
 * resize and fit as Pillow does, crop as torchvision does, normalize into a float32 NCHW/NHWC tensor.
 *
 * @example
 * ```ts
 * import { imageToTensor } from "./core/image/index.ts";
 * const x = imageToTensor({ b64 }, { size: [224, 224], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
 * ```
 */
export { base64ToBytes } from "./base64.ts";
export { type ChannelMode, toChannels } from "./channels.ts";
export { DEFAULT_MAX_PIXELS, type DecodeImageOptions, decodeImage, type ImageFormat, type ImageHeader, readImageHeader } from "./decode.ts";
export { centerCrop, contain, cover, roundHalfEven, type Size } from "./fit.ts";
export { checkImageOptions, type ImageOptions, type ImageTarget, type ImageValue, imageTensorShape, imageToTensor } from "./pipeline.ts";
export { asPixels, type ChannelCount, isPixelsLike, type Pixels, type PixelsLike } from "./pixels.ts";
export { type Box, type ResizeFilter, resize } from "./resize.ts";
export { type ImageLayout, type TensorOptions, writeImageTensor } from "./tensor.ts";
