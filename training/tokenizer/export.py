"""ONNX export of a tokenizer's encoder and decoder, with dynamic batch, time, height and width. Weights are
stored as FP16 by default (half the bytes; ONNX Runtime casts them to FP32 once, at load, and computes in FP32)."""

import copy
import hashlib

import torch
from torch.nn.utils import parametrize

from model import Tokenizer


class Encoder(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, video):
        return self.model.encode(video)


class Decoder(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, latent):
        return self.model.decode(latent)


class AsFloat(torch.nn.Module):
    def forward(self, w):
        return w.float()


def round_to_fp16(model):
    """Round every FP32 weight to the nearest FP16 value (in place), so that PyTorch computes with exactly
    the weights an FP16 export stores: metrics and parity references then describe the shipped files."""
    with torch.no_grad():
        for p in model.parameters():
            if p.dtype == torch.float32:
                p.copy_(p.half().float())
    return model


def with_fp16_storage(model):
    """A copy whose weights are FP16 tensors behind a cast to FP32, which ONNX export writes as FP16
    initializers followed by Cast nodes."""
    model = copy.deepcopy(model)
    for module in list(model.modules()):
        for name, p in list(module.named_parameters(recurse=False)):
            if p.dtype != torch.float32:
                continue
            parametrize.register_parametrization(module, name, AsFloat())
            original = module.parametrizations[name].original
            original.data = original.data.half()
    return model


def export(model: Tokenizer, encoder_path, decoder_path, size=64, frames=9, opset=17, fp16_weights=True):
    model = model.eval().float().cpu()
    if fp16_weights:
        model = with_fp16_storage(model)
    video = torch.rand(1, 3, frames, size, size) * 2 - 1
    with torch.no_grad():
        latent = model.encode(video)
    dims = {0: "batch", 2: "time", 3: "height", 4: "width"}
    torch.onnx.export(
        Encoder(model), (video,), encoder_path, input_names=["video"], output_names=["latent"],
        dynamic_axes={"video": dims, "latent": dims}, opset_version=opset, do_constant_folding=not fp16_weights,
    )
    torch.onnx.export(
        Decoder(model), (latent,), decoder_path, input_names=["latent"], output_names=["video"],
        dynamic_axes={"latent": dims, "video": dims}, opset_version=opset, do_constant_folding=not fp16_weights,
    )
    return latent.shape[1]


def sha256(path):
    """The hex SHA-256 of a file, for manifests."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
