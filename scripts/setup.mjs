#!/usr/bin/env node
// Makes a clone ready to run: npm packages from the lock file, and ffmpeg from the system's package
// manager when it is missing. Safe to run again: it does nothing when everything is in place.
// Plain Node on purpose: it runs before any package is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const say = (text) => process.stderr.write(`setup: ${text}\n`);

function fail(text) {
  process.stderr.write(`setup: ${text}\n`);
  process.exit(1);
}

function ensureNodeVersion() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 15)) {
    fail(
      `Node ${process.versions.node} is too old: Orbis needs Node 20.15 or newer (https://nodejs.org or your package manager).`,
    );
  }
}

function ensurePackages() {
  const lock = readFileSync(join(root, 'package-lock.json'));
  const hash = createHash('sha256').update(lock).digest('hex');
  const stamp = join(root, 'node_modules', '.orbis-lock-sha256');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  say('installing npm packages (npm ci)...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // onnxruntime-node's install step would download CUDA libraries; its CPU build is in the package, and the
  // CUDA provider is tried at run time only where the host has it.
  const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: process.env.ONNXRUNTIME_NODE_INSTALL ?? 'skip' };
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: root,
    stdio: 'inherit',
    env,
  });
  if (result.status !== 0) fail('npm ci failed; check the network access to the npm registry and rerun.');
  writeFileSync(stamp, hash);
}

function has(command) {
  return spawnSync(command, ['-version'], { stdio: 'ignore' }).status === 0;
}

function checkFfmpegVersion(ffmpeg) {
  const out = spawnSync(ffmpeg, ['-hide_banner', '-version'], { encoding: 'utf8' }).stdout ?? '';
  const version = /ffmpeg version n?(\d+)\.(\d+)/.exec(out);
  if (version && (Number(version[1]) < 5 || (Number(version[1]) === 5 && Number(version[2]) < 1))) {
    fail(
      `ffmpeg ${version[1]}.${version[2]} is too old: Orbis needs 5.1 or newer (Debian 12, Ubuntu 24.04, or a static build; set ORBIS_FFMPEG to use it).`,
    );
  }
}

function ensureFfmpeg() {
  const ffmpeg = process.env.ORBIS_FFMPEG || 'ffmpeg';
  const ffprobe = process.env.ORBIS_FFPROBE || 'ffprobe';
  if (has(ffmpeg) && has(ffprobe)) {
    checkFfmpegVersion(ffmpeg);
    return;
  }
  aptInstall(
    'ffmpeg',
    'ffmpeg is missing',
    'macOS: brew install ffmpeg; Fedora: dnf install ffmpeg; or set ORBIS_FFMPEG and ORBIS_FFPROBE',
  );
  if (!has(ffmpeg) || !has(ffprobe)) fail('ffmpeg was installed but does not run; check `ffmpeg -version`.');
  checkFfmpegVersion(ffmpeg);
  say('ffmpeg installed.');
}

/** Install a Debian package with apt-get (as root, or through passwordless sudo), or say how to. */
function aptInstall(pkg, what, otherwise) {
  const isRoot = process.getuid?.() === 0;
  const aptGet = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).stdout.trim();
  if (!aptGet) fail(`${what}. Install it (${otherwise}), then rerun.`);
  const sudo = isRoot ? [] : ['sudo', '-n'];
  if (!isRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status !== 0) {
    fail(`${what}. Install it with: sudo apt-get install -y ${pkg}, then rerun.`);
  }
  say(`${what}; installing ${pkg} with apt-get...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => {
    const [cmd, ...rest] = [...sudo, ...args];
    execFileSync(cmd, rest, { stdio: ['ignore', 'ignore', 'inherit'], env });
  };
  try {
    run(['apt-get', 'update', '-qq']);
    run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', pkg]);
  } catch {
    fail(`installing ${pkg} with apt-get failed; install it by hand (apt-get install ${pkg}) and rerun.`);
  }
}

/** A Python module for /usr/bin/python3 from its Debian package, unless it imports already. */
function ensurePythonModule(module, pkg, why, otherwise) {
  const ok = () =>
    spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
  if (ok()) return;
  aptInstall(pkg, `Debian's ${pkg} is missing (${why})`, otherwise);
  if (!ok()) fail(`${pkg} was installed but /usr/bin/python3 cannot import ${module}.`);
  say(`${pkg} installed.`);
}

/**
 * Debian's CPU PyTorch, for the training recipes' tests (a few steps of training, ONNX export, parity with
 * ONNX Runtime; training proper runs on a GPU machine with its own PyTorch), and Debian's python3-onnx, which
 * the world-model recipe's int8 export (training/world/quantize_step.py) edits the exported graph with.
 */
function ensurePythonPackages() {
  ensurePythonModule(
    'torch',
    'python3-torch',
    "the training recipes' tests use it",
    'or skip the recipe tests',
  );
  ensurePythonModule(
    'onnx',
    'python3-onnx',
    'the int8 world-model export uses it',
    'or pip install onnx for /usr/bin/python3',
  );
}

/**
 * Debian's PyTorch does its matrix products through whichever BLAS provides libblas.so.3. Alone, that is the
 * unoptimised reference BLAS, about 10x slower (a world-model training step of 16 clips: 48 s against 5-7 s),
 * which would also make the benchmarks' PyTorch peer look far worse than it is. OpenBLAS takes the slot once
 * installed; its OpenMP build, because PyTorch parallelises with OpenMP too: the pthread build runs its own
 * threads inside PyTorch's and made the world-model step loop 3x slower at batch 4 on 2 cores.
 */
function ensureOpenBlas() {
  const pkg = 'libopenblas0-openmp';
  const dpkg = spawnSync('dpkg-query', ['-W', `-f=\${Status}`, pkg], { encoding: 'utf8' });
  if (dpkg.error || dpkg.stdout.includes('ok installed')) return; // not Debian, or already there
  aptInstall(pkg, "PyTorch's BLAS is Debian's slow reference one", 'or accept slow CPU PyTorch');
  say(`${pkg} installed (PyTorch now uses OpenBLAS).`);
}

/** redis-server, for the distributed runner and its tests (each test starts its own on loopback). */
function ensureRedis() {
  const ok = () => spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (ok()) return;
  aptInstall(
    'redis-server',
    'redis-server is missing',
    'macOS: brew install redis; Fedora: dnf install redis',
  );
  // Debian's package starts a system service; Orbis does not need it (tests start their own).
  if (!ok()) fail('redis-server was installed but does not run; check `redis-server --version`.');
  say('redis-server installed.');
}

ensureNodeVersion();
ensurePackages();
ensureFfmpeg();
ensureRedis();
ensurePythonPackages();
ensureOpenBlas();
