import { OrbisError } from '../../core/index.js';
import { encodePng } from '../../video/index.js';
import type { Caption, Captioner, CaptionFrame } from './captioner.js';

export interface OpenAICaptionerOptions {
  /** Base URL of an OpenAI-compatible server, e.g. http://gpu-box:8000/v1 (vLLM, SGLang, TGI...). */
  endpoint: string;
  model: string;
  apiKey?: string;
  prompt?: string;
  /** Per request, in milliseconds (default 120 s). */
  timeoutMs?: number;
  /** Attempts after the first, for timeouts, 429 and 5xx (default 3), with exponential backoff. */
  retries?: number;
  backoffMs?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  maxTokens?: number;
}

const DEFAULT_PROMPT =
  'Describe this video clip for a training dataset: the scene, the objects and their colours, what moves ' +
  'and how, and the camera motion. Answer with <think>your reasoning</think><answer>the caption</answer>.';

/**
 * A captioner that sends a clip's frames to a served vision-language model over the OpenAI chat-completions
 * protocol (images as PNG data URLs) and reads the caption out of <answer>...</answer>, keeping any
 * <think>...</think> as reasoning. Timeouts, retries with exponential backoff on transient failures, and a
 * limit on concurrent requests.
 */
export class OpenAICaptioner implements Captioner {
  readonly name: string;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly o: OpenAICaptionerOptions) {
    this.name = `openai:${o.model}`;
    if (!/^https?:\/\//.test(o.endpoint)) {
      throw new OrbisError('INVALID_ARGUMENT', `the caption endpoint "${o.endpoint}" is not an http(s) URL`, {
        hint: 'give the server base URL, e.g. http://localhost:8000/v1',
      });
    }
  }

  async caption(frames: readonly CaptionFrame[], options: { signal?: AbortSignal } = {}): Promise<Caption> {
    if (frames.length === 0) throw new OrbisError('INVALID_ARGUMENT', 'a caption needs at least one frame');
    const body = JSON.stringify({
      model: this.o.model,
      max_tokens: this.o.maxTokens ?? 512,
      temperature: 0.2,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: this.o.prompt ?? DEFAULT_PROMPT },
            ...frames.map((f) => ({
              type: 'image_url',
              image_url: {
                url: `data:image/png;base64,${encodePng({ ...f, pixelFormat: 'rgb24' }, 3).toString('base64')}`,
              },
            })),
          ],
        },
      ],
    });
    await this.acquire();
    try {
      return await this.withRetries(body, options.signal);
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    while (this.active >= (this.o.concurrency ?? 4)) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }

  private async withRetries(body: string, signal: AbortSignal | undefined): Promise<Caption> {
    const retries = this.o.retries ?? 3;
    let last: OrbisError | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep((this.o.backoffMs ?? 500) * 2 ** (attempt - 1), signal);
      try {
        return await this.request(body, signal);
      } catch (error) {
        if (!OrbisError.isInstance(error) || error.details.transient !== true) throw error;
        last = error;
      }
    }
    throw new OrbisError(
      'CAPTION_FAILED',
      `the caption server failed ${retries + 1} times: ${last?.message}`,
      {
        hint: 'check that the server is up and not overloaded, or raise retries/timeoutMs',
        cause: last,
      },
    );
  }

  private async request(body: string, signal: AbortSignal | undefined): Promise<Caption> {
    const timeout = AbortSignal.timeout(this.o.timeoutMs ?? 120_000);
    const url = `${this.o.endpoint.replace(/\/$/, '')}/chat/completions`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.o.apiKey ? { authorization: `Bearer ${this.o.apiKey}` } : {}),
        },
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw new OrbisError('ABORTED', 'captioning was aborted', { cause: error });
      const timedOut = timeout.aborted;
      throw new OrbisError(
        'CAPTION_FAILED',
        timedOut
          ? `no answer from ${url} within ${this.o.timeoutMs ?? 120_000} ms`
          : `cannot reach ${url}: ${(error as Error).message}`,
        {
          cause: error,
          details: { transient: true },
        },
      );
    }
    const text = await response.text();
    if (!response.ok) {
      const transient = response.status === 429 || response.status >= 500;
      throw new OrbisError('CAPTION_FAILED', `${url} answered ${response.status}: ${text.slice(0, 200)}`, {
        hint:
          response.status === 401 || response.status === 403
            ? 'check the API key'
            : 'check the model name and the server log',
        details: { transient, status: response.status },
      });
    }
    let content: unknown;
    try {
      content = (JSON.parse(text) as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]
        ?.message?.content;
    } catch {
      content = undefined;
    }
    if (typeof content !== 'string') {
      throw new OrbisError('CAPTION_FAILED', `${url} sent no chat completion: ${text.slice(0, 200)}`, {
        hint: 'is it an OpenAI-compatible server?',
      });
    }
    return { ...parseAnswer(content), model: this.o.model };
  }
}

/** The caption in <answer>...</answer> (or the whole text without <think> blocks), and the reasoning. */
export function parseAnswer(content: string): { text: string; reasoning?: string } {
  const think = /<think>([\s\S]*?)<\/think>/i.exec(content)?.[1]?.trim();
  const answer = /<answer>([\s\S]*?)(?:<\/answer>|$)/i.exec(content)?.[1];
  const text = (answer ?? content.replace(/<think>[\s\S]*?<\/think>/gi, '')).trim();
  return think ? { text, reasoning: think } : { text };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new OrbisError('ABORTED', 'captioning was aborted'));
      },
      { once: true },
    );
  });
}
