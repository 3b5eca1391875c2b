import { OrbisError } from '../core/index.js';
import {
  spreadPicks,
  ThumbprintEmbedder,
  type ThumbprintFeatures,
  thumbprintFeatures,
} from '../embed/index.js';
import { checkInputFile, decodeFrames, probe } from '../video/index.js';

/** Width the curator analyses frames at by default (curator config split.analysisWidth). */
export const ANALYSIS_WIDTH = 96;

const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp|bmp|tiff?)$/i;

/**
 * Embed a query video or image with the embedder that made the index, decoding it the way the curator
 * does: frames at the analysis width, the embedder's frames spread evenly over the clip. An image is a
 * clip whose every frame is that image.
 */
export async function embedQueryFile(
  path: string,
  embedderName: string,
  options: { kind: 'video' | 'image'; width?: number; signal?: AbortSignal },
): Promise<Float32Array> {
  const embedder = new ThumbprintEmbedder();
  if (embedderName !== embedder.name)
    throw new OrbisError(
      'SEARCH_DIMENSION_MISMATCH',
      `the index was built with the "${embedderName}" embedder; queries by file can only be embedded with "${embedder.name}"`,
      {
        hint: 'query by clip id or text, or rebuild the index from a dataset curated with the built-in embedder',
      },
    );
  if (options.kind === 'image' && !IMAGE_EXTENSIONS.test(path))
    throw new OrbisError(
      'INVALID_ARGUMENT',
      `${path} does not look like an image (jpg, png, webp, bmp, tiff)`,
      {
        hint: 'pass videos with --video',
      },
    );
  await checkInputFile(path);
  const info = await probe(path, options.signal ? { signal: options.signal } : {});
  const features: ThumbprintFeatures[] = [];
  for await (const frame of decodeFrames(path, {
    info,
    width: options.width ?? ANALYSIS_WIDTH,
    pixelFormat: 'rgb24',
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    features.push(thumbprintFeatures(frame));
    if (options.kind === 'image') break;
  }
  if (features.length === 0)
    throw new OrbisError('VIDEO_EMPTY', `${path} has no frames to search with`, {
      hint: 'pass another file',
    });
  return embedder.combine(spreadPicks(features, embedder.framesPerClip));
}
