import { open, stat } from 'node:fs/promises';
import { VideoError } from '../core/index.js';

/**
 * Checks a path before ffmpeg sees it, so the common mistakes get precise errors, and reads ffmpeg's
 * complaints into typed ones when it fails.
 */
export async function checkInputFile(path: string): Promise<{ sizeBytes: number }> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new VideoError('VIDEO_NOT_FOUND', path, `no such file: ${path}`, {
        cause: error,
        hint: 'check the path (quote it if it has spaces)',
      });
    }
    if (code === 'ELOOP') {
      throw new VideoError('VIDEO_NOT_FOUND', path, `symlink loop at ${path}`, {
        cause: error,
        hint: 'point the link at a real file',
      });
    }
    throw unreadable(path, error);
  }
  if (info.isDirectory()) {
    throw new VideoError('VIDEO_IS_DIRECTORY', path, `${path} is a directory, not a video file`, {
      hint: 'give a video file (commands that take many videos accept directories)',
    });
  }
  if (!info.isFile()) {
    throw new VideoError('VIDEO_NOT_A_VIDEO', path, `${path} is not a regular file`, {
      hint: 'give a video file',
    });
  }
  if (info.size === 0) {
    throw new VideoError('VIDEO_EMPTY', path, `${path} is empty (0 bytes)`, {
      hint: 'the copy or recording did not finish; fetch or export it again',
    });
  }
  try {
    const handle = await open(path, 'r');
    await handle.close();
  } catch (error) {
    throw unreadable(path, error);
  }
  return { sizeBytes: info.size };
}

function unreadable(path: string, cause: unknown): VideoError {
  const code = (cause as NodeJS.ErrnoException).code ?? 'error';
  return new VideoError('VIDEO_UNREADABLE', path, `cannot read ${path} (${code})`, {
    cause,
    hint: 'check the file permissions',
  });
}

/** Does the file start like an ISO-BMFF (MP4/MOV) file? Then a missing moov atom means truncation. */
async function looksLikeMp4(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(12), 0, 12, 0);
      if (bytesRead < 8) return false;
      const box = buffer.toString('latin1', 4, 8);
      return ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip'].includes(box);
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

const corruptPatterns = [
  /partial file/i,
  /error while decoding/i,
  /invalid nal unit/i,
  /corrupt/i,
  /missing picture/i,
];

/** Whether ffmpeg's stderr says the stream was damaged, even when it exited 0. */
export function stderrShowsCorruption(lines: string[]): boolean {
  return lines.some((line) => corruptPatterns.some((p) => p.test(line)));
}

/** Turn a failed ffprobe/ffmpeg run on an input into a typed error. */
export async function classifyInputFailure(
  path: string,
  stderrTail: string,
  tool: string,
): Promise<VideoError> {
  const tail = stderrTail.trim();
  const last = tail.split('\n').pop() ?? '';
  if (/moov atom not found/i.test(tail) && (await looksLikeMp4(path))) {
    return new VideoError('VIDEO_TRUNCATED', path, `${path} is truncated (its MP4 index is missing)`, {
      stderrTail: tail,
      hint: 'the recording or download was cut off; fetch it again, or try a recovery tool such as untrunc',
    });
  }
  if (
    /Invalid data found when processing input|could not find codec parameters|moov atom not found/i.test(tail)
  ) {
    return new VideoError('VIDEO_NOT_A_VIDEO', path, `${path} is not a video ffmpeg can read`, {
      stderrTail: tail,
      hint: 'check that it is a video file (its extension may be wrong)',
    });
  }
  if (/Permission denied/i.test(tail)) {
    return new VideoError('VIDEO_UNREADABLE', path, `cannot read ${path} (permission denied)`, {
      stderrTail: tail,
      hint: 'check the file permissions',
    });
  }
  if (stderrShowsCorruption(tail.split('\n'))) {
    return new VideoError('VIDEO_CORRUPT', path, `${path} is damaged: ${last}`, {
      stderrTail: tail,
      hint: 'the frames before the damage may still be usable; re-export the file to recover the rest',
    });
  }
  return new VideoError('VIDEO_DECODE_FAILED', path, `${tool} failed on ${path}: ${last || 'no message'}`, {
    stderrTail: tail,
    hint: 'run with --debug to see ffmpeg output',
  });
}
