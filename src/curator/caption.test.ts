import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readJsonLines, tempDir } from '../../test/support.js';
import { OrbisError } from '../core/index.js';
import { makeTestVideo } from '../video/index.js';
import { planFrames } from './caption/captioner.js';
import { OpenAICaptioner, parseAnswer } from './caption/openai-client.js';
import { parseCuratorConfig } from './config.js';
import { curate } from './curate.js';

/**
 * The captioner against a local HTTP server that speaks the OpenAI chat-completions protocol (a served 7B
 * VLM cannot run here). The server checks each request's shape and answers as a reasoning VLM does.
 */
const dir = tempDir();
const seen: { images: number; model: string; auth?: string }[] = [];
let failNext = 0;
let delayMs = 0;
let url = '';
const server = createServer(async (request: IncomingMessage, response) => {
  let body = '';
  for await (const chunk of request) body += chunk;
  if (request.url !== '/v1/chat/completions' || request.method !== 'POST') {
    response.writeHead(404).end('{}');
    return;
  }
  const parsed = JSON.parse(body) as {
    model: string;
    messages: { content: { type: string; image_url?: { url: string } }[] }[];
  };
  const images = parsed.messages[0]!.content.filter((c) => c.type === 'image_url');
  assert.ok(images.every((i) => i.image_url!.url.startsWith('data:image/png;base64,')));
  seen.push({
    images: images.length,
    model: parsed.model,
    ...(request.headers.authorization ? { auth: request.headers.authorization } : {}),
  });
  if (failNext > 0) {
    failNext--;
    response.writeHead(503).end('{"error":"overloaded"}');
    return;
  }
  if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
  const content = `<think>I see ${images.length} frames.</think><answer>A test pattern with coloured bars moves to the left.</answer>`;
  response
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
});

before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
after(() => server.close());

const frame = (w: number, h: number) => ({
  width: w,
  height: h,
  timestamp: 0,
  data: new Uint8Array(w * h * 3).fill(90),
});

test('frames are planned at 4 fps within the token budget, in 28-pixel patches', () => {
  const plan = planFrames(5, 1280, 720, { fps: 4, tokenBudget: 8192 });
  assert.equal(plan.count, 20);
  assert.ok(plan.count * plan.tokensPerFrame <= 8192);
  assert.equal(plan.width % 28, 0);
  assert.equal(plan.height % 28, 0);
  assert.ok(Math.abs(plan.width / plan.height - 16 / 9) < 0.2);
  const small = planFrames(2, 112, 56);
  assert.deepEqual([small.width, small.height], [112, 56], 'never upscaled');
});

test('the answer is read out of <answer>, the reasoning out of <think>', () => {
  assert.deepEqual(parseAnswer('<think>hmm</think><answer> A cup falls. </answer>'), {
    text: 'A cup falls.',
    reasoning: 'hmm',
  });
  assert.deepEqual(parseAnswer('<think>x</think>Just text'), { text: 'Just text', reasoning: 'x' });
  assert.deepEqual(parseAnswer('plain'), { text: 'plain' });
});

test('the client retries transient failures with backoff, sends the key, and keeps the reasoning', async () => {
  const captioner = new OpenAICaptioner({ endpoint: url, model: 'vlm', apiKey: 'secret', backoffMs: 5 });
  failNext = 2;
  const caption = await captioner.caption([frame(56, 28), frame(56, 28)]);
  assert.equal(caption.text, 'A test pattern with coloured bars moves to the left.');
  assert.equal(caption.reasoning, 'I see 2 frames.');
  assert.equal(seen.at(-1)!.auth, 'Bearer secret');
  assert.equal(seen.length >= 3, true, 'two failures, then success');
});

test('timeouts, exhausted retries and a server that is down are CAPTION_FAILED errors', async () => {
  delayMs = 300;
  await assert.rejects(
    new OpenAICaptioner({ endpoint: url, model: 'vlm', timeoutMs: 50, retries: 1, backoffMs: 5 }).caption([
      frame(28, 28),
    ]),
    (e: unknown) =>
      OrbisError.isInstance(e) && e.code === 'CAPTION_FAILED' && /2 times/.test((e as Error).message),
  );
  delayMs = 0;
  failNext = 10;
  await assert.rejects(
    new OpenAICaptioner({ endpoint: url, model: 'vlm', retries: 2, backoffMs: 1 }).caption([frame(28, 28)]),
    (e: unknown) => OrbisError.isInstance(e) && /503/.test((e as Error).message),
  );
  failNext = 0;
  await assert.rejects(
    new OpenAICaptioner({ endpoint: 'http://127.0.0.1:9/v1', model: 'vlm', retries: 0 }).caption([
      frame(28, 28),
    ]),
    (e: unknown) => OrbisError.isInstance(e) && e.code === 'CAPTION_FAILED',
  );
  assert.throws(
    () => new OpenAICaptioner({ endpoint: 'localhost:8000', model: 'vlm' }),
    (e: unknown) => OrbisError.isInstance(e) && e.code === 'INVALID_ARGUMENT',
  );
});

test('curate with a caption endpoint writes each kept clip caption to its shard .txt and the manifest', async () => {
  await makeTestVideo(join(dir, 'in', 'a.mp4'), {
    shots: 2,
    shotSeconds: 3,
    transitions: ['cut'],
    width: 192,
    height: 108,
    seed: 0,
  });
  const out = join(dir, 'out');
  const before = seen.length;
  const report = await curate([join(dir, 'in')], {
    out,
    config: parseCuratorConfig({ caption: { endpoint: url, model: 'vlm', fps: 2, tokenBudget: 256 } }),
  });
  assert.ok(report.counts.kept >= 1);
  const rows = readJsonLines<{ kept: boolean; caption?: string }>(join(out, 'manifest.jsonl'));
  for (const r of rows.filter((x) => x.kept))
    assert.equal(r.caption, 'A test pattern with coloured bars moves to the left.');
  const texts = execFileSync(
    'python3',
    [
      '-c',
      'import sys,tarfile\nfor p in sys.argv[1:]:\n  t=tarfile.open(p)\n  for m in t.getmembers():\n    if m.name.endswith(".txt"): print(t.extractfile(m).read().decode())',
      ...report.shards.map((x) => join(out, x)),
    ],
    { encoding: 'utf8' },
  )
    .trim()
    .split('\n');
  assert.equal(texts.length, report.counts.kept);
  assert.ok(texts.every((t) => t === 'A test pattern with coloured bars moves to the left.'));
  const sent = seen.slice(before);
  assert.equal(sent.length, report.counts.kept);
  assert.ok(
    // About 3 s at 2 fps: 6 frames (5 when the span ends just before the sixth).
    sent.every((s) => s.images >= 5 && s.images <= 6 && s.model === 'vlm'),
    JSON.stringify(sent),
  );
});
