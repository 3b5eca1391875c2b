"""Int8 weights for a world model's step.onnx: every MatMul whose right side is a stored weight becomes ONNX
Runtime's DynamicQuantizeMatMul (com.microsoft), with the weight as int8, one symmetric scale per output
column, and the activations quantized per call. Attention's MatMuls (both sides computed) stay float.

    /usr/bin/python3 training/world/quantize_step.py <step.onnx> <out.onnx>

An experiment for CPU speed (VNNI / AMX int8 matmuls). On the shipped world-dv4x8x8 (2026-12-06) a step got
about 10% faster and a future no faster (docs/predict.md, "Tried: int8 weights"), so nothing ships this way.
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
        """The float32 matrix a chain of Cast / Transpose makes of a stored tensor, or None."""
        ops = []
        while name not in inits:
            n = producer.get(name)
            if n is None or n.op_type not in ("Cast", "Transpose"):
                return None
            ops.append(n)
            name = n.input[0]
        w = numpy_helper.to_array(inits[name]).astype(np.float32)
        for n in reversed(ops):
            if n.op_type == "Transpose":
                perm = next((list(a.ints) for a in n.attribute if a.name == "perm"), None)
                w = np.transpose(w, perm)
        return w

    replaced = 0
    nodes = []
    for n in g.node:
        w = weight(n.input[1]) if n.op_type == "MatMul" else None
        if w is None or w.ndim != 2:
            nodes.append(n)
            continue
        scale = np.maximum(np.abs(w).max(axis=0), 1e-12) / 127.0
        q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        base = f"q{replaced}"
        g.initializer.extend([
            numpy_helper.from_array(q, f"{base}.w"),
            numpy_helper.from_array(scale.astype(np.float32), f"{base}.scale"),
            numpy_helper.from_array(np.zeros(scale.shape, np.int8), f"{base}.zero"),
        ])
        nodes.append(helper.make_node(
            "DynamicQuantizeMatMul", [n.input[0], f"{base}.w", f"{base}.scale", f"{base}.zero"], list(n.output),
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
