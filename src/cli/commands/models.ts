import { type InstalledModel, ModelStore } from '../../runtime/index.js';
import type { CliContext } from '../context.js';

/** The model store the config describes (shared by the commands that load models). */
export function storeOf(ctx: CliContext): ModelStore {
  const c = ctx.config;
  return new ModelStore({
    cacheDir: c.cacheDir,
    offline: c.offline,
    ...(c.modelDir ? { userDir: c.modelDir } : {}),
    ...(c.modelHub ? { hub: c.modelHub } : {}),
  });
}

const summary = (m: InstalledModel): string => {
  const metrics = Object.entries(m.manifest.metrics)
    .slice(0, 4)
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(3)}`)
    .join(', ');
  return `${m.manifest.name.padEnd(24)} ${m.manifest.version.padEnd(8)} ${m.manifest.family.padEnd(22)} ${m.source.padEnd(8)} ${metrics}`;
};

/**
 * `orbis models list`: every installed model with its headline metrics, folders that are broken, and models
 * hidden by one of the same name.
 */
export async function modelsListCommand(ctx: CliContext): Promise<number> {
  const { models, problems, hidden } = await storeOf(ctx).list();
  const lines = models.length
    ? [
        `${'name'.padEnd(24)} ${'version'.padEnd(8)} ${'family'.padEnd(22)} ${'from'.padEnd(8)} metrics`,
        ...models.map(summary),
      ]
    : ['no models installed (shipped models/, modelDir and the cache are empty)'];
  for (const p of problems) lines.push(`broken: ${p.dir}: ${p.error}`);
  for (const h of hidden)
    lines.push(`hidden: ${h.dir}: ${h.by} has the same name and wins; rename it to use it`);
  ctx.result(lines, {
    models: models.map((m) => ({ ...m.manifest, dir: m.dir, source: m.source })),
    problems,
    hidden,
  });
  return 0;
}

/** `orbis models info <name>`: the whole manifest, its files verified (fetched first when allowed). */
export async function modelsInfoCommand(ctx: CliContext, name: string): Promise<number> {
  const m = await storeOf(ctx).resolve(name);
  const lines = [
    `${m.manifest.name} ${m.manifest.version} (${m.manifest.family}), from ${m.source}: ${m.dir}`,
    ...(m.manifest.description ? [m.manifest.description] : []),
    `license: ${m.manifest.license}`,
    'files (sha256 verified):',
    ...m.manifest.files.map(
      (f) =>
        `  ${f.role.padEnd(10)} ${f.path} (${(f.bytes / 2 ** 20).toFixed(2)} MiB) in: ${f.inputs.map((t) => `${t.name} ${t.dtype}[${t.shape.join(',')}]`).join(' ')} out: ${f.outputs.map((t) => `${t.name} ${t.dtype}[${t.shape.join(',')}]`).join(' ')}`,
    ),
    ...(m.manifest.compression ? [`compression: ${JSON.stringify(m.manifest.compression)}`] : []),
    ...(m.manifest.training ? [`training: ${JSON.stringify(m.manifest.training)}`] : []),
    `metrics${m.manifest.evaluatedOn ? ` (on ${m.manifest.evaluatedOn})` : ''}: ${
      Object.entries(m.manifest.metrics)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none recorded'
    }`,
  ];
  ctx.result(lines, { ...m.manifest, dir: m.dir, source: m.source });
  return 0;
}
