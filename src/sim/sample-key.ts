/** The key of one sample: scenario, seed, view, look; safe as a WebDataset key and a folder name. */
export function sampleKey(scenario: string, seed: number, view: number, look: number): string {
  return `${scenario}-s${String(seed).padStart(7, '0')}-v${view}-l${look}`;
}
