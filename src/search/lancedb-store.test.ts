import { join } from 'node:path';
import { tempDir } from '../../test/support.js';
import { LanceStore } from './lancedb-store.js';
import { vectorStoreConformance } from './testing/conformance.js';

const dir = tempDir('orbis-lance-');
vectorStoreConformance('LanceDB', () => LanceStore.open(join(dir, 'db')));
