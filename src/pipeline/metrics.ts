import { createServer, type Server } from 'node:http';
import type { StageStats } from './runner.js';

/** Stage telemetry in Prometheus' text exposition format. */
export function prometheusText(stats: readonly StageStats[], pipeline: string): string {
  const metrics: [string, string, string, (s: StageStats) => number][] = [
    ['orbis_stage_items_in_total', 'counter', 'Items taken by the stage', (s) => s.itemsIn],
    ['orbis_stage_items_out_total', 'counter', 'Items the stage passed on', (s) => s.itemsOut],
    ['orbis_stage_failed_batches_total', 'counter', 'Batches whose processing threw', (s) => s.failedBatches],
    ['orbis_stage_workers', 'gauge', 'Workers of the stage', (s) => s.workers],
    ['orbis_stage_queue_depth', 'gauge', 'Items waiting in front of the stage', (s) => s.queueDepth],
    ['orbis_stage_busy_share', 'gauge', 'Share of worker time spent processing', (s) => s.busyShare],
    [
      'orbis_stage_rate_items_per_second',
      'gauge',
      'Items out per second since the run started',
      (s) => s.ratePerSecond,
    ],
  ];
  const label = (v: string): string => v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
  const lines: string[] = [];
  for (const [name, type, help, value] of metrics) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const s of stats)
      lines.push(`${name}{pipeline="${label(pipeline)}",stage="${label(s.name)}"} ${value(s)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Serve /metrics on loopback (or `host`) for Prometheus to scrape; close() stops it. */
export async function serveMetrics(
  stats: () => readonly StageStats[],
  options: { pipeline: string; port?: number; host?: string },
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end('not found; try /metrics\n');
      return;
    }
    response
      .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
      .end(prometheusText(stats(), options.pipeline));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
