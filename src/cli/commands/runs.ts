import { parseEngine, runStatus } from '../../pipeline/index.js';
import type { CliContext } from '../context.js';

/** `orbis runs status <id>`: a distributed run as Redis knows it, from any machine that reaches it. */
export async function runsStatusCommand(
  ctx: CliContext,
  id: string,
  options: { engine: string },
): Promise<number> {
  const s = await runStatus(parseEngine(options.engine), id);
  ctx.result(
    [
      `run ${id}: ${s.status}, ${s.pipeline}, ${s.inputs} inputs, ${s.openJobs} jobs open, ${s.workers.length} workers live`,
      ...s.stages.map(
        (t) =>
          `  ${t.name.padEnd(10)} ${String(t.itemsIn).padStart(6)} in ${String(t.itemsOut).padStart(6)} out`,
      ),
      ...(s.failed.length
        ? [
            `${s.failed.length} failed for good:`,
            ...s.failed.slice(0, 10).map((d) => `  ${d.stage}: ${d.error}`),
          ]
        : []),
    ],
    s,
  );
  return 0;
}
