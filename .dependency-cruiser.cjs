/**
 * The layering of ../shared/ARCHITECTURE.md as rules: imports point down the layers, modules of one layer
 * do not import each other, other modules are reached only through their index.ts, and the heavy
 * integrations stay in the one module that owns each. Checked by src/architecture.test.ts.
 */
const layers = [
  ['core'],
  ['video', 'runtime', 'pipeline'],
  ['sim', 'eval', 'tokenizer', 'embed'],
  ['curator', 'search', 'predict', 'transfer', 'reason', 'guardrails'],
  ['server', 'cli'],
];
const notTest = '\\.test\\.ts$';
const mod = (names) => `^src/(${names.join('|')})/`;

const layerRules = layers.flatMap((modules, level) => {
  const above = layers.slice(level + 1).flat();
  const rules = [];
  if (above.length > 0) {
    rules.push({
      name: `layer-${level}-imports-down`,
      comment: `${modules.join(', ')} (layer ${level}) may not import from a higher layer (${above.join(', ')})`,
      severity: 'error',
      from: { path: mod(modules) },
      to: { path: mod(above) },
    });
  }
  if (modules.length > 1) {
    rules.push({
      name: `layer-${level}-no-siblings`,
      comment: `modules of layer ${level} do not import each other; move what they share down a layer`,
      severity: 'error',
      from: { path: `^src/(${modules.join('|')})/` },
      to: { path: mod(modules), pathNot: '^src/$1/' },
    });
  }
  return rules;
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'through-index-only',
      comment: "another module is reached only through its index.ts, its one public face",
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: notTest },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'only-runtime-imports-onnxruntime',
      severity: 'error',
      from: { pathNot: '^src/runtime/' },
      to: { path: 'onnxruntime-node' },
    },
    {
      name: 'only-pipeline-talks-to-redis',
      severity: 'error',
      from: { pathNot: '^src/pipeline/' },
      to: { path: '(^|/)node_modules/(bullmq|ioredis)/' },
    },
    {
      name: 'only-search-talks-to-vector-stores',
      severity: 'error',
      from: { pathNot: '^src/search/' },
      to: { path: '(^|/)node_modules/(@lancedb|pg|pgvector|@electric-sql)/' },
    },
    {
      name: 'only-video-spawns-processes',
      comment: 'ffmpeg is started only by src/video; core/hardware.ts may ask nvidia-smi about GPUs',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/video/', '^src/core/hardware\\.ts$', notTest] },
      to: { path: '^(node:)?child_process$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
