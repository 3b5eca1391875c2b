/**
 * A minimal ONNX writer for tests: encodes a ModelProto (protobuf) by hand, so tests can generate small
 * networks without Python. Only what the test models use: value infos with symbolic or fixed dimensions,
 * nodes with int and ints attributes, opset 13.
 */

type Field = Uint8Array;

function varint(value: number): number[] {
  const out: number[] = [];
  let v = BigInt(value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

function key(field: number, wire: number): number[] {
  return varint((field << 3) | wire);
}

function int(field: number, value: number): Field {
  return Uint8Array.from([...key(field, 0), ...varint(value)]);
}

function bytes(field: number, payload: Uint8Array): Field {
  return Uint8Array.from([...key(field, 2), ...varint(payload.length), ...payload]);
}

function str(field: number, text: string): Field {
  return bytes(field, new TextEncoder().encode(text));
}

function message(...fields: Field[]): Uint8Array {
  const out = new Uint8Array(fields.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of fields) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

export interface ValueInfo {
  name: string;
  /** Numbers are fixed sizes, strings symbolic dimensions. */
  shape: (number | string)[];
  /** Element type; default float32. */
  type?: 'float32' | 'int64';
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, number | number[]>;
}

function valueInfo(v: ValueInfo): Uint8Array {
  const dims = v.shape.map((d) => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  const tensorType = message(int(1, v.type === 'int64' ? 7 : 1 /* FLOAT */), bytes(2, message(...dims)));
  return message(str(1, v.name), bytes(2, bytes(1, tensorType)));
}

function node(n: NodeSpec, index: number): Uint8Array {
  const attributes = Object.entries(n.attributes ?? {}).map(([name, value]) =>
    bytes(
      5,
      Array.isArray(value)
        ? message(str(1, name), ...value.map((v) => int(8, v)), int(20, 7 /* INTS */))
        : message(str(1, name), int(3, value), int(20, 2 /* INT */)),
    ),
  );
  return message(...n.inputs.map((i) => str(1, i)), ...n.outputs.map((o) => str(2, o)), str(3, `n${index}`), str(4, n.op), ...attributes);
}

/** A constant tensor of the graph: float32 or int64 (Slice bounds, shapes). */
export interface Initializer {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

function initializer(t: Initializer): Uint8Array {
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const type = t.data instanceof Float32Array ? 1 /* FLOAT */ : 7; /* INT64 */
  return message(...t.dims.map((d) => int(1, d)), int(2, type), str(8, t.name), bytes(9, raw));
}

/** An ONNX model (float inputs and outputs) as bytes, ready to write to a .onnx file. */
export function onnxModel(spec: {
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  nodes: NodeSpec[];
  initializers?: Initializer[];
}): Uint8Array {
  const graph = message(
    ...spec.nodes.map((n, i) => bytes(1, node(n, i))),
    str(2, 'test'),
    ...(spec.initializers ?? []).map((t) => bytes(5, initializer(t))),
    ...spec.inputs.map((v) => bytes(11, valueInfo(v))),
    ...spec.outputs.map((v) => bytes(12, valueInfo(v))),
  );
  return message(int(1, 8 /* IR version */), str(2, 'orbis-tests'), bytes(7, graph), bytes(8, message(str(1, ''), int(2, 13))));
}

/** A stand-in for LPIPS: inputs in0, in1 [N, 3, H, W]; output the mean squared difference, [N, 1, 1, 1]. */
export function standInLpips(): Uint8Array {
  return onnxModel({
    inputs: [
      { name: 'in0', shape: ['N', 3, 'H', 'W'] },
      { name: 'in1', shape: ['N', 3, 'H', 'W'] },
    ],
    outputs: [{ name: 'out0', shape: ['N', 1, 1, 1] }],
    nodes: [
      { op: 'Sub', inputs: ['in0', 'in1'], outputs: ['d'] },
      { op: 'Mul', inputs: ['d', 'd'], outputs: ['sq'] },
      { op: 'ReduceMean', inputs: ['sq'], outputs: ['out0'], attributes: { axes: [1, 2, 3], keepdims: 1 } },
    ],
  });
}

const i64 = (...values: number[]): BigInt64Array => BigInt64Array.from(values.map(BigInt));

/**
 * A stand-in for TransNetV2's ONNX export: input [B, 100, 27, 48, 3] (RGB, 0-255), output
 * single_frame_pred [B, 100, 1], logits that frame t is the last of its shot. Here the logit rises with the
 * mean absolute difference between frames t and t + 1 ((d - 30) / 3, so a jump of 30 or more reads as a
 * cut); the real network learns much more, but the plumbing around it is the same.
 */
export function standInTransNet(): Uint8Array {
  return onnxModel({
    inputs: [{ name: 'frames', shape: ['B', 100, 27, 48, 3] }],
    outputs: [{ name: 'single_frame_pred', shape: ['B', 100, 1] }],
    initializers: [
      { name: 'from1', dims: [1], data: i64(1) },
      { name: 'to100', dims: [1], data: i64(100) },
      { name: 'from0', dims: [1], data: i64(0) },
      { name: 'to99', dims: [1], data: i64(99) },
      { name: 'axis1', dims: [1], data: i64(1) },
      { name: 'last2', dims: [1], data: i64(2) },
      { name: 'offset', dims: [], data: Float32Array.of(30) },
      { name: 'scale', dims: [], data: Float32Array.of(1 / 3) },
    ],
    nodes: [
      { op: 'Slice', inputs: ['frames', 'from1', 'to100', 'axis1'], outputs: ['next'] },
      { op: 'Slice', inputs: ['frames', 'from0', 'to99', 'axis1'], outputs: ['this'] },
      { op: 'Sub', inputs: ['next', 'this'], outputs: ['d'] },
      { op: 'Abs', inputs: ['d'], outputs: ['ad'] },
      { op: 'ReduceMean', inputs: ['ad'], outputs: ['m4'], attributes: { axes: [2, 3, 4], keepdims: 0 } },
      // [B, 99] -> [B, 100]: the last frame has no next one; give it a zero difference.
      { op: 'Slice', inputs: ['m4', 'from0', 'from1', 'axis1'], outputs: ['first'] },
      { op: 'Sub', inputs: ['first', 'first'], outputs: ['zero'] },
      { op: 'Concat', inputs: ['m4', 'zero'], outputs: ['m'], attributes: { axis: 1 } },
      { op: 'Unsqueeze', inputs: ['m', 'last2'], outputs: ['m3'] },
      { op: 'Sub', inputs: ['m3', 'offset'], outputs: ['centered'] },
      { op: 'Mul', inputs: ['centered', 'scale'], outputs: ['single_frame_pred'] },
    ],
  });
}

/** A stand-in aesthetic scorer: [N, 3, H, W] -> [N], the mean of the normalized pixels (a brightness). */
export function standInAesthetic(): Uint8Array {
  return onnxModel({
    inputs: [{ name: 'pixels', shape: ['N', 3, 224, 224] }],
    outputs: [{ name: 'score', shape: ['N'] }],
    nodes: [{ op: 'ReduceMean', inputs: ['pixels'], outputs: ['score'], attributes: { axes: [1, 2, 3], keepdims: 0 } }],
  });
}

/** A stand-in image encoder: [N, 3, H, W] -> [N, 3], each channel's mean (a 3-d colour embedding). */
export function standInEncoder(): Uint8Array {
  return onnxModel({
    inputs: [{ name: 'pixel_values', shape: ['N', 3, 224, 224] }],
    outputs: [{ name: 'image_embeds', shape: ['N', 3] }],
    nodes: [
      { op: 'ReduceMean', inputs: ['pixel_values'], outputs: ['image_embeds'], attributes: { axes: [2, 3], keepdims: 0 } },
    ],
  });
}
