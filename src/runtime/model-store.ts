import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrbisError } from '../core/index.js';
import { type ModelManifest, parseManifest } from './manifest.js';
import { type ModelSession, openSession, type SessionOptions } from './session.js';

/**
 * Where models come from, in order: the weights shipped in the repository's `models/`, your own folder
 * (`modelDir`), the cache of models fetched before (`<cacheDir>/models`), and, only when allowed, a model hub
 * (`modelHub`; `offline` or ORBIS_OFFLINE=1 forbids it). A model is a folder holding `manifest.json` and
 * the files it lists; every file is checked against the manifest's size and sha256 before use.
 */
export interface ModelStoreOptions {
  /** The shipped models (default: models/ at the root of this package). */
  shippedDir?: string;
  userDir?: string;
  cacheDir: string;
  hub?: string;
  offline?: boolean;
}

export type ModelSource = 'shipped' | 'user' | 'cache' | 'hub';

export interface InstalledModel {
  manifest: ModelManifest;
  dir: string;
  source: ModelSource;
}

export const SHIPPED_MODELS = fileURLToPath(new URL('../../models/', import.meta.url));

export class ModelStore {
  private readonly places: { dir: string; source: ModelSource }[];

  constructor(private readonly options: ModelStoreOptions) {
    this.places = [
      { dir: options.shippedDir ?? SHIPPED_MODELS, source: 'shipped' },
      ...(options.userDir ? [{ dir: resolve(options.userDir), source: 'user' as const }] : []),
      { dir: join(options.cacheDir, 'models'), source: 'cache' },
    ];
  }

  /**
   * Every installed model (the first of a name wins, as in resolve), folders whose manifest is bad, and models
   * hidden by one of the same name in an earlier place (a retrained model in modelDir under a shipped name is
   * never used: say so rather than let it be measured as the shipped one).
   */
  async list(): Promise<{
    models: InstalledModel[];
    problems: { dir: string; error: string }[];
    hidden: { dir: string; by: string }[];
  }> {
    const models: InstalledModel[] = [];
    const problems: { dir: string; error: string }[] = [];
    const hidden: { dir: string; by: string }[] = [];
    for (const place of this.places) {
      const entries = await readdir(place.dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const dir = join(place.dir, entry.name);
        if (!existsSync(join(dir, 'manifest.json'))) continue;
        try {
          const manifest = await readManifest(dir);
          const first = models.find((m) => m.manifest.name === manifest.name);
          if (first) hidden.push({ dir, by: first.dir });
          else models.push({ manifest, dir, source: place.source });
        } catch (error) {
          problems.push({ dir, error: (error as Error).message });
        }
      }
    }
    return { models, problems, hidden };
  }

  /** A model by name, its files verified; fetched from the hub when it is nowhere here and that is allowed. */
  async resolve(name: string): Promise<InstalledModel> {
    for (const place of this.places) {
      const dir = join(place.dir, name);
      if (!existsSync(join(dir, 'manifest.json'))) continue;
      const manifest = await readManifest(dir);
      await verifyFiles(manifest, dir);
      return { manifest, dir, source: place.source };
    }
    const looked = this.places.map((p) => p.dir).join(', ');
    if (this.options.offline)
      throw new OrbisError(
        'MODEL_NOT_FOUND',
        `model "${name}" is not installed (looked in ${looked}) and fetching is off`,
        {
          hint: 'fetching is off because of --offline or ORBIS_OFFLINE / "offline" in the config: turn that off to fetch it from modelHub, or copy its folder into modelDir',
          details: { name },
        },
      );
    if (!this.options.hub)
      throw new OrbisError('MODEL_NOT_FOUND', `model "${name}" is not installed (looked in ${looked})`, {
        hint: 'copy its folder (manifest.json and files) into modelDir (ORBIS_MODEL_DIR), or set modelHub (ORBIS_MODEL_HUB) to fetch it',
        details: { name },
      });
    return await this.fetch(name, this.options.hub);
  }

  /** An ONNX session for one of a model's files, checked against the manifest's inputs and outputs. */
  async open(model: InstalledModel, role: string, options: SessionOptions = {}): Promise<ModelSession> {
    const file = model.manifest.files.find((f) => f.role === role);
    if (!file)
      throw new OrbisError('MODEL_MANIFEST_MISMATCH', `model "${model.manifest.name}" has no ${role} file`, {
        hint: `its files: ${model.manifest.files.map((f) => f.role).join(', ')}`,
      });
    const session = await openSession(join(model.dir, file.path), options);
    const mismatch =
      compareTensors(file.inputs, session.inputs, 'input') ??
      compareTensors(file.outputs, session.outputs, 'output');
    if (mismatch) {
      await session.close();
      throw new OrbisError(
        'MODEL_MANIFEST_MISMATCH',
        `${join(model.dir, file.path)} does not match its manifest: ${mismatch}`,
        {
          hint: 'the manifest and the ONNX file come from different exports: export both again',
        },
      );
    }
    return session;
  }

  private async fetch(name: string, hub: string): Promise<InstalledModel> {
    const base = `${hub.replace(/\/$/, '')}/${encodeURIComponent(name)}`;
    const get = async (url: string): Promise<Uint8Array> => {
      let response: Response;
      try {
        response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
      } catch (error) {
        throw fetchFailed(name, url, (error as Error).message);
      }
      if (!response.ok) throw fetchFailed(name, url, `HTTP ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    };
    const manifest = parseManifest(
      JSON.parse(new TextDecoder().decode(await get(`${base}/manifest.json`))),
      `${base}/manifest.json`,
    );
    const dir = join(this.options.cacheDir, 'models', name);
    const staging = `${dir}.partial-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    try {
      for (const file of manifest.files) {
        const target = join(staging, file.path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, await get(`${base}/${file.path}`));
      }
      await writeFile(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      await verifyFiles(manifest, staging);
      await rm(dir, { recursive: true, force: true });
      await rename(staging, dir);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return { manifest, dir, source: 'hub' };
  }
}

async function readManifest(dir: string): Promise<ModelManifest> {
  const path = join(dir, 'manifest.json');
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new OrbisError(
      'MODEL_MANIFEST_INVALID',
      `cannot read the manifest ${path}: ${(error as Error).message}`,
      {
        hint: 'it must be the JSON the training recipe wrote; export the model again',
      },
    );
  }
  return parseManifest(value, path);
}

/** Every file present, of the stated size and sha256. */
export async function verifyFiles(manifest: ModelManifest, dir: string): Promise<void> {
  for (const file of manifest.files) {
    const path = join(dir, file.path);
    const info = await stat(path).catch(() => undefined);
    if (!info)
      throw new OrbisError(
        'MODEL_NOT_FOUND',
        `model "${manifest.name}" lacks its ${file.role} file ${path}`,
        {
          hint: 'the model folder is incomplete: copy or fetch it again',
        },
      );
    const sha = await sha256(path);
    if (info.size !== file.bytes || sha !== file.sha256)
      throw new OrbisError(
        'MODEL_CHECKSUM_MISMATCH',
        `${path} is not the file its manifest names (sha256 ${sha.slice(0, 12)}..., ${info.size} bytes; expected ${file.sha256.slice(0, 12)}..., ${file.bytes} bytes)`,
        { hint: 'the file is damaged or was replaced: copy, fetch or export the model again' },
      );
  }
}

export async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function fetchFailed(name: string, url: string, why: string): OrbisError {
  return new OrbisError('MODEL_FETCH_FAILED', `cannot fetch model "${name}" from ${url}: ${why}`, {
    hint: 'check modelHub (ORBIS_MODEL_HUB) and the network, or install the model folder by hand',
  });
}

function compareTensors(
  declared: readonly { name: string; dtype: string; shape: (number | string)[] }[],
  actual: readonly { name: string; type: string; shape: (number | string)[] }[],
  kind: string,
): string | undefined {
  for (const d of declared) {
    const a = actual.find((t) => t.name === d.name);
    if (!a)
      return `the manifest names ${kind} "${d.name}", which the model does not have (it has ${actual.map((t) => t.name).join(', ')})`;
    if (a.type !== d.dtype)
      return `${kind} "${d.name}" is ${a.type} in the model, ${d.dtype} in the manifest`;
    const fixedDiffer =
      d.shape.length !== a.shape.length ||
      d.shape.some((s, i) => typeof s === 'number' && typeof a.shape[i] === 'number' && s !== a.shape[i]);
    if (fixedDiffer)
      return `${kind} "${d.name}" is [${a.shape.join(', ')}] in the model, [${d.shape.join(', ')}] in the manifest`;
  }
  return undefined;
}
