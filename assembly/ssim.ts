// SSIM statistics for 8-bit images, in WebAssembly with 128-bit SIMD (AssemblyScript).
// Built by `npm run build:wasm` into src/eval/wasm/ssim.wasm; src/eval/ssim-wasm.ts loads it.
//
// Memory layout (byte offsets chosen by the caller): the two interleaved uint8 images, the window weights
// (f32), and scratch for row buffers, a ring of `taps` horizontally filtered rows for 4 maps, and 4
// accumulator rows. Samples are centred on 128 before squaring so f32 keeps the variances precise.

let ssimSum: f64 = 0;
let csSum: f64 = 0;

export function resultSsim(): f64 {
  return ssimSum;
}

export function resultCs(): f64 {
  return csSum;
}

export function run(
  pred: usize,
  target: usize,
  width: i32,
  height: i32,
  channels: i32,
  channel: i32,
  weights: usize,
  taps: i32,
  c1: f32,
  c2: f32,
  covNorm: f32,
  scratch: usize,
): void {
  const ow = width - taps + 1;
  const owPad = (ow + 3) & ~3;
  const widthPad = (width + taps + 3) & ~3;
  // Row buffers: x, y, x^2 + y^2, x*y (f32, widthPad each).
  const rx = scratch;
  const ry = rx + (<usize>widthPad << 2);
  const rs = ry + (<usize>widthPad << 2);
  const rp = rs + (<usize>widthPad << 2);
  // Ring: 4 maps x taps rows x owPad.
  const ringMap = <usize>taps * (<usize>owPad << 2);
  const ring = rp + (<usize>widthPad << 2);
  // Weights splatted to 4 lanes, once.
  const wv = ring + ringMap * 4;
  for (let t = 0; t < taps; t++) v128.store(wv + (<usize>t << 4), f32x4.splat(load<f32>(weights + (<usize>t << 2))));
  const half = (taps - 1) >> 1;
  // Byte offsets of the ring rows in time order, refreshed once per output row (no modulo in inner loops).
  const rowAt = wv + (<usize>taps << 4);

  ssimSum = 0;
  csSum = 0;
  const vc1 = f32x4.splat(c1);
  const vc2 = f32x4.splat(c2);
  const vcov = f32x4.splat(covNorm);
  const two = f32x4.splat(2);

  for (let r = 0; r < height; r++) {
    // Deinterleave and centre one row, and form the products.
    let src = <usize>(r * width * channels + channel);
    for (let c = 0; c < width; c++) {
      const a = <f32>load<u8>(pred + src) - 128;
      const b = <f32>load<u8>(target + src) - 128;
      const o = <usize>c << 2;
      store<f32>(rx + o, a);
      store<f32>(ry + o, b);
      store<f32>(rs + o, a * a + b * b);
      store<f32>(rp + o, a * b);
      src += <usize>channels;
    }
    // Horizontal filter into the ring slot of this row, 4 output columns at a time.
    const slot = <usize>(r % taps) * (<usize>owPad << 2);
    for (let c = 0; c < ow; c += 4) {
      // The window is symmetric: add the two taps at equal distance, then multiply once.
      const mid = <usize>(c + half) << 2;
      const wc = v128.load(wv + (<usize>half << 4));
      let sx = f32x4.mul(wc, v128.load(rx + mid));
      let sy = f32x4.mul(wc, v128.load(ry + mid));
      let ss = f32x4.mul(wc, v128.load(rs + mid));
      let sp = f32x4.mul(wc, v128.load(rp + mid));
      for (let t = 1; t <= half; t++) {
        const w = v128.load(wv + (<usize>(half + t) << 4));
        const lo = <usize>(c + half - t) << 2;
        const hi = <usize>(c + half + t) << 2;
        sx = f32x4.add(sx, f32x4.mul(w, f32x4.add(v128.load(rx + lo), v128.load(rx + hi))));
        sy = f32x4.add(sy, f32x4.mul(w, f32x4.add(v128.load(ry + lo), v128.load(ry + hi))));
        ss = f32x4.add(ss, f32x4.mul(w, f32x4.add(v128.load(rs + lo), v128.load(rs + hi))));
        sp = f32x4.add(sp, f32x4.mul(w, f32x4.add(v128.load(rp + lo), v128.load(rp + hi))));
      }
      const o = slot + (<usize>c << 2);
      v128.store(ring + o, sx);
      v128.store(ring + ringMap + o, sy);
      v128.store(ring + ringMap * 2 + o, ss);
      v128.store(ring + ringMap * 3 + o, sp);
    }
    if (r < taps - 1) continue;
    // Vertical filter over the ring (oldest row first) and the SSIM of each output pixel.
    for (let t = 0; t < taps; t++) store<u32>(rowAt + (<usize>t << 2), <u32>(((r + 1 + t) % taps) * (owPad << 2)));
    let rowS = f32x4.splat(0);
    let rowC = f32x4.splat(0);
    for (let c = 0; c < ow; c += 4) {
      // Ring rows in time order: the oldest sits in slot (r + 1) % taps. Fold symmetric taps again.
      const col = <usize>c << 2;
      const midRow = <usize>load<u32>(rowAt + (<usize>half << 2)) + col;
      const wc = v128.load(wv + (<usize>half << 4));
      let ux = f32x4.mul(wc, v128.load(ring + midRow));
      let uy = f32x4.mul(wc, v128.load(ring + ringMap + midRow));
      let us = f32x4.mul(wc, v128.load(ring + ringMap * 2 + midRow));
      let up = f32x4.mul(wc, v128.load(ring + ringMap * 3 + midRow));
      for (let t = 1; t <= half; t++) {
        const w = v128.load(wv + (<usize>(half + t) << 4));
        const lo = <usize>load<u32>(rowAt + (<usize>(half - t) << 2)) + col;
        const hi = <usize>load<u32>(rowAt + (<usize>(half + t) << 2)) + col;
        ux = f32x4.add(ux, f32x4.mul(w, f32x4.add(v128.load(ring + lo), v128.load(ring + hi))));
        uy = f32x4.add(uy, f32x4.mul(w, f32x4.add(v128.load(ring + ringMap + lo), v128.load(ring + ringMap + hi))));
        us = f32x4.add(us, f32x4.mul(w, f32x4.add(v128.load(ring + ringMap * 2 + lo), v128.load(ring + ringMap * 2 + hi))));
        up = f32x4.add(up, f32x4.mul(w, f32x4.add(v128.load(ring + ringMap * 3 + lo), v128.load(ring + ringMap * 3 + hi))));
      }
      // Means of the centred samples: shift back by 128 for the luminance term only, which is not
      // shift-invariant; variances and covariance are.
      const mx = f32x4.add(ux, f32x4.splat(128));
      const my = f32x4.add(uy, f32x4.splat(128));
      const mm = f32x4.add(f32x4.mul(mx, mx), f32x4.mul(my, my));
      const variances = f32x4.mul(vcov, f32x4.sub(us, f32x4.add(f32x4.mul(ux, ux), f32x4.mul(uy, uy))));
      const covariance = f32x4.mul(vcov, f32x4.sub(up, f32x4.mul(ux, uy)));
      const cs = f32x4.div(f32x4.add(f32x4.mul(two, covariance), vc2), f32x4.add(variances, vc2));
      const lum = f32x4.div(f32x4.add(f32x4.mul(two, f32x4.mul(mx, my)), vc1), f32x4.add(mm, vc1));
      const s = f32x4.mul(lum, cs);
      // Sum per row in f32 lanes (at most a few hundred terms of magnitude <= 1); lanes past the last
      // output column hold padding and are masked off.
      const valid = ow - c;
      if (valid >= 4) {
        rowS = f32x4.add(rowS, s);
        rowC = f32x4.add(rowC, cs);
      } else {
        const mask = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(valid));
        rowS = f32x4.add(rowS, v128.and(s, mask));
        rowC = f32x4.add(rowC, v128.and(cs, mask));
      }
    }
    ssimSum += <f64>f32x4.extract_lane(rowS, 0) + <f64>f32x4.extract_lane(rowS, 1) + <f64>f32x4.extract_lane(rowS, 2) + <f64>f32x4.extract_lane(rowS, 3);
    csSum += <f64>f32x4.extract_lane(rowC, 0) + <f64>f32x4.extract_lane(rowC, 1) + <f64>f32x4.extract_lane(rowC, 2) + <f64>f32x4.extract_lane(rowC, 3);
  }
}

/** Bytes of scratch `run` needs past `scratch`. */
export function scratchBytes(width: i32, taps: i32): i32 {
  const ow = width - taps + 1;
  const owPad = (ow + 3) & ~3;
  const widthPad = (width + taps + 3) & ~3;
  return (4 * widthPad + 4 * taps * owPad) * 4 + taps * 20;
}
