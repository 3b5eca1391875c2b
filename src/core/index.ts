export * from './config.js';
export * from './errors.js';
export * from './fs-atomic.js';
export * from './hardware.js';
export * from './log.js';
export * from './progress.js';
export * from './timecode.js';
export * from './types.js';
