"""ONNX export of a tokenizer's encoder and decoder, with dynamic batch, time, height and width."""

import torch

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


def export(model: Tokenizer, encoder_path, decoder_path, size=64, frames=9, opset=17):
    model = model.eval().float().cpu()
    video = torch.rand(1, 3, frames, size, size) * 2 - 1
    with torch.no_grad():
        latent = model.encode(video)
    dims = {0: "batch", 2: "time", 3: "height", 4: "width"}
    torch.onnx.export(
        Encoder(model), (video,), encoder_path, input_names=["video"], output_names=["latent"],
        dynamic_axes={"video": dims, "latent": dims}, opset_version=opset, do_constant_folding=True,
    )
    torch.onnx.export(
        Decoder(model), (latent,), decoder_path, input_names=["latent"], output_names=["video"],
        dynamic_axes={"latent": dims, "video": dims}, opset_version=opset, do_constant_folding=True,
    )
    return latent.shape[1]
