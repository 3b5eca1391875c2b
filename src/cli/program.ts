import { Command, CommanderError } from 'commander';
import { OrbisError, toOrbisError } from '../core/index.js';
import { type CliContext, type CliIO, createContext, type GlobalOptions } from './context.js';

const VERSION = '0.1.0';
const ACTION_GUIDANCE_HELP =
  "with actions: also run each future without them and push the sampling g times further their way (default: the model's, else 0)";

const PROMPT_GUIDANCE_HELP =
  "with a prompt: also run each future with a blank one and push the sampling g times further the prompt's way (default: the model's, else 0)";

const PROMPT_GUIDANCE_FRAMES_HELP =
  "prompt guidance over the first n generated latent frames only, then none (cheaper; default: the model's, else 0: every frame)";

const DECODE_ALL_HELP = "draw every generated patch through the decoder (the model's default otherwise)";

const KEEP_UNCHANGED_HELP =
  "draw each generated patch whose token the model kept from the input's own pixels, not the decoder's (default: the model's, else off)";

type Action = (ctx: CliContext, ...args: never[]) => Promise<number | undefined>;

/**
 * The `orbis` command. Each subcommand's code is imported only when it runs, so `orbis --help` and quick
 * commands start fast. Every failure leaves through one path: a one-line message saying what to do, exit 1.
 */
export async function runCli(argv: string[], io: Partial<CliIO> = {}, signal?: AbortSignal): Promise<number> {
  const fullIO: CliIO = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
  };
  const abort = signal ?? new AbortController().signal;
  let exitCode = 0;
  let globals: GlobalOptions = {};

  const lazy = (load: () => Promise<Action>) =>
    async function (this: Command, ...args: unknown[]): Promise<void> {
      const command = args[args.length - 1] as Command;
      globals = command.optsWithGlobals() as GlobalOptions;
      const ctx = createContext(globals, fullIO, abort);
      try {
        const action = await load();
        exitCode = (await action(ctx, ...(args.slice(0, -1) as never[]))) ?? 0;
      } finally {
        ctx.progress.close();
      }
    };

  const program = new Command('orbis')
    .description('Orbis: curate video, tokenize it, predict futures of a scene, and check their physics.')
    .version(VERSION, '-V, --version')
    .option('--json', 'print results as JSON (for scripts)')
    .option('-q, --quiet', 'no progress, only results and errors')
    .option('--debug', 'verbose logs, and stack traces on errors')
    .option('--config <file>', `config file (default ./orbis.config.json when present)`)
    .option('--log-level <level>', 'debug, info, warn, error or silent')
    .option('--progress <mode>', 'auto, bars, lines or none')
    .option('--threads <n>', 'threads to use (0: all cores)')
    .option('--ffmpeg <path>', 'ffmpeg executable')
    .option('--ffprobe <path>', 'ffprobe executable')
    .option('--offline', 'never fetch models from a hub (also ORBIS_OFFLINE=1)')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => fullIO.stdout.write(text),
      writeErr: (text) => fullIO.stderr.write(text),
      outputError: () => {},
    });

  program
    .command('probe')
    .description('show what a video holds: container, codec, size, frame rate, length, rotation, audio')
    .argument('<video>', 'video file')
    .option('--count-frames', 'count frames by reading the stream, even when the container stores a count')
    .action(lazy(async () => (await import('./commands/probe.js')).probeCommand as Action));

  program
    .command('frames')
    .description('decode frames to PNG files, with a frames.json of exact timestamps')
    .argument('<video>', 'video file')
    .requiredOption('--out <dir>', 'output directory')
    .option('--fps <n>', 'resample to this frame rate (default: every frame)')
    .option('--size <WxH>', 'output size: 640x360, 640 (keep aspect) or x360')
    .option('--start <time>', 'start time: seconds, 1:02.5, or 01:02:03.250')
    .option('--end <time>', 'end time (exclusive)')
    .option('--gray', 'write 8-bit gray instead of RGB')
    .option('--limit <n>', 'stop after this many frames')
    .action(lazy(async () => (await import('./commands/frames.js')).framesCommand as Action));

  program
    .command('clip')
    .description('cut a frame-accurate H.264 MP4 clip out of a video')
    .argument('<video>', 'video file')
    .requiredOption('--start <time>', 'start time: seconds, 1:02.5, or 01:02:03.250')
    .requiredOption('--end <time>', 'end time (exclusive)')
    .requiredOption('--out <file>', 'output .mp4')
    .option('--crf <n>', 'x264 quality, 0 (lossless) to 51', '18')
    .option('--preset <name>', 'x264 preset, ultrafast to veryslow', 'medium')
    .option('--fps <n>', 'output frame rate (default: keep the source timing)')
    .option('--size <WxH>', 'output size: 640x360, 640 (keep aspect) or x360')
    .option('--audio', 'keep the audio track')
    .option('--thumbnail [file]', 'also write a JPEG thumbnail (default: beside the clip)')
    .action(lazy(async () => (await import('./commands/clip.js')).clipCommand as Action));

  program
    .command('curate')
    .description('turn videos into a curated clip dataset: shots, filters, H.264 clips, WebDataset shards')
    .argument('<input...>', 'video files, folders (searched recursively), or @list.txt files')
    .requiredOption('--out <dir>', 'dataset folder (rerun the same command to resume)')
    .option('--include <glob...>', 'files to take from folders (default: common video extensions)')
    .option('--exclude <glob...>', 'files to leave out')
    .option('--fail-on-error', 'exit 1 when any input failed (the rest is still written)')
    .option(
      '--stages <list...>',
      'stages to run, of split,filter,transcode,caption,dedup,write (default all; split always)',
    )
    .option('--metrics-port <port>', 'serve Prometheus metrics of the run on this port (0: any free port)')
    .option('--engine <url>', 'run on workers through this Redis (redis://host:port); see orbis worker')
    .action(lazy(async () => (await import('./commands/curate.js')).curateCommand as Action));

  program
    .command('worker')
    .description('work on distributed runs: take jobs of the stages this machine fits from a Redis engine')
    .requiredOption('--engine <url>', 'the Redis the coordinators use (redis://[:password@]host:port)')
    .option('--stages <list>', 'only these stages (comma-separated; default every stage the hardware fits)')
    .option('--gpus <ids>', 'GPUs this worker may use, e.g. 0,1 (default none: GPU stages go elsewhere)')
    .option('--concurrency <n>', 'jobs per stage at once in this process (default 1 per core-using stage)')
    .option('--stall-seconds <s>', 'how soon the jobs of a worker that died go to another', '30')
    .option('--metrics-port <port>', "serve this worker's Prometheus metrics on this port")
    .action(lazy(async () => (await import('./commands/worker.js')).workerCommand as Action));

  program
    .command('runs')
    .description('distributed runs')
    .command('status')
    .description('show a run: stages, counts, open jobs, failures, workers')
    .argument('<id>', 'run id (printed by orbis curate --engine)')
    .requiredOption('--engine <url>', 'the Redis the run lives in')
    .action(lazy(async () => (await import('./commands/runs.js')).runsStatusCommand as Action));

  const evaluate = program
    .command('eval')
    .description('score generated videos: pixel fidelity, overlap, geometric consistency');
  evaluate
    .command('compare')
    .description(
      'PSNR (capped at 100 dB), SSIM and MS-SSIM of a predicted video against a target, frame by frame',
    )
    .argument('<pred>', 'predicted (generated) video')
    .argument('<target>', 'target (ground-truth) video')
    .option('--metrics <list>', 'comma-separated: psnr, ssim, ms-ssim, lpips, dreamsim', 'psnr,ssim')
    .option('--model-dir <dir>', 'folder with lpips-alex.onnx / dreamsim.onnx (default ORBIS_MODEL_DIR)')
    .option('--resize', 'scale the prediction to the target size when they differ')
    .option('--align', 'compare the n-th frames up to the shorter video, whatever the lengths and rates')
    .option('--per-frame', "include every frame's scores in --json output")
    .action(lazy(async () => (await import('./commands/eval.js')).evalCompareCommand as Action));
  evaluate
    .command('geometry')
    .description('Sampson error and pose-estimation success over frame pairs of a static-scene video')
    .argument('<video>', 'video file')
    .option('--intrinsics <fx,fy,cx,cy>', 'camera intrinsics in video pixels (default: a 60 degree view)')
    .option('--stride <n>', 'frames between the two views of a pair', '1')
    .option('--max-pairs <n>', 'stop after this many pairs')
    .option('--size <WxH>', 'analysis size', '960x540')
    .action(lazy(async () => (await import('./commands/eval.js')).evalGeometryCommand as Action));
  evaluate
    .command('physics')
    .description(
      'physics alignment on the held-out sim suite: condition on 1 or 9 frames, score 33-frame futures by PSNR, SSIM, object-mask IoU',
    )
    .requiredOption(
      '--model <name>',
      'predictor: copy-last, constant-velocity, tokenizer (tokenizer:<name>: the round trip of another), or an installed world model',
    )
    .option('--frames <n>', 'conditioning frames, 1 or 9', '1')
    .option('--seeds <n>', 'held-out seeds per scenario (each gives 4 views)', '1')
    .option('--samples <n>', 'futures sampled per clip, averaged', '4')
    .option('--scenarios <list>', 'comma-separated physics-suite scenarios (default all 8)')
    .option('--views <list>', 'comma-separated views 0-3 (default all)')
    .option('--multiverse', 'print each future of each clip against the truth, and the spread between them')
    .option(
      '--save <dir>',
      "write each clip's truth and futures side by side as MP4, the scored objects outlined (truth: its masks; futures: the tracker's)",
    )
    .option('--temperature <t>', "sampling temperature; 0 is greedy (default: the model's, else 1)")
    .option(
      '--top-k <n>',
      "keep the k most likely values of each token digit (default: the model's, else all)",
    )
    .option(
      '--top-p <p>',
      "keep the most likely values up to this probability mass (default: the model's, else 1)",
    )
    .option(
      '--seed-offset <n>',
      'start at this held-out seed (tune sampling on other seeds than you report)',
      '0',
    )
    .option('--prompt-guidance <g>', PROMPT_GUIDANCE_HELP)
    .option('--prompt-guidance-frames <n>', PROMPT_GUIDANCE_FRAMES_HELP)
    .option('--keep-unchanged', KEEP_UNCHANGED_HELP)
    .option('--no-keep-unchanged', DECODE_ALL_HELP)
    .action(lazy(async () => (await import('./commands/eval.js')).evalPhysicsCommand as Action));
  evaluate
    .command('actions')
    .description(
      'action following in the push scenario: one start, two action sequences (scripted, random), futures under each scored against both truths',
    )
    .requiredOption('--model <name>', 'predictor: copy-last, or an installed world model')
    .option('--frames <n>', 'conditioning frames, 1 or 9', '1')
    .option('--seeds <n>', 'held-out push starts', '4')
    .option('--samples <n>', 'futures per start and sequence, averaged', '2')
    .option('--view <n>', 'camera view 0-3', '0')
    .option('--temperature <t>', "sampling temperature; 0 is greedy (default: the model's, else 1)")
    .option(
      '--top-k <n>',
      "keep the k most likely values of each token digit (default: the model's, else all)",
    )
    .option(
      '--top-p <p>',
      "keep the most likely values up to this probability mass (default: the model's, else 1)",
    )
    .option(
      '--seed-offset <n>',
      'start at this held-out push start (compare models on other starts than you report)',
      '0',
    )
    .option('--action-guidance <g>', ACTION_GUIDANCE_HELP)
    .option('--prompt-guidance <g>', PROMPT_GUIDANCE_HELP)
    .option('--prompt-guidance-frames <n>', PROMPT_GUIDANCE_FRAMES_HELP)
    .action(lazy(async () => (await import('./commands/eval.js')).evalActionsCommand as Action));

  const tokenize = program.command('tokenize').description('video tokenizers');
  tokenize
    .command('encode')
    .description('a video to latents or tokens (.npy plus a .json sidecar), chunk by chunk')
    .argument('<video>', 'video file')
    .requiredOption('--model <name>', 'tokenizer model (see orbis models list)')
    .requiredOption('--out <file>', 'tokens file to write (.npy; the sidecar goes to <file>.json)')
    .option('--size <WxH>', "frame size (default: the video's, rounded down to the model's patch size)")
    .option('--frames <n>', 'only the first n frames')
    .option('--chunk <n>', 'frames per causal chunk (1 + 4k)', '17')
    .action(lazy(async () => (await import('./commands/tokenize.js')).tokenizeEncodeCommand as Action));
  tokenize
    .command('decode')
    .description('a tokens file written by encode back to an MP4, chunk by chunk')
    .argument('<file>', 'tokens file (.npy, with its .json sidecar)')
    .requiredOption('--model <name>', 'the tokenizer model that encoded it')
    .requiredOption('--out <file>', 'MP4 to write')
    .option('--crf <n>', 'x264 quality of the MP4 (0 lossless .. 51)', '12')
    .action(lazy(async () => (await import('./commands/tokenize.js')).tokenizeDecodeCommand as Action));
  tokenize
    .command('roundtrip')
    .description('a video through a tokenizer and back: PSNR, SSIM and the compression achieved')
    .argument('<video>', 'video file')
    .requiredOption('--model <name>', 'tokenizer model (see orbis models list)')
    .option('--size <WxH>', "frame size (default: the video's, rounded down to the model's patch size)")
    .option('--frames <n>', 'only the first n frames')
    .option('--chunk <n>', 'frames per causal chunk (1 + 4k)', '17')
    .option('--out <file>', 'write the reconstruction as an MP4')
    .action(lazy(async () => (await import('./commands/tokenize.js')).tokenizeRoundtripCommand as Action));

  const models = program.command('models').description('models installed and where they come from');
  models
    .command('list')
    .description('installed models (shipped, modelDir, cache) with their headline metrics')
    .action(lazy(async () => (await import('./commands/models.js')).modelsListCommand as Action));
  models
    .command('info')
    .description("a model's manifest, its files verified (fetched from modelHub first when allowed)")
    .argument('<name>', 'model name')
    .action(lazy(async () => (await import('./commands/models.js')).modelsInfoCommand as Action));
  const search = program
    .command('search')
    .description('find clips in a curated dataset by clip, image, video or text (LanceDB or PostgreSQL)');
  search
    .command('index')
    .description('index a curated dataset for search: bulk load, then build the ANN and full-text indexes')
    .argument('<dataset>', 'folder written by orbis curate --out')
    .option(
      '--store <store>',
      'lancedb (in the dataset folder) or postgres://user:password@host:5432/db (comma-separated: a shard per server)',
      'lancedb',
    )
    .option('--shards <n>', 'spread the clips over n shards (LanceDB folders or PostgreSQL schemas)', '1')
    .action(lazy(async () => (await import('./commands/search.js')).searchIndexCommand as Action));
  search
    .command('query')
    .description('the clips nearest a clip, an image or a video, or whose captions match text')
    .argument('<dataset>', 'an indexed dataset folder')
    .option('--clip <id>', 'clips like this clip (an id from manifest.jsonl)')
    .option('--image <file>', 'clips like this image')
    .option('--video <file>', 'clips like this video')
    .option('--text <words>', 'clips whose captions match these words (full-text)')
    .option('--where <filter>', 'metadata conditions, e.g. "duration>=3 and source~street and height>=720"')
    .option('-k, --top-k <n>', 'how many clips to return', '20')
    .option(
      '--store <store>',
      'the store to ask instead of the one recorded at indexing (e.g. with a password)',
    )
    .option('--partial', 'with shards: return what the live shards found, with a warning, when one fails')
    .action(lazy(async () => (await import('./commands/search.js')).searchQueryCommand as Action));
  const sim = program
    .command('sim')
    .description('synthetic physical worlds: seeded scenarios with exact masks, depth, poses and actions');
  sim
    .command('list')
    .description('the scenarios (suite: one of the eight of the physics-alignment protocol)')
    .action(lazy(async () => (await import('./commands/sim.js')).simListCommand as Action));
  sim
    .command('generate')
    .description('simulate and render worlds: RGB, masks, depth, edges, normals, cameras, poses, captions')
    .requiredOption('--scenario <name>', 'a scenario, a comma-separated list, or all')
    .requiredOption('--out <dir>', 'output folder (rerun the same command to resume, npy form)')
    .option('--seeds <list>', 'seeds: 0-99, 7, or 1,5,9-12 (below 1000000)', '0')
    .option('--views <n>', 'camera views per rollout, 1 to 4', '4')
    .option('--size <n>', 'frame width and height in pixels', '256')
    .option('--frames <n>', 'frames per rollout', '100')
    .option('--fps <n>', 'frames per second', '24')
    .option('--looks <n>', 'appearances to render each rollout in', '1')
    .option('--format <form>', 'npy (raw arrays, no ffmpeg needed) or shards (WebDataset with MP4)', 'npy')
    .option('--policy <name>', 'push scenario actions: scripted or random (default: by seed parity)')
    .option(
      '--channels <list>',
      'arrays per sample: all, or some of rgb,mask,depth,edges,normals,poses,actions',
      'all',
    )
    .action(lazy(async () => (await import('./commands/sim.js')).simGenerateCommand as Action));
  sim
    .command('preview')
    .description('write a contact sheet PNG of one rollout: every view, plus mask, depth and edges')
    .requiredOption('--scenario <name>', 'scenario name')
    .requiredOption('--out <file>', 'output .png')
    .option('--seed <n>', 'seed', '0')
    .option('--size <n>', 'tile size in pixels', '128')
    .option('--frames <n>', 'frames to simulate', '72')
    .option('--fps <n>', 'frames per second', '24')
    .option('--look <n>', 'appearance index', '0')
    .option('--columns <n>', 'frames shown per row', '6')
    .action(lazy(async () => (await import('./commands/sim.js')).simPreviewCommand as Action));
  sim
    .command('eval-split')
    .description(
      'write the physics-alignment suite: 8 scenarios x 4 views x N seeds, 100 frames, seeds from 1000000',
    )
    .requiredOption('--out <dir>', 'output folder')
    .option('--seeds <n>', 'seeds per scenario', '4')
    .option('--size <n>', 'frame width and height in pixels', '256')
    .option('--format <form>', 'npy or shards', 'npy')
    .action(lazy(async () => (await import('./commands/sim.js')).simEvalSplitCommand as Action));
  sim
    .command('schema')
    .description("print the JSON Schema of a sample's metadata")
    .action(lazy(async () => (await import('./commands/sim.js')).simSchemaCommand as Action));

  program
    .command('predict')
    .description('predict futures of a scene (an image, a video, or a fresh sim state) as MP4s and a grid')
    .option('--input <file>', 'image or video whose first frames are the state')
    .option('--scenario <name>', 'start from a fresh sim state of this scenario instead (see orbis sim list)')
    .option('--frames <n>', 'conditioning frames: 1 or 9', '1')
    .option(
      '--prompt <text>',
      "what happens, at most the model's prompt length in words (16 for world-dv4x8x8; default with --scenario: its caption)",
    )
    .option('--actions <file>', 'JSON array of [frames][7] robot actions, one per video frame')
    .option('--samples <n>', 'futures to draw, in one batch', '4')
    .option('--seed <n>', 'sampling seed (with --scenario, also the sim seed)', '0')
    .option(
      '--length <n>',
      'frames per future, conditioning frames included (default: all the model makes, 33)',
    )
    .option('--temperature <t>', "sampling temperature; 0 is greedy (default: the model's, else 1)")
    .option(
      '--top-k <n>',
      "keep the k most likely values of each token digit (default: the model's, else all)",
    )
    .option(
      '--top-p <p>',
      "keep the most likely values up to this probability mass (default: the model's, else 1)",
    )
    .option(
      '--drafts <n>',
      'speculative drafts checked per step, for models that allow it (default 4 for one future, 2 for more; 0: off)',
    )
    .option('--action-guidance <g>', ACTION_GUIDANCE_HELP)
    .option('--prompt-guidance <g>', PROMPT_GUIDANCE_HELP)
    .option('--prompt-guidance-frames <n>', PROMPT_GUIDANCE_FRAMES_HELP)
    .option('--keep-unchanged', KEEP_UNCHANGED_HELP)
    .option('--no-keep-unchanged', DECODE_ALL_HELP)
    .requiredOption('--out <dir>', 'folder for future-<i>.mp4 and grid.mp4')
    .option('--model <name>', 'world model (see orbis models list)')
    .action(lazy(async () => (await import('./commands/predict.js')).predictCommand as Action));

  program
    .command('doctor')
    .description('check this machine: ffmpeg, CPU cores, memory, GPUs')
    .action(lazy(async () => (await import('./commands/doctor.js')).doctorCommand as Action));

  program
    .command('demo')
    .description('generate sample videos and curate them into a dataset: the main job, end to end')
    .option('--out <dir>', 'output directory', 'orbis-demo')
    .option('--world-model <name>', 'the world model for the report (default: the first installed)')
    .action(lazy(async () => (await import('./commands/demo.js')).demoCommand as Action));

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0; // --help, --version
      if (error.code === 'commander.help') return 1; // bare `orbis`: the help was shown, nothing ran
      const message = error.message.replace(/^error:\s*/, '');
      return report(
        new OrbisError('INVALID_ARGUMENT', message, { hint: 'see orbis --help' }),
        globals,
        argv,
        fullIO,
      );
    }
    return report(toOrbisError(error), globals, argv, fullIO);
  }
}

function report(error: OrbisError, globals: GlobalOptions, argv: string[], io: CliIO): number {
  const json = globals.json ?? argv.includes('--json');
  const debug = globals.debug ?? argv.includes('--debug');
  if (json) {
    io.stderr.write(`${JSON.stringify({ error: error.toJSON() })}\n`);
  } else {
    io.stderr.write(`orbis: ${error.code}: ${error.oneLine()}\n`);
  }
  if (debug) {
    io.stderr.write(`${error.stack ?? ''}\n`);
    const stderrTail = error.details.stderrTail;
    if (typeof stderrTail === 'string' && stderrTail) io.stderr.write(`ffmpeg said:\n${stderrTail}\n`);
    if (error.cause) io.stderr.write(`caused by: ${(error.cause as Error).stack ?? String(error.cause)}\n`);
  }
  return 1;
}
