/** FNV-1a, 32 bits: a stable hash of a clip id, the same on every machine and run. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The shard a clip id lives on. */
export function shardOf(id: string, shards: number): number {
  return fnv1a(id) % shards;
}
