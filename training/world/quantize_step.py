"""Int8 weights for a world model's step.onnx: every MatMul whose right side is a stored weight becomes ONNX
Runtime's DynamicQuantizeMatMul (com.microsoft), with the weight as int8, one symmetric scale per output
column, and the activations quantized per call. Attention's MatMuls (both sides computed) stay float.

    /usr/bin/python3 training/world/quantize_step.py <step.onnx> <out.onnx>

train.py's export does this with --int8. The int8 matrix and its scales are named after the weight they
replace (`<name>.int8`, `<name>.scale`: the parameter transposed, as MatMul takes it), so that
training/tokenizer/onnx_weights.py reads them back as the parameter (dequantized) and a run can start from
such a step.onnx (--init).

On the shipped world-dv4x8x8 of 2026-12-06 a step got about 10% faster and a future no faster (docs/predict.md,
"Tried: int8 weights"). On 2026-12-07 its object IoU was 0.408 against FP16's 0.406 on the tuning seeds (1
frame) and 0.459 / 0.405 against 0.464 / 0.417 held out (1 / 9 frames): a small cost, for half the bytes, which
is what lets a model with MLPs twice as wide fit the 30 MB budget at the same speed ("Int8 weights again").
"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def quantize(model):
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    producer = {o: n for n in g.node for o in n.output}

    def weight(name):
        """The float32 matrix a chain of Cast / Transpose makes of a stored tensor, and that tensor's name for
        the int8 one when the chain is one plain transpose of a matrix (a Linear's weight); else None, None."""
        ops = []
        while name not in inits:
            n = producer.get(name)
            if n is None or n.op_type not in ("Cast", "Transpose"):
                return None, None
            ops.append(n)
            name = n.input[0]
        w = numpy_helper.to_array(inits[name]).astype(np.float32)
        turns = 0
        for n in reversed(ops):
            if n.op_type == "Transpose":
                perm = next((list(a.ints) for a in n.attribute if a.name == "perm"), None)
                w = np.transpose(w, perm)
                turns += 1
        return w, (name if turns == 1 and w.ndim == 2 else None)

    replaced = 0
    nodes = []
    for n in g.node:
        w, source = weight(n.input[1]) if n.op_type == "MatMul" else (None, None)
        if w is None or w.ndim != 2:
            nodes.append(n)
            continue
        scale = np.maximum(np.abs(w).max(axis=0), 1e-12) / 127.0
        q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        base = source or f"q{replaced}"
        g.initializer.extend([
            numpy_helper.from_array(q, f"{base}.int8"),
            numpy_helper.from_array(scale.astype(np.float32), f"{base}.scale"),
            numpy_helper.from_array(np.zeros(scale.shape, np.int8), f"{base}.zero"),
        ])
        nodes.append(helper.make_node(
            "DynamicQuantizeMatMul", [n.input[0], f"{base}.int8", f"{base}.scale", f"{base}.zero"], list(n.output),
            name=f"{n.name or base}_int8", domain="com.microsoft"))
        replaced += 1
    del g.node[:]
    g.node.extend(nodes)
    # Drop what nothing reads any more (the float weights and their casts).
    outputs = {o.name for o in g.output}
    while True:
        used = {i for n in g.node for i in n.input} | outputs
        keep = [n for n in g.node if any(o in used for o in n.output)]
        if len(keep) == len(g.node):
            break
        del g.node[:]
        g.node.extend(keep)
    used = {i for n in g.node for i in n.input}
    kept = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(kept)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.extend([helper.make_opsetid("com.microsoft", 1)])
    return replaced


if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    m = onnx.load(src)
    n = quantize(m)
    onnx.save(m, dst)
    print(f"{n} MatMuls to int8: {dst}")
