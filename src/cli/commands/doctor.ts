import { detectHardware } from '../../core/index.js';
import { ffmpegCodecs, ffmpegPaths, ffmpegVersion } from '../../video/index.js';
import type { CliContext } from '../context.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** A failed required check makes doctor exit 1. */
  required: boolean;
}

export async function doctorCommand(ctx: CliContext): Promise<number> {
  const checks: Check[] = [];
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const nodeOk = major > 20 || (major === 20 && minor >= 15);
  checks.push({
    name: 'node',
    ok: nodeOk,
    detail: `v${process.versions.node}${nodeOk ? '' : ' (need 20.15 or newer)'}`,
    required: true,
  });

  const paths = ffmpegPaths();
  try {
    const version = await ffmpegVersion();
    const recent = version.major > 5 || (version.major === 5 && version.minor >= 1);
    checks.push({
      name: 'ffmpeg',
      ok: recent,
      detail: `${version.version} (${paths.ffmpeg})${recent ? '' : ': need 5.1 or newer for -fps_mode'}`,
      required: true,
    });
    const { encoders, decoders } = await ffmpegCodecs();
    const x264 = encoders.has('libx264');
    checks.push({
      name: 'libx264',
      ok: x264,
      detail: x264
        ? 'H.264 encoder present'
        : 'missing: clips cannot be written; install a full ffmpeg build',
      required: true,
    });
    const yes = (codec: string): string => `${codec} ${decoders.has(codec) ? 'yes' : 'no'}`;
    checks.push({
      name: 'decoders',
      ok: decoders.has('h264'),
      detail: ['h264', 'hevc', 'vp9', 'av1'].map(yes).join(', '),
      required: true,
    });
  } catch (error) {
    checks.push({ name: 'ffmpeg', ok: false, detail: (error as Error).message, required: true });
  }

  const hw = await detectHardware();
  checks.push({ name: 'cpu', ok: true, detail: `${hw.cpuCores} cores, ${hw.cpuModel}`, required: false });
  checks.push({ name: 'memory', ok: true, detail: `${hw.memoryGiB.toFixed(1)} GiB`, required: false });
  checks.push({
    name: 'gpu',
    ok: hw.gpus.length > 0,
    detail:
      hw.gpus.length > 0
        ? hw.gpus
            .map((g) => `#${g.index} ${g.name} ${g.memoryGiB.toFixed(0)} GiB (driver ${g.driver})`)
            .join('; ')
        : `none (${hw.gpuNote ?? 'no NVIDIA GPU'}); CPU paths are used`,
    required: false,
  });
  try {
    const { runtimeInfo } = await import('../../runtime/index.js');
    const info = runtimeInfo();
    const providers = info.providers
      .map((p) => `${p.name}${p.bundled ? '' : ' (needs its libraries installed)'}`)
      .join(', ');
    checks.push({ name: 'onnxruntime', ok: true, detail: `${info.version}: ${providers}`, required: false });
  } catch (error) {
    checks.push({
      name: 'onnxruntime',
      ok: false,
      detail: `cannot load onnxruntime-node: ${(error as Error).message}`,
      required: false,
    });
  }

  const failed = checks.filter((c) => c.required && !c.ok);
  ctx.result(
    [
      ...checks.map(
        (c) => `${c.ok ? 'ok  ' : c.required ? 'FAIL' : '--  '} ${c.name.padEnd(12)} ${c.detail}`,
      ),
      failed.length ? `\n${failed.length} required check(s) failed` : '\nready',
    ],
    { ok: failed.length === 0, checks, hardware: hw },
  );
  return failed.length ? 1 : 0;
}
