import { execFile } from 'node:child_process';
import { availableParallelism, cpus, totalmem } from 'node:os';

/** What the machine offers to run stages on: CPU cores, memory, and NVIDIA GPUs when nvidia-smi answers. */
export interface Hardware {
  cpuCores: number;
  cpuModel: string;
  memoryGiB: number;
  gpus: GpuInfo[];
  /** Why no GPU was found, when none was. */
  gpuNote: string | undefined;
}

export interface GpuInfo {
  index: number;
  name: string;
  memoryGiB: number;
  driver: string;
}

export async function detectHardware(options: { nvidiaSmi?: string } = {}): Promise<Hardware> {
  const { gpus, note } = await detectGpus(options.nvidiaSmi ?? 'nvidia-smi');
  return {
    cpuCores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: totalmem() / 2 ** 30,
    gpus,
    gpuNote: note,
  };
}

async function detectGpus(command: string): Promise<{ gpus: GpuInfo[]; note: string | undefined }> {
  const args = ['--query-gpu=index,name,memory.total,driver_version', '--format=csv,noheader,nounits'];
  return new Promise((resolvePromise) => {
    execFile(command, args, { timeout: 10_000 }, (error, stdout) => {
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        resolvePromise({
          gpus: [],
          note: missing ? 'nvidia-smi not found' : `nvidia-smi failed: ${error.message}`,
        });
        return;
      }
      resolvePromise({ gpus: parseNvidiaSmi(stdout), note: undefined });
    });
  });
}

export function parseNvidiaSmi(csv: string): GpuInfo[] {
  return csv
    .split('\n')
    .map((line) => line.split(',').map((cell) => cell.trim()))
    .filter((cells) => cells.length >= 4 && cells[0] !== '')
    .map(([index, name, memMiB, driver]) => ({
      index: Number(index),
      name: name ?? '',
      memoryGiB: Number(memMiB) / 1024,
      driver: driver ?? '',
    }));
}
