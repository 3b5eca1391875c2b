"""The weights inside exported ONNX files, back as a PyTorch state dict, with no dependency beyond NumPy.

The recipes export FP16 weights as initializers named after the parameters, behind a parametrization
(`model.<path>.parametrizations.<name>.original`); this reads those initializers straight from the protobuf
wire format (ModelProto.graph = 7, GraphProto.initializer = 5; TensorProto dims = 1, data_type = 2,
name = 8, raw_data = 9), so a shipped model can seed a new training run on a machine without the onnx
package. Used by training/world/train.py (--init step.onnx) and by `python3 onnx_weights.py` below.

  python3 training/tokenizer/onnx_weights.py models/tokenizer-dv8x16x16 gpu-init/dv8x16x16.pt
  python3 training/tokenizer/onnx_weights.py models/tokenizer-dv8x16x16     # its settings alone, as JSON
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

DTYPES = {1: np.float32, 10: np.float16, 7: np.int64, 6: np.int32, 11: np.float64, 3: np.int8}


def _varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def _fields(buf):
    """(field number, wire type, value) of one message; value is bytes for length-delimited fields."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            n, i = _varint(buf, i)
            value, i = buf[i : i + n], i + n
        elif wire == 1:
            value, i = buf[i : i + 8], i + 8
        elif wire == 5:
            value, i = buf[i : i + 4], i + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield number, wire, value


def initializers(path):
    """name -> float32 array of every initializer held as raw data."""
    with open(path, "rb") as f:
        model = memoryview(f.read())
    out = {}
    for number, _, graph in _fields(model):
        if number != 7:
            continue
        for n, _, tensor in _fields(graph):
            if n != 5:
                continue
            dims, dtype, name, raw = [], None, None, None
            for t, wire, v in _fields(tensor):
                if t == 1 and wire == 0:
                    dims.append(v)
                elif t == 1 and wire == 2:  # packed dims
                    j = 0
                    while j < len(v):
                        d, j = _varint(v, j)
                        dims.append(d)
                elif t == 2:
                    dtype = v
                elif t == 8:
                    name = bytes(v).decode()
                elif t == 9:
                    raw = bytes(v)
            if name is not None and raw is not None and dtype in DTYPES:
                out[name] = np.frombuffer(raw, dtype=DTYPES[dtype]).reshape(dims).astype(np.float32)
    return out


def state_dict(*paths):
    """The parameters of one model exported into these files (encoder and decoder share one namespace)."""
    import torch

    state = {}
    for path in paths:
        found = initializers(path)
        for name, value in found.items():
            if name.endswith(".int8"):  # training/world/quantize_step.py: the weight transposed, per-column scales
                name = name.removesuffix(".int8")
                value = (value * found[f"{name}.scale"]).T
            elif name.endswith((".scale", ".zero")) and f"{name.rsplit('.', 1)[0]}.int8" in found:
                continue
            if ".parametrizations." in name:
                key = name.removeprefix("model.").replace(".parametrizations.", ".").removesuffix(".original")
                state[key] = torch.from_numpy(np.ascontiguousarray(value))
    return state


def tokenizer_settings(folder):
    """A shipped tokenizer folder's settings (train.py's kind, spatial, temporal, width, blocks) and its weights
    as a state dict. The settings come from the manifest (kind from its family, the compression) and the
    weights (width, blocks): a manifest's recipe need not name them (a decoder fine-tune's does not)."""
    from model import Tokenizer

    with open(os.path.join(folder, "manifest.json")) as f:
        manifest = json.load(f)
    files = [os.path.join(folder, f["path"]) for f in manifest["files"] if f["path"].endswith(".onnx")]
    weights = state_dict(*files)
    c = manifest["compression"]
    kind = "discrete" if manifest["family"] == "tokenizer-discrete" else "continuous"
    args = {"kind": kind, "spatial": c["height"], "temporal": c["time"], "width": int(weights["encoder.0.weight"].shape[0])}
    for blocks in range(1, 9):
        model = Tokenizer(**args, blocks=blocks, **({"latent_channels": c["latentChannels"]} if kind == "continuous" else {}))
        fresh = model.state_dict()
        if all(k in fresh and fresh[k].shape == v.shape for k, v in weights.items()):
            break
    else:
        raise SystemExit(f"{folder}: its weights fit no tokenizer of {args} with 1-8 blocks a level")
    # The exporter stores identical tensors once, under one name; that happens to untrained ones (a norm's
    # weight still all ones), so a parameter it left out gets its initial value.
    missing = [k for k in fresh if k not in weights]
    if missing:
        print(f"{folder}: {len(missing)} parameters not in its ONNX files (identical tensors are stored once): set to their initial values", file=sys.stderr)
        weights.update({k: fresh[k] for k in missing})
    return {**args, "blocks": blocks}, weights


def tokenizer_checkpoint(folder, out):
    """A shipped tokenizer folder -> the model.pt that training/world/train.py --tokenizer loads."""
    import torch

    args, weights = tokenizer_settings(folder)
    torch.save({"model": {k: v.half() for k, v in weights.items()}, "args": args, "from": folder}, out)
    return args


if __name__ == "__main__":
    if len(sys.argv) == 2:  # the settings alone, as JSON (bench/tokenizer.bench.ts)
        print(json.dumps(tokenizer_settings(sys.argv[1])[0]))
    else:
        print(tokenizer_checkpoint(sys.argv[1], sys.argv[2]))
