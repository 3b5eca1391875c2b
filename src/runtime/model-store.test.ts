import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { standInLpips } from '../../test/onnx-model.js';
import { tempDir } from '../../test/support.js';
import { OrbisError } from '../core/index.js';
import { ModelStore } from './model-store.js';

const root = tempDir();

/** A model folder: the stand-in LPIPS network and a manifest that describes it (optionally wrongly). */
function makeModel(dir: string, name: string, edit: (m: Record<string, unknown>) => void = () => {}): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  const bytes = standInLpips();
  writeFileSync(join(folder, 'score.onnx'), bytes);
  const manifest: Record<string, unknown> = {
    name,
    version: '1',
    family: 'test',
    files: [
      {
        path: 'score.onnx',
        sha256: createHash('sha256').update(bytes).digest('hex'),
        bytes: bytes.length,
        role: 'scorer',
        inputs: [
          { name: 'in0', dtype: 'float32', shape: ['N', 3, 'H', 'W'] },
          { name: 'in1', dtype: 'float32', shape: ['N', 3, 'H', 'W'] },
        ],
        outputs: [{ name: 'out0', dtype: 'float32', shape: ['N', 1, 1, 1] }],
      },
    ],
    metrics: { psnr: 30.5 },
    license: 'Apache-2.0',
  };
  edit(manifest);
  writeFileSync(join(folder, 'manifest.json'), JSON.stringify(manifest));
  return folder;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return OrbisError.isInstance(error) ? `${error.code}: ${error.message} | ${error.hint}` : String(error);
  }
}

test('a model resolves from the user folder, its files checked, and opens against its manifest', async () => {
  const user = join(root, 'user');
  makeModel(user, 'good');
  const store = new ModelStore({
    userDir: user,
    cacheDir: join(root, 'cache'),
    shippedDir: join(root, 'none'),
  });
  const model = await store.resolve('good');
  assert.equal(model.source, 'user');
  const session = await store.open(model, 'scorer', { providers: ['cpu'] });
  assert.deepEqual(
    session.inputs.map((i) => i.name),
    ['in0', 'in1'],
  );
  await session.close();
  const { models } = await store.list();
  assert.deepEqual(
    models.map((m) => [m.manifest.name, m.manifest.metrics.psnr]),
    [['good', 30.5]],
  );
});

test('a model in the user folder under a shipped name is hidden, and list says so', async () => {
  const shipped = join(root, 'shipped-twin');
  const user = join(root, 'user-twin');
  makeModel(shipped, 'twin');
  makeModel(user, 'twin');
  makeModel(user, 'only-user');
  const store = new ModelStore({ userDir: user, cacheDir: join(root, 'cache-twin'), shippedDir: shipped });
  assert.equal((await store.resolve('twin')).source, 'shipped');
  const { models, hidden } = await store.list();
  assert.deepEqual(
    models.map((m) => [m.manifest.name, m.source]),
    [
      ['twin', 'shipped'],
      ['only-user', 'user'],
    ],
  );
  assert.deepEqual(hidden, [{ dir: join(user, 'twin'), by: join(shipped, 'twin') }]);
});

test('bad models: a missing file, a changed byte, a corrupt file, a manifest naming an unknown input or a bad key', async () => {
  const user = join(root, 'bad');
  const store = new ModelStore({
    userDir: user,
    cacheDir: join(root, 'cache-bad'),
    shippedDir: join(root, 'none'),
  });

  const missing = makeModel(user, 'missing');
  rmSync(join(missing, 'score.onnx'));
  assert.match(
    await codeOf(store.resolve('missing')),
    /^MODEL_NOT_FOUND: model "missing" lacks its scorer file/,
  );

  const changed = makeModel(user, 'changed');
  const bytes = readFileSync(join(changed, 'score.onnx'));
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
  writeFileSync(join(changed, 'score.onnx'), bytes);
  assert.match(
    await codeOf(store.resolve('changed')),
    /^MODEL_CHECKSUM_MISMATCH: .*score\.onnx is not the file its manifest names/,
  );

  // Garbage whose checksum the manifest states: it passes the check, and the runtime refuses it.
  const garbage = Buffer.from('not an onnx model at all');
  makeModel(user, 'corrupt', (m) => {
    (m.files as Record<string, unknown>[])[0]!.sha256 = createHash('sha256').update(garbage).digest('hex');
    (m.files as Record<string, unknown>[])[0]!.bytes = garbage.length;
  });
  writeFileSync(join(user, 'corrupt', 'score.onnx'), garbage);
  const corrupt = await store.resolve('corrupt');
  assert.match(await codeOf(store.open(corrupt, 'scorer', { providers: ['cpu'] })), /^MODEL_INVALID/);

  makeModel(user, 'renamed', (m) => {
    ((m.files as Record<string, unknown>[])[0]!.inputs as Record<string, unknown>[])[0]!.name = 'image';
  });
  assert.match(
    await codeOf(store.open(await store.resolve('renamed'), 'scorer', { providers: ['cpu'] })),
    /^MODEL_MANIFEST_MISMATCH: .*names input "image", which the model does not have \(it has in0, in1\)/,
  );

  makeModel(user, 'badkey', (m) => {
    m.license = '';
  });
  assert.match(
    await codeOf(store.resolve('badkey')),
    /^MODEL_MANIFEST_INVALID: the manifest .* is invalid at "license"/,
  );
  const listed = await store.list();
  assert.ok(
    listed.problems.some((p) => p.dir.endsWith('badkey')),
    'list reports the bad folder',
  );
});

test('a missing model is fetched from the hub only when allowed; every error names the setting', async () => {
  const served = join(root, 'hub');
  makeModel(served, 'remote');
  let requests = 0;
  let damage = false;
  const server = createServer((request, response) => {
    requests++;
    const path = join(served, decodeURIComponent(request.url!.slice(1)));
    if (!existsSync(path)) return void response.writeHead(404).end();
    const body = readFileSync(path);
    if (damage && path.endsWith('.onnx')) body[10] = body[10]! ^ 1;
    response.writeHead(200).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const hub = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    const base = { cacheDir: join(root, 'cache-hub'), shippedDir: join(root, 'none') };
    const offline = await codeOf(new ModelStore({ ...base, hub, offline: true }).resolve('remote'));
    assert.match(offline, /^MODEL_NOT_FOUND: .*fetching is off \| .*ORBIS_OFFLINE/);
    assert.equal(requests, 0, 'offline means no request at all');
    assert.match(await codeOf(new ModelStore(base).resolve('remote')), /\| .*modelHub \(ORBIS_MODEL_HUB\)/);

    damage = true;
    assert.match(
      await codeOf(new ModelStore({ ...base, hub }).resolve('remote')),
      /^MODEL_CHECKSUM_MISMATCH/,
    );
    assert.ok(!existsSync(join(base.cacheDir, 'models', 'remote')), 'a damaged download is not kept');

    damage = false;
    const fetched = await new ModelStore({ ...base, hub }).resolve('remote');
    assert.equal(fetched.source, 'hub');
    const before = requests;
    const again = await new ModelStore({ ...base, hub, offline: true }).resolve('remote');
    assert.equal(again.source, 'cache');
    assert.equal(requests, before, 'the second time comes from the cache');
    assert.match(
      await codeOf(new ModelStore({ ...base, hub }).resolve('nowhere')),
      /^MODEL_FETCH_FAILED: .*HTTP 404/,
    );
  } finally {
    server.close();
  }
});
