"""Train the world model on `orbis sim` clips seen through the discrete tokenizer, export `step.onnx`, write the
manifest (see README.md for the contract).

  python3 training/world/train.py --sim <npy folder> --sim-eval <npy folder> --tokenizer <tokenizer model.pt> \
      --minutes 7 --out /tmp/world                                    # on the GPU machine (BF16 autocast)
  python3 training/world/train.py --from /tmp/world/model.pt --name world-dv4x8x8 --temperature 0.7 --drafts 32 --out models/world-dv4x8x8   # export here
  python3 training/world/train.py --tiny --sim <folder> --tokenizer <model.pt> --out /tmp/w  # CPU smoke run

Clips are 33 frames at 128x128 (5 latent frames of 8x8 tokens with the 8x16x16 tokenizer, the default
--token-space; 9 of 16x16 with the 4x8x8 one); each clip's caption
is its prompt (dropped to empty for a share of the batches, so the model also runs without one), and push
clips carry their per-frame 7-D actions. The same seed gives the same run.
"""

import argparse
import copy
import dataclasses
import glob
import json
import math
import os
import re
import sys
import time
import types

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.append(os.path.join(HERE, "..", "tokenizer"))
from world_model import ACTION_SCALE, BASIS, LEVELS, VISUAL_TOKENS, FixedStep, WorldModel, action_gain, prompt_tokens  # noqa: E402
from loop import TrainStep  # noqa: E402  (training/tokenizer/loop.py)

ACTION_DIM = 7
# The discrete tokenizers a world model can generate in, at 128x128 and 33 frames: its latent grid and how many
# video frames each latent frame after the first holds.
TOKEN_SPACES = {
    "dv8x16x16": {"tokenizer": "tokenizer-dv8x16x16", "grid": [5, 8, 8], "per_latent": 8},
    "dv4x8x8": {"tokenizer": "tokenizer-dv4x8x8", "grid": [9, 16, 16], "per_latent": 4},
}


def args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sim", help="folder of orbis sim npy samples (33 frames at 128x128) to train on")
    p.add_argument("--sim-eval", help="folder of held-out samples (seeds training never saw)")
    p.add_argument("--tokenizer", help="the discrete tokenizer's model.pt (training/tokenizer)")
    p.add_argument("--token-space", choices=sorted(TOKEN_SPACES), default="dv8x16x16",
                   help="which discrete tokenizer's tokens (--tokenizer must be that one)")
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--mlp", type=int, default=0,
                   help="the MLP's hidden units (0: 4x --width); more than --init's widens it, computing the same function at first")
    p.add_argument("--coupling", type=int, default=0,
                   help="R > 0: each digit after a token's first also depends on the digits before it, through R hidden "
                        "numbers (world_model.py); an --init without it starts with a coupling that adds nothing")
    p.add_argument("--coupling-lr", type=float, default=3.0, help="the coupling's learning rate as a multiple of --lr")
    p.add_argument("--steps", type=int, default=100000)
    p.add_argument("--minutes", type=float)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=6e-4)
    p.add_argument("--prompt-drop", type=float, default=0.2)
    p.add_argument("--prompt-length", type=int, default=16,
                   help="prompt slots (words); captions are cut to this many words. 16 cuts the physics suite's "
                        "outcome sentences (a tower 'topples' or 'stays standing' is words 17-26); --init from a "
                        "model with fewer slots adds them")
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--total-minutes", type=float, help="training minutes of the whole run when it spans several calls (--resume); the schedule spans them")
    p.add_argument("--warmup", type=int, default=500)
    p.add_argument("--corrupt", type=float, default=0.0, help="share of visual input tokens replaced by random ones")
    p.add_argument("--self-feed", type=float, default=0.0,
                   help="share of clips whose visual input after the conditioning frames is the model's own draw (a "
                        "no-grad pass first; targets stay true), so it learns to carry on from its own futures")
    p.add_argument("--self-feed-passes", type=int, default=1,
                   help="draws in a row: pass k draws from the input pass k-1 made, so errors of k steps compound")
    p.add_argument("--self-feed-temperature", type=float, default=0.7, help="the draws' temperature (the sampler's)")
    p.add_argument("--distill-guidance", type=float, default=0.0,
                   help="G > 0: learn also from the --init model's prompt-guided distribution at scale G (a frozen "
                        "teacher, run with the prompt and with it blanked), so sampling without guidance gives what "
                        "--prompt-guidance G gave, at one pass a token instead of two")
    p.add_argument("--distill-weight", type=float, default=0.5,
                   help="with --distill-guidance: the teacher's share of the target (the true token's is the rest)")
    p.add_argument("--distill-frames", type=int, default=0,
                   help="with --distill-guidance: learn from the teacher only in latent frames 1..K (a 1-frame rollout's "
                        "first K, where guidance decides what happens), the true token elsewhere; 0: every frame")
    p.add_argument("--distill-teacher",
                   help="with --distill-guidance: the teacher's weights (a step.onnx or a run's .pt), when they are not "
                        "--init's: a second call can go on from a distilled student while the shipped model teaches")
    p.add_argument("--changed-weight", type=float, default=0.0, help="extra loss weight W on tokens that differ from a latent frame earlier (1 + W times)")
    p.add_argument("--object-weight", type=float, default=0.0,
                   help="extra loss weight V on tokens whose patch shows a scored object (the sim's masks), added to the rest")
    p.add_argument("--stream", help="folder where sim chunks (cNNN beside cNNN.done) appear while training runs")
    p.add_argument("--absorb-every", type=float, default=20,
                   help="seconds of training between looks for finished chunks in --stream (each look tokenizes them all)")
    p.add_argument("--pool", help="file of the tokenized training clips, loaded if present and saved at the end")
    p.add_argument("--mirror", action="store_true", help="also train on clips mirrored left to right (not push clips)")
    p.add_argument("--resume", action="store_true", help="go on from --out's checkpoint.pt if there is one")
    p.add_argument("--eval-every", type=int, default=1000, help="steps between held-out checks; the best weights are kept")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--compile", action="store_true")
    p.add_argument("--init", help="start from the weights of this model.pt, or of a shipped world model's step.onnx")
    p.add_argument("--action-lr", type=float, default=1.0,
                   help="the action layer's learning rate as a multiple of --lr (a fine-tune that is mostly about actions)")
    p.add_argument("--action-drop", type=float, default=0.0,
                   help="share of clips trained with their actions zeroed (for guidance on actions at sampling)")
    p.add_argument("--push-share", type=float, default=0.0,
                   help="share of each batch drawn from clips with actions (push), the rest from all clips")
    p.add_argument("--tiny", action="store_true", help="a few steps of a tiny model on CPU (tests)")
    p.add_argument("--skip-export", action="store_true")
    p.add_argument("--eval-only", action="store_true", help="score the --init weights on the --sim-eval clips' report half, print it, stop")
    p.add_argument("--from", dest="source", help="export a model.pt trained elsewhere, or re-export a shipped step.onnx "
                   "(beside its manifest.json) in the current step form")
    p.add_argument("--name")
    p.add_argument("--temperature", type=float, help="the sampling to recommend in the manifest (config.sampling), chosen on held-out seeds")
    p.add_argument("--top-k", type=int)
    p.add_argument("--drafts", type=int, help="speculative drafts a step to recommend in the manifest (config.drafts), the fastest in bench/predict.bench.ts")
    p.add_argument("--prompt-guidance", type=float,
                   help="guidance on the prompt to recommend in the manifest (config.promptGuidance), chosen on held-out seeds")
    p.add_argument("--prompt-guidance-frames", type=int,
                   help="with --prompt-guidance: over the first this many generated latent frames only (config.promptGuidanceFrames)")
    p.add_argument("--prompt-guidance-from-frames", metavar="F:G[,F:G]",
                   help="prompt guidance G for requests with at least F conditioning frames, e.g. 9:2 "
                        "(config.promptGuidanceFromFrames; fewer frames get --prompt-guidance)")
    p.add_argument("--data-note", help="what the model trained on, for the manifest (export)")
    p.add_argument("--int8", action="store_true",
                   help="export the weight MatMuls with int8 weights (quantize_step.py; about half the bytes); --init reads them back")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    if a.tiny:
        a.width, a.layers, a.heads, a.steps, a.batch = 32, 2, 2, min(a.steps, 3), min(a.batch, 4)
    return a


def load_tokenizer(path, device):
    import importlib.util

    spec = importlib.util.spec_from_file_location("tokenizer_model", os.path.join(HERE, "..", "tokenizer", "model.py"))
    tm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tm)
    tok = tm.Tokenizer.from_state(torch.load(path, map_location="cpu"))
    with torch.no_grad():  # the weights the shipped ONNX files hold
        for prm in tok.parameters():
            prm.copy_(prm.half().float())
    return tok.to(device).eval()


def action_features(actions, latent_frames, per_latent=8):
    """[frames, 7] -> [latent_frames, 7 * per_latent]: latent 0 is frame 0's action, latent t the frames
    per_latent * (t - 1) + 1 .. per_latent * t."""
    out = np.zeros((latent_frames, per_latent * ACTION_DIM), dtype=np.float32)
    if actions is None:
        return out
    out[0, :ACTION_DIM] = actions[0]
    for t in range(1, latent_frames):
        chunk = actions[per_latent * t - per_latent + 1 : per_latent * t + 1]
        out[t, : chunk.size] = chunk.reshape(-1)
    return out


MIRRORED = {"left": "right", "right": "left"}


def object_patches(mask, ids, latents, per_latent, patch):
    """[latents, H, W] bools: the patches where a body in `ids` shows in any frame of the latent frame (latent 0 is
    frame 0 alone, latent t frames per_latent*(t-1)+1 .. per_latent*t, the tokenizer's causal grouping)."""
    on = np.isin(mask, ids)
    frames, height, width = on.shape
    out = np.zeros((latents, height // patch, width // patch), bool)
    for t in range(latents):
        part = on[0:1] if t == 0 else on[per_latent * (t - 1) + 1 : per_latent * t + 1]
        out[t] = part.reshape(len(part), height // patch, patch, width // patch, patch).any(axis=(0, 2, 4))
    return out


def clip_objects(d, grid, per_latent):
    """[L, H, W] bools of sample folder `d` for a token grid (L, H, W): the tokens whose patch shows a scored body
    (the sim's non-furniture bodies, the objects that object IoU tracks). All False for a folder without
    mask.npy and sample.json."""
    mask_path, sample_path = os.path.join(d, "mask.npy"), os.path.join(d, "sample.json")
    if not (os.path.exists(mask_path) and os.path.exists(sample_path)):
        return np.zeros(grid, bool)
    with open(sample_path) as f:
        ids = [b["id"] for b in json.load(f).get("bodies", []) if not b.get("furniture")]
    mask = np.load(mask_path)[: 1 + per_latent * (grid[0] - 1)]
    return object_patches(mask, ids, grid[0], per_latent, mask.shape[-1] // grid[2])


@torch.no_grad()
def tokenize_folder(folder, tok, model_args, device, limit=None, mirror=False):
    """Every sample of a sim npy folder -> token sequences [N, P + L*H*W], action features [N, L, 56], the
    samples' names, and which visual tokens show a scored object [N, L*H*W] (`clip_objects`).

    With `mirror`, clips without actions are also taken mirrored left to right (a mirrored world obeys the same
    physics; the caption's left and right swap): twice the training clips for the cost of the tokenizer. Push
    clips are not, since their actions are in world coordinates the mirror would not follow."""
    dirs = sorted(os.path.dirname(f) for f in glob.glob(os.path.join(folder, "**", "rgb.npy"), recursive=True))[:limit]
    L = model_args["grid"][0]
    per_latent = model_args["action_features"] // ACTION_DIM
    frames = 1 + per_latent * (L - 1)
    seqs, acts, names, objects = [], [], [], []

    def words(caption):
        return torch.tensor(prompt_tokens(caption, model_args["prompt_length"], model_args["vocab_words"]))

    for i in range(0, len(dirs), 32):
        group = dirs[i : i + 32]
        clips = [np.load(os.path.join(d, "rgb.npy"))[:frames] for d in group]
        x = torch.from_numpy(np.stack(clips)).to(device).permute(0, 4, 1, 2, 3).float() / 127.5 - 1
        idx = tok.fsq.to_indices(tok.encode(x)).flatten(1).cpu()  # [B, L*H*W]
        has_actions = [os.path.exists(os.path.join(d, "actions.npy")) for d in group]
        flipped = None
        if mirror and not all(has_actions):
            flipped = tok.fsq.to_indices(tok.encode(x.flip(-1))).flatten(1).cpu()
        for j, (d, row) in enumerate(zip(group, idx)):
            with open(os.path.join(d, "caption.txt")) as f:
                caption = f.read().strip()
            seqs.append(torch.cat([words(caption), row]))
            a = os.path.join(d, "actions.npy")
            acts.append(torch.from_numpy(action_features(np.load(a) if has_actions[j] else None, L, per_latent)))
            names.append(os.path.basename(d))
            shown = clip_objects(d, model_args["grid"], per_latent)
            objects.append(torch.from_numpy(shown).flatten())
            if flipped is not None and not has_actions[j]:
                swapped = re.sub(r"\b(left|right)\b", lambda m: MIRRORED[m.group(1)], caption)
                seqs.append(torch.cat([words(swapped), flipped[j]]))
                acts.append(torch.from_numpy(action_features(None, L, per_latent)))
                names.append(os.path.basename(d) + "-mirrored")
                objects.append(torch.from_numpy(np.ascontiguousarray(shown[..., ::-1])).flatten())
    return torch.stack(seqs), torch.stack(acts), names, torch.stack(objects)


def model_args_of(a):
    space = TOKEN_SPACES[a.token_space]
    return {"grid": space["grid"], "prompt_length": a.prompt_length, "vocab_words": 1024, "action_features": ACTION_DIM * space["per_latent"],
            "d": a.width, "layers": a.layers, "heads": a.heads, "qk_norm": True, "action_scale": list(ACTION_SCALE),
            "coupling": getattr(a, "coupling", 0), "mlp": getattr(a, "mlp", 0) or 4 * a.width}


def build(m, dropout=0.0):
    """A WorldModel from a checkpoint's model arguments (older ones lack the later keys)."""
    return WorldModel(m["grid"], m["prompt_length"], m["vocab_words"], m["action_features"], m["d"], m["layers"], m["heads"],
                      dropout=dropout, qk_norm=m.get("qk_norm", False), action_scale=m.get("action_scale"), coupling=m.get("coupling", 0),
                      mlp=m.get("mlp"))


def load_init(model, path, device, saved=None):
    """Start from another run's weights (`saved`, if already read from `path`). When that run scaled its actions
    otherwise, the action layer's input columns are rescaled so the model computes the same function it did."""
    if saved is None and path.endswith(".onnx"):
        # A shipped step.onnx with the manifest beside it, which names the action scale that its graph folds
        # in. Until 2026-12-06 every step.onnx was read as unscaled, so each run started from a shipped model
        # began with its action layer shrunk 2-50x (the held-out push clips' action gap 0.042 -> 0.001).
        saved, _ = state_of_export(path)
    elif saved is None:
        saved = torch.load(path, map_location="cpu")
    state, scale = dict(saved["model"]), saved.get("margs", {}).get("action_scale")  # the caller's stays as it was
    old_gain = action_gain(scale, model.action_features)
    state["action.weight"] = state["action.weight"].float() * old_gain / model.action_gain.cpu()
    state = deepen(state, model.layers)
    state = widen_mlp(state, model.mlp_width)
    state = widen_prompt(state, model.prompt_length)
    fresh = [k for k in model.state_dict() if k not in state and k.startswith("couple_")]
    if fresh:  # a model without the coupling: it starts adding nothing (couple_out is zero)
        state = dict(state, **{k: v.cpu() for k, v in model.state_dict().items() if k in fresh})
        print(f"added a coupling of rank {model.coupling} (starts adding nothing)", flush=True)
    model.load_state_dict({k: v.to(device) for k, v in state.items()})
    print(f"started from {path}", flush=True)


def widen_prompt(state, slots):
    """A state with `slots` prompt slots from one with fewer: the old slots keep their embeddings, each new one
    starts as a copy of the last old one (a slot that held a caption's last words or the empty word). Unlike
    deepening, this changes what the model computes: the new slots hold words (or empty ones) that it attends
    to, so the first steps after it relearn. Fewer slots than the state has is refused."""
    old = state["slot.weight"].shape[0]
    if old == slots:
        return state
    if old > slots:
        raise SystemExit(f"--init has {old} prompt slots, more than --prompt-length {slots}: give --prompt-length {old} or more")
    weight = state["slot.weight"]
    state = dict(state)
    state["slot.weight"] = torch.cat([weight, weight[-1:].expand(slots - old, -1)])
    print(f"widened the prompt {old} -> {slots} slots", flush=True)
    return state


def deepen(state, layers):
    """A state with `layers` blocks from one with fewer, computing the same function: the old blocks spread
    evenly (first stays first, last stays last), each new one a copy of the old block before it with its two
    output projections (attention's `out`, the MLP's last layer) zeroed, so it adds nothing to the residual
    stream until training moves those. The copy, rather than fresh weights, gives the new block's attention and
    MLP features that already mean something once its outputs open."""
    old = 1 + max(int(k.split(".")[1]) for k in state if k.startswith("blocks."))
    if old == layers:
        return state
    if old > layers:
        raise SystemExit(f"--init has {old} layers, more than --layers {layers}: give --layers {old} or more")
    at = [round(i * (layers - 1) / max(1, old - 1)) for i in range(old)]
    source = [max(i for i, p in enumerate(at) if p <= n) for n in range(layers)]
    grown = {k: v for k, v in state.items() if not k.startswith("blocks.")}
    for n, i in enumerate(source):
        for k, v in state.items():
            if k.startswith(f"blocks.{i}."):
                name = k.split(".", 2)[2]
                fresh = at[i] != n and name in ("out.weight", "out.bias", "mlp.2.weight", "mlp.2.bias")
                grown[f"blocks.{n}.{name}"] = torch.zeros_like(v) if fresh else v.clone()
    print(f"deepened {old} -> {layers} layers (old blocks at {at}; the others start as zero-output copies)", flush=True)
    return grown


def widen_mlp(state, hidden):
    """A state whose blocks' MLPs have `hidden` units from one with fewer, computing the same function: the old
    units keep their weights; each new unit gets fresh input weights (PyTorch's default initialisation for the
    layer, so features unlike the old ones) and a zero column in the MLP's output layer, so it adds nothing to
    the residual stream until training opens it. Fewer units than the state has is refused."""
    old = state["blocks.0.mlp.0.weight"].shape[0]
    if old == hidden:
        return state
    if old > hidden:
        raise SystemExit(f"--init has an MLP of {old} units, more than --mlp {hidden}: give --mlp {old} or more")
    grown = dict(state)
    for k in [k for k in state if k.endswith(".mlp.0.weight")]:
        block = k[: -len(".mlp.0.weight")]
        w, b, out = state[k], state[f"{block}.mlp.0.bias"], state[f"{block}.mlp.2.weight"]
        bound = 1 / math.sqrt(w.shape[1])  # nn.Linear's default: uniform within 1/sqrt(fan in)
        fresh = torch.empty(hidden - old, w.shape[1] + 1).uniform_(-bound, bound).to(w.dtype)
        grown[k] = torch.cat([w, fresh[:, 1:]])
        grown[f"{block}.mlp.0.bias"] = torch.cat([b, fresh[:, 0]])
        grown[f"{block}.mlp.2.weight"] = torch.cat([out, out.new_zeros(out.shape[0], hidden - old)], dim=1)
    print(f"widened the MLPs {old} -> {hidden} units (the new ones start with zero output)", flush=True)
    return grown


def acting(acts):
    """Indices of the clips that carry actions (push clips; the others' features are all zero)."""
    return torch.nonzero(acts.flatten(1).abs().sum(1) > 0).flatten()


@dataclasses.dataclass(frozen=True)
class SelfFeed:
    """What --self-feed draws: `share` of the clips, `passes` draws in a row at `temperature`, each such clip keeping
    one of `kept` true latent frames (1 or 3: the 1- and 9-frame conditioning of orbis predict)."""

    share: float
    passes: int = 1
    temperature: float = 0.7
    kept: tuple = (1,)


def conditioning_latents(per_latent):
    """Latent frames that 1 and 9 input frames fill (the first latent frame is 1 frame, each later one per_latent)."""
    return (1, 1 + 8 // per_latent)


def self_fed(model, x, acts, feed, g, generator=None):
    """x with the visual tokens after the conditioning frames of a share of its clips replaced by the model's own
    draws: each pass predicts every position at once given the previous pass's input (teacher-forced the first
    time), as a rollout would draw it given that history. Only the chosen clips go through the passes. No
    gradient flows through the draws. In training they are made in train mode, so dropout makes them a little
    noisier than the sampler's; evaluate's are not."""
    p, hw = model.prompt_length, model.grid[1] * model.grid[2]
    chosen = torch.rand(x.shape[0], generator=g) < feed.share
    kept = torch.tensor(feed.kept)[torch.randint(0, len(feed.kept), (x.shape[0],), generator=g)] * hw
    rows = torch.nonzero(chosen).flatten()
    if len(rows) == 0:
        return x
    swap = (torch.arange(x.shape[1] - p)[None] >= kept[rows][:, None]).to(x.device)
    rows = rows.to(x.device)
    given, actions = x[rows], acts[rows]
    fed = given
    with torch.no_grad():
        for _ in range(feed.passes):
            logits, _ = model(fed, 0, actions, model.empty_cache(len(rows), x.device))
            drawn = model.draw_tokens(logits[:, p - 1 : -1], feed.temperature, generator)
            fed = torch.cat([given[:, :p], torch.where(swap, drawn, given[:, p:])], dim=1)
    out = x.clone()
    out[rows] = fed
    return out


@dataclasses.dataclass
class Distill:
    """What --distill-guidance learns from: a frozen `teacher` (the --init weights) and the prompt guidance it is
    sampled with, scale `guidance` (src/predict/guidance.ts: asked + G * (asked - blank prompt), per digit), which
    makes up `weight` of each token's target; the true token makes up the rest."""

    teacher: WorldModel
    guidance: float
    weight: float = 0.5
    frames: int = 0  # > 0: the teacher's share only in latent frames 1..frames
    compiled: object = None  # torch.compile(teacher), tried first; dropped (said once) if it fails

    def shares(self, model, device):
        """The teacher's share of each visual position's target [L*H*W]."""
        L, H, W = model.grid
        frame = torch.arange(L * H * W, device=device) // (H * W)
        within = (frame >= 1) & (frame <= self.frames) if self.frames > 0 else torch.ones_like(frame, dtype=torch.bool)
        return within.float() * self.weight

    @torch.no_grad()
    def targets(self, x, acts):
        """The teacher's guided digit logits [B, S, sum(LEVELS)] for the visual tokens of x, fed as x is: with its
        prompt, and with the prompt blanked (a clip whose prompt is blank already gets the teacher's own)."""
        p = self.teacher.prompt_length
        blank = x.clone()
        blank[:, :p] = VISUAL_TOKENS
        args = torch.cat([x, blank]), 0, torch.cat([acts, acts]), self.teacher.empty_cache(2 * x.shape[0], x.device)
        both = None
        if self.compiled is not None:
            try:
                both, _ = self.compiled(*args)
            except Exception as error:
                print(f"the teacher's torch.compile failed ({type(error).__name__}: {error}); it runs eagerly", flush=True)
                self.compiled = None
        if both is None:
            both, _ = self.teacher(*args)
        asked, without = both[:, p - 1 : -1, : sum(LEVELS)].float().chunk(2)
        return asked + self.guidance * (asked - without)


def soft_digit_loss(model, features, target_logits):
    """Each token's cross-entropy against the distribution of target_logits, summed over its six digits (the
    digits independent: a coupled model is refused), flattened as digit_loss(reduction="none")."""
    loss, at = 0.0, 0
    for i, n in enumerate(LEVELS):
        logits = model.digit_logits(features, i, None, coupled=False).float()
        loss = loss - (torch.softmax(target_logits[..., at : at + n], -1) * torch.log_softmax(logits, -1)).sum(-1)
        at += n
    return loss.reshape(-1)


def batch_loss(model, seqs, acts, prompt_drop, g, device, corrupt=0.0, action_drop=0.0, changed_weight=0.0, feed=None,
               generator=None, object_weight=0.0, objects=None, distill=None):
    """Digit loss of next-token prediction. `corrupt` replaces that share of the visual input tokens with random
    ones (targets stay true), so the model learns to carry on from its own imperfect samples. `action_drop` zeroes
    that share of the clips' actions, so the model also knows a push clip without them: the other half of
    classifier-free guidance on actions (src/predict/guidance.ts). `changed_weight` W weighs each token whose
    target differs from the token at its place one latent frame earlier (what moves) 1 + W times as much as
    one that copies it, the weights normalized to a mean of 1. `object_weight` V adds V to the weight of each
    token whose patch shows a scored object (`objects` [B, L*H*W], from tokenize_folder). `feed` (a SelfFeed)
    first replaces the input of some clips' later frames with the model's own draws (`generator` their noise on
    the device). `distill` (a Distill) mixes its teacher's guided distribution into each token's target, fed the
    same input."""
    x = seqs.to(device)
    acts = acts.to(device)
    if action_drop > 0:
        keep = torch.rand(acts.shape[0], generator=g) >= action_drop
        acts = acts * keep.to(device, acts.dtype)[:, None, None]
    target = x[:, model.prompt_length :]
    x = x.clone()
    if prompt_drop > 0:
        drop = torch.rand(x.shape[0], generator=g) < prompt_drop
        x[drop.to(device), : model.prompt_length] = VISUAL_TOKENS
    if feed is not None and feed.share > 0:
        x = self_fed(model, x, acts, feed, g, generator)
    if corrupt > 0:
        visual = x[:, model.prompt_length :]
        noise = torch.rand(visual.shape, generator=g).to(device) < corrupt
        visual[noise] = torch.randint(0, VISUAL_TOKENS, (int(noise.sum()),), generator=g).to(device)
    logits, _ = model(x, 0, acts, model.empty_cache(x.shape[0], device))
    p = model.prompt_length
    weigh_objects = object_weight > 0 and objects is not None
    if distill is not None:
        taught = soft_digit_loss(model, logits[:, p - 1 : -1], distill.targets(x, acts))
        share = distill.shares(model, device).repeat(x.shape[0])
        per_token = (1 - share) * model.digit_loss(logits[:, p - 1 : -1], target, reduction="none") + share * taught
    if changed_weight > 0 or weigh_objects:
        hw = model.grid[1] * model.grid[2]
        changed = torch.zeros_like(target, dtype=torch.bool)
        changed[:, hw:] = target[:, hw:] != target[:, :-hw]
        weight = 1 + changed_weight * changed.float()
        if weigh_objects:
            weight = weight + object_weight * objects.to(device).float()
        weight = weight.reshape(-1)
        if distill is None:
            per_token = model.digit_loss(logits[:, p - 1 : -1], target, reduction="none")
        return (per_token * weight).sum() / weight.sum(), logits
    if distill is not None:
        return per_token.mean(), logits
    return model.digit_loss(logits[:, p - 1 : -1], target), logits


def rounded(metrics, digits=4):
    """Metrics for a log line: numbers rounded, lists of them too."""
    return {k: [round(x, digits) for x in v] if isinstance(v, list) else round(v, digits) for k, v in metrics.items()}


@torch.no_grad()
def evaluate(model, seqs, acts, device, feed=None, objects=None, distill=None):
    """Teacher-forced on held-out clips: digit loss, token accuracy, and the same for copying the previous latent
    frame's token at each position (what a world model must beat). With `feed` (a SelfFeed) also the loss when
    every clip's later frames are the model's own draws (fixed noise): what --self-feed trains and selects on.
    With `objects` (tokenize_folder's) also the loss and accuracy on the tokens that show a scored object, in the
    latent frames after the first: the tokens object IoU depends on. The changed and object tokens' accuracy is
    also given per latent frame after the first (`...ByFrame`), each predicted from the true frames before it:
    whether the model knows late what happens late, apart from how its own rollouts drift. With `distill` (a
    Distill) also `distilledDigitLoss`, the loss --distill-guidance trains (no prompt dropped) and selects on."""
    model.eval()
    loss = uncoupled = acc = copy = n = fed = object_loss = distilled = 0.0
    L, H, W = model.grid
    # Counts per latent frame after the first; the overall shares are their sums.
    by_frame = {k: torch.zeros(L - 1, dtype=torch.float64, device=device)
                for k in ("changedRight", "changed", "objectRight", "object")}
    if feed is not None:
        feed = dataclasses.replace(feed, share=1.0)
        g, dg = torch.Generator().manual_seed(0), torch.Generator(device=device).manual_seed(0)
    p = model.prompt_length

    def count(key, where):  # [B, (L-1)*H*W] bools -> per latent frame sums
        by_frame[key] += where.view(where.shape[0], L - 1, H * W).sum((0, 2)).double()

    for i in range(0, seqs.shape[0], 32):
        x, a = seqs[i : i + 32].to(device), acts[i : i + 32].to(device)
        logits, _ = model(x, 0, a, model.empty_cache(x.shape[0], device))
        target = x[:, p:]
        per_token = model.digit_loss(logits[:, p - 1 : -1], target, reduction="none").view(x.shape[0], -1)
        pred = model.argmax_tokens(logits[:, p - 1 : -1])
        if model.coupling:
            uncoupled += model.digit_loss(logits[:, p - 1 : -1], target, coupled=False).item() * x.shape[0]
        later = slice(H * W, None)  # latent frames after the first
        right = pred[:, later] == target[:, later]
        acc += right.float().mean().item() * x.shape[0]
        moved = target[:, H * W :] != target[:, : -H * W]  # tokens that differ from a latent frame earlier
        count("changedRight", right & moved)
        count("changed", moved)
        copy += (~moved).float().mean().item() * x.shape[0]
        if objects is not None:
            shown = objects[i : i + 32].to(device)[:, later]
            object_loss += per_token[:, later][shown].sum().item()
            count("objectRight", right & shown)
            count("object", shown)
        loss += per_token.mean().item() * x.shape[0]
        if feed is not None:
            fed += batch_loss(model, x, a, 0.0, g, device, feed=feed, generator=dg)[0].item() * x.shape[0]
        if distill is not None:
            distilled += batch_loss(model, x, a, 0.0, None, device, distill=distill)[0].item() * x.shape[0]
        n += x.shape[0]
    by_frame = {k: v.cpu() for k, v in by_frame.items()}
    total = {k: v.sum().item() for k, v in by_frame.items()}
    out = {"digitLoss": loss / n, "tokenAccuracy": acc / n, "copyPreviousFrameAccuracy": copy / n, "clips": int(n),
           "changedTokenAccuracy": total["changedRight"] / max(total["changed"], 1),
           "changedTokenShare": total["changed"] / max(n * (L - 1) * H * W, 1),
           "changedTokenAccuracyByFrame": (by_frame["changedRight"] / by_frame["changed"].clamp(min=1)).tolist()}
    if model.coupling:  # the same model's loss with its digits drawn independently: what the coupling adds
        out["uncoupledDigitLoss"] = uncoupled / n
    if feed is not None:
        out["selfFedDigitLoss"] = fed / n
    if distill is not None:
        out["distilledDigitLoss"] = distilled / n
    if total["object"]:
        out["objectDigitLoss"] = object_loss / total["object"]
        out["objectTokenAccuracy"] = total["objectRight"] / total["object"]
        out["objectTokenAccuracyByFrame"] = (by_frame["objectRight"] / by_frame["object"].clamp(min=1)).tolist()
    # Does it use the actions? The clips with actions, scored with their own and with another clip's.
    pushed = acting(acts)
    if len(pushed) > 1:
        x, a = seqs[pushed].to(device), acts[pushed].to(device)
        out["actionClipsLoss"] = batch_loss(model, x, a, 0.0, None, device)[0].item()
        out["actionClipsLossOtherActions"] = batch_loss(model, x, a.roll(len(pushed) // 2, 0), 0.0, None, device)[0].item()
    model.train()
    return out


class Pool:
    """The training clips as token sequences on the device; grows while sim chunks arrive (`--stream`) and is
    kept on disk (`--pool`) so a later call on the same machine goes on from it."""

    def __init__(self, device, mirror=False, visual=0):
        self.device, self.mirror, self.visual = device, mirror, visual  # visual: tokens a clip, after the prompt
        self.seqs = torch.zeros(0, 0, dtype=torch.long, device=device)
        self.acts = torch.zeros(0, 0, 0, device=device)
        self.acting = torch.zeros(0, dtype=torch.long, device=device)  # indices of the clips with actions
        self.objects = torch.zeros(0, 0, dtype=torch.bool, device=device)  # tokens that show a scored object
        self.chunks = []

    def __len__(self):
        return self.seqs.shape[0]

    def add(self, seqs, acts, objects=None):
        """Clips in; without `objects` (a pool saved before they were kept), none of their tokens count as
        showing an object."""
        if objects is None:
            objects = torch.zeros(seqs.shape[0], self.visual, dtype=torch.bool)
        seqs, acts, objects = seqs.to(self.device), acts.to(self.device), objects.to(self.device)
        self.objects = objects if len(self) == 0 else torch.cat([self.objects, objects])
        self.seqs = seqs if len(self) == 0 else torch.cat([self.seqs, seqs])
        self.acts = acts if self.acts.numel() == 0 else torch.cat([self.acts, acts])
        self.acting = acting(self.acts)

    def absorb(self, stream, tok, margs, limit=None):
        """Tokenizes every finished chunk (a sim npy folder `cNNN` beside its `cNNN.done`), then deletes its
        frames: raw clips are ~6 MB each, their tokens 700 bytes."""
        import shutil

        added = 0
        for done in sorted(glob.glob(os.path.join(stream, "*.done"))):
            folder = done[: -len(".done")]
            # A chunk is known by its folder's whole path: a pool carried into a new run (POOL_FROM) holds the
            # last run's chunks, whose names (c0000 ..) the new stream uses again. Keyed by name alone, every
            # new chunk looked absorbed (2026-12-06: a whole call trained on the carried pool, none added).
            # A folder already deleted was absorbed (pools saved before this kept bare names).
            name = os.path.abspath(folder)
            if name in self.chunks or not os.path.isdir(folder):
                continue
            seqs, acts, _, objects = tokenize_folder(folder, tok, margs, self.device, limit=limit, mirror=self.mirror)
            self.add(seqs, acts, objects)
            self.chunks.append(name)
            added += seqs.shape[0]
            shutil.rmtree(folder, ignore_errors=True)
        return added

    def save(self, path):
        torch.save({"seqs": self.seqs.to(torch.int32).cpu(), "acts": self.acts.half().cpu(), "objects": self.objects.cpu(),
                    "chunks": self.chunks}, path + ".tmp")
        os.replace(path + ".tmp", path)

    def load(self, path, length=None):
        """The pool saved at `path`; with `length`, refused unless its sequences have that many tokens (a pool made
        for another prompt length or token space: its captions were cut when it was tokenized)."""
        state = torch.load(path, map_location="cpu")
        if length is not None and len(state["seqs"]) and state["seqs"].shape[1] != length:
            raise SystemExit(f"the pool {path} holds {state['seqs'].shape[1]}-token sequences and this model takes "
                             f"{length} (another --prompt-length or --token-space): start without it (no POOL_FROM)")
        self.seqs, self.acts = torch.zeros(0, 0, dtype=torch.long, device=self.device), torch.zeros(0, 0, 0, device=self.device)
        if "objects" not in state and len(state["seqs"]):
            print(f"the pool {path} was saved before object tokens were kept: its clips show none (--object-weight "
                  "skips them)", flush=True)
        self.add(state["seqs"].long(), state["acts"].float(), state.get("objects"))
        self.chunks = state["chunks"]


def schedule(step, elapsed, total_seconds, warmup, floor=0.1):
    """Linear warm-up over `warmup` steps, then cosine from the peak to `floor` of it over the training seconds
    of the whole run (calls of one run add up through the checkpoint)."""
    progress = min(1.0, elapsed / total_seconds) if total_seconds else 0.0
    return min(1.0, (step + 1) / warmup) * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def main(a):
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    os.makedirs(a.out, exist_ok=True)
    margs = model_args_of(a)
    model = build(margs, a.dropout).to(device)
    action = [p for n, p in model.named_parameters() if n.startswith("action.")]
    coupling = [p for n, p in model.named_parameters() if n.startswith("couple_")]
    rest = [p for n, p in model.named_parameters() if not n.startswith(("action.", "couple_"))]
    groups = [{"params": rest, "mult": 1.0}, {"params": action, "mult": a.action_lr}]
    if coupling:
        groups.append({"params": coupling, "mult": a.coupling_lr})
    opt = torch.optim.AdamW(groups, lr=a.lr, betas=(0.9, 0.95), weight_decay=0.05)
    # What carries over between calls of one run: the step, the training seconds so far, the learning rate's
    # scale (halved after each divergence), the best held-out weights.
    run = {"step": 0, "elapsed": 0.0, "lr_scale": 1.0, "best": None, "samples": 0, "restarts": 0}
    ckpt = os.path.join(a.out, "checkpoint.pt")
    if a.resume and os.path.exists(ckpt):
        state = torch.load(ckpt, map_location=device)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        run = state["run"]
        print(f"resumed at step {run['step']} after {run['elapsed'] / 60:.1f} training minutes", flush=True)
    elif a.init:
        load_init(model, a.init, device)
    tok = load_tokenizer(a.tokenizer, device)
    t0 = time.time()
    pool = Pool(device, a.mirror, margs["grid"][0] * margs["grid"][1] * margs["grid"][2])
    if a.pool and os.path.exists(a.pool):
        pool.load(a.pool, model.length)
    if a.sim:
        seqs, acts, _, objects = tokenize_folder(a.sim, tok, margs, device, limit=8 if a.tiny else None, mirror=a.mirror)
        pool.add(seqs, acts, objects)
    if a.stream:
        pool.absorb(a.stream, tok, margs, limit=8 if a.tiny else None)
    ev = tokenize_folder(a.sim_eval, tok, margs, device, limit=8 if a.tiny else None) if a.sim_eval else None
    print(f"tokenized {len(pool)} training clips ({0 if ev is None else ev[0].shape[0]} held out) in {time.time() - t0:.1f} s", flush=True)
    sel = None
    if ev is not None:
        # Held-out rollouts split by seed: the lower half picks the weights to keep, the upper half is reported.
        seeds = sorted({n.split("-s")[-1].split("-")[0] for n in ev[2]})
        pick = torch.tensor([n.split("-s")[-1].split("-")[0] in seeds[: max(1, len(seeds) // 2)] for n in ev[2]])
        if 0 < int(pick.sum()) < len(ev[2]):
            sel = (ev[0][pick], ev[1][pick], ev[3][pick])
            ev = (ev[0][~pick], ev[1][~pick], [n for n, k in zip(ev[2], pick) if not k], ev[3][~pick])
    kept = conditioning_latents(TOKEN_SPACES[a.token_space]["per_latent"])
    drawing = SelfFeed(a.self_feed, a.self_feed_passes, a.self_feed_temperature, kept)
    feed = drawing if a.self_feed > 0 else None
    distill = None
    if a.distill_guidance > 0:
        if not (a.init or a.distill_teacher) or model.coupling or feed:
            raise SystemExit("--distill-guidance needs a teacher (--init or --distill-teacher) and neither --coupling nor --self-feed")
        # The --init weights (or --distill-teacher's), also when this call resumes a later checkpoint.
        teacher = build(margs).to(device)
        load_init(teacher, a.distill_teacher or a.init, device)
        distill = Distill(teacher.eval().requires_grad_(False), a.distill_guidance, a.distill_weight, a.distill_frames)
    # What picks the weights to keep.
    score = "distilledDigitLoss" if distill else "selfFedDigitLoss" if feed else "digitLoss"
    if a.eval_only:  # the self-fed loss too (evaluate feeds every clip), so a model trained without it compares
        m = evaluate(model, ev[0], ev[1], device, drawing, ev[3])
        print(json.dumps({"init": a.init, "heldOut": m}), flush=True)
        return
    if a.init and sel is not None and run["step"] == 0:
        m = evaluate(model, sel[0], sel[1], device, feed, sel[2], distill)
        print(f"step 0 (from --init) selection-set {json.dumps(rounded(m))}", flush=True)
    budget = a.minutes * 60 if a.minutes else None
    total = (a.total_minutes or a.minutes or 0) * 60
    if device == "cuda":
        print(f"fused attention: {'on' if model.use_fused_attention() else 'off (not available, or it disagreed)'}", flush=True)
        if distill:
            distill.teacher.use_fused_attention()
            # Eager, the teacher's two passes held a distilling call to 190 clips/s against 613 plain (2026-12-07).
            distill.compiled = torch.compile(distill.teacher) if a.compile and hasattr(torch, "compile") else None
    train_step = TrainStep(model, a.compile, device)
    g = torch.Generator().manual_seed(a.seed + run["step"])
    good = copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict())
    while a.stream and len(pool) == 0:  # the first chunk is still being simulated
        time.sleep(2)
        pool.absorb(a.stream, tok, margs, limit=8 if a.tiny else None)
    t0 = last_absorb = mark = time.time()
    ema = None

    def save_checkpoint():
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "run": run}, ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)

    while run["step"] < a.steps:
        now = time.time()
        if (budget and now - t0 > budget) or (total and run["elapsed"] >= total):
            break
        if a.stream and now - last_absorb > a.absorb_every:
            added = pool.absorb(a.stream, tok, margs)
            if added:
                # The tokenizing time is not training time; the log shows what each look at the stream costs.
                print(f"step {run['step']} pool {len(pool)} clips (+{added} in {time.time() - now:.1f} s)", flush=True)
            last_absorb = mark = time.time()
        step = run["step"]
        for group in opt.param_groups:
            group["lr"] = a.lr * group["mult"] * run["lr_scale"] * schedule(step, run["elapsed"], total, a.warmup)
        pick = torch.randint(0, len(pool), (a.batch,), generator=g).to(device)
        if a.push_share > 0 and len(pool.acting):
            n = round(a.push_share * a.batch)
            pick[:n] = pool.acting[torch.randint(0, len(pool.acting), (n,), generator=g).to(device)]
        loss, _ = train_step(lambda m: batch_loss(m, pool.seqs[pick], pool.acts[pick], a.prompt_drop, g, device, a.corrupt, a.action_drop,
                                                a.changed_weight, feed, object_weight=a.object_weight,
                                                objects=pool.objects[pick], distill=distill))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        run["step"] += 1
        run["samples"] += a.batch
        now = time.time()
        run["elapsed"] += now - mark  # training time only: absorbing chunks and held-out checks reset the mark
        mark = now
        if step % 200 == 0:
            value = loss.item()
            if not math.isfinite(value) or (ema is not None and step > a.warmup and value > ema + 1.5):
                # Back to the last good weights at half the rate: a spike like this once cost a whole run.
                model.load_state_dict(good[0])
                opt.load_state_dict(good[1])
                run["lr_scale"] /= 2
                run["restarts"] += 1
                print(f"step {step} loss {value:.4f} diverged (average {ema}): back to the last good weights, rate x{run['lr_scale']}", flush=True)
                ema = None
                continue
            ema = value if ema is None else 0.8 * ema + 0.2 * value
            print(f"step {step} loss {value:.4f} lr {opt.param_groups[0]['lr']:.2e} "
                  f"{run['samples'] / max(run['elapsed'], 1e-6):.0f} clips/s pool {len(pool)}", flush=True)
        if sel is not None and run["step"] % a.eval_every == 0:
            m = evaluate(model, sel[0], sel[1], device, feed, sel[2], distill)
            fed = f"self-fed {m['selfFedDigitLoss']:.4f} " if feed else f"distilled {m['distilledDigitLoss']:.4f} " if distill else ""
            print(f"step {run['step']} selection-set digit loss {m['digitLoss']:.4f} {fed}token accuracy {m['tokenAccuracy']:.4f} "
                  f"(copy {m['copyPreviousFrameAccuracy']:.4f}); action clips {m.get('actionClipsLoss', 0):.4f}, "
                  f"with other clips' actions {m.get('actionClipsLossOtherActions', 0):.4f}", flush=True)
            if run["best"] is None or m[score] < run["best"][0]:
                run["best"] = (m[score], run["step"], {k: v.detach().cpu().clone() for k, v in model.state_dict().items()})
            good = copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict())
            save_checkpoint()
            mark = time.time()
    seconds = run["elapsed"]
    save_checkpoint()
    if a.pool:
        pool.save(a.pool)
    best, final = run["best"], None
    if best is not None:
        final = evaluate(model, sel[0], sel[1], device, feed, sel[2], distill)[score]
        if best[0] < final:
            model.load_state_dict(best[2])
            print(f"keeping the weights of step {best[1]} (held-out {score} {best[0]:.4f} against {final:.4f} at the end)", flush=True)
    info = {"steps": run["step"], "keptStep": best[1] if best is not None and best[0] < final else run["step"],
            "seconds": round(seconds, 1), "clipsPerSecond": round(run["samples"] / max(seconds, 1e-6), 2),
            "tokensPerSecond": round(run["samples"] * pool.seqs.shape[1] / max(seconds, 1e-6)), "trainingClips": len(pool),
            "restarts": run["restarts"], "hardware": torch.cuda.get_device_name(0) if device == "cuda" else "cpu", "argv": sys.argv[1:]}
    torch.save({"model": model.state_dict(), "args": vars(a), "margs": margs, "info": info}, os.path.join(a.out, "model.pt"))
    metrics = evaluate(model, ev[0], ev[1], device, feed, ev[3], distill) if ev is not None else {}
    print(json.dumps({"trained": info, "heldOut": metrics}), flush=True)
    with open(os.path.join(a.out, "metrics.json"), "w") as f:
        json.dump({"trained": info, "heldOut": metrics}, f, indent=2)
    if not a.skip_export:
        export(model, a, info, metrics)


def export(model, a, info, metrics, single_cache=False):
    """step.onnx, its manifest and parity references in a.out. `single_cache` exports the cache as one `cache`
    input, the form of 2026-12-06's exports, for the runtime's test that it still reads them."""
    from export import round_to_fp16, sha256, with_fp16_storage  # training/tokenizer/export.py

    model = round_to_fp16(model.float().cpu().eval())
    path = os.path.join(a.out, "step.onnx")
    L, hd = model.grid[0], model.d // model.heads
    tokens = torch.tensor([prompt_tokens("a red ball falls", model.prompt_length, model.vocab_words) + [5, 77]])
    actions = torch.zeros(1, L, model.action_features)
    # Each cache input by its shape, symbolic where it varies: the example tensor, the dynamic axes and the
    # manifest all come from it.
    caches = ({"cache": [model.layers, 2, "batch", model.heads, "capacity", hd]} if single_cache else
              {f"{kind}.{i}": ["batch", model.heads, "capacity", hd] for i in range(model.layers) for kind in ("key", "value")})
    example = lambda dims: torch.zeros(*({"batch": 1, "capacity": model.length}.get(d, d) for d in dims))
    torch.onnx.export(
        FixedStep(with_fp16_storage(model)), (tokens, torch.tensor([0]), actions, *map(example, caches.values())), path,
        input_names=["tokens", "start", "actions", *caches], output_names=["logits", "fresh"],
        dynamic_axes={"tokens": {0: "batch", 1: "new"}, "actions": {0: "batch"},
                      **{n: {i: d for i, d in enumerate(dims) if isinstance(d, str)} for n, dims in caches.items()},
                      "logits": {0: "batch", 1: "new"}, "fresh": {2: "batch", 4: "new"}},
        opset_version=17, do_constant_folding=False,
    )
    int8 = getattr(a, "int8", False)
    if int8:  # the weights as int8 beside per-column scales; the parity reference below stays the float model's
        import onnx
        from quantize_step import quantize

        graph = onnx.load(path)
        print(f"{quantize(graph)} weight MatMuls to int8", flush=True)
        onnx.save(graph, path)
    # A parity reference: a prefill then one cached step, through PyTorch, for the ONNX Runtime check in TypeScript.
    with torch.no_grad():
        g = torch.Generator().manual_seed(11)
        seq = torch.tensor([prompt_tokens("a blue box slides down a ramp", model.prompt_length, model.vocab_words)])
        seq = torch.cat([seq, torch.randint(0, VISUAL_TOKENS, (1, 70), generator=g)], dim=1)
        act = torch.randn(1, L, model.action_features, generator=g) * 0.1
        first, cache = model(seq[:, :-1], 0, act, model.empty_cache(1))
        last, _ = model(seq[:, -1:], seq.shape[1] - 1, act, cache)
    np.save(os.path.join(a.out, "parity-tokens.npy"), seq.numpy().astype(np.int32))
    np.save(os.path.join(a.out, "parity-actions.npy"), act.numpy())
    np.save(os.path.join(a.out, "parity-logits.npy"), torch.stack([first[:, -1], last[:, -1]], dim=1).numpy())
    if model.coupling:  # the sampler's coupled logits of token 12345's digits at the last position, each given those before
        from world_model import to_digits

        digits = to_digits(torch.tensor(12345))
        with torch.no_grad():
            coupled = torch.cat([model.digit_logits(last[0, -1], i, digits[:i]) for i in range(len(LEVELS))])
        np.save(os.path.join(a.out, "parity-coupled.npy"), coupled.numpy())
    c = model.config()
    files = []
    if model.coupling:
        coupling = os.path.join(a.out, "coupling.json")
        with open(coupling, "w") as f:
            json.dump(model.coupling_tables(), f, separators=(",", ":"))
        files.append({"path": "coupling.json", "sha256": sha256(coupling), "bytes": os.path.getsize(coupling), "role": "coupling"})
    space = TOKEN_SPACES[getattr(a, "token_space", None) or "dv8x16x16"]  # checkpoints before --token-space: 8x16x16
    tokenizer = space["tokenizer"]
    shape = lambda *dims: list(dims)
    manifest = {
        "name": a.name or os.path.basename(os.path.abspath(a.out)),
        "version": "1",
        "family": "world-model",
        "description": f"autoregressive world model over {tokenizer} tokens: {c['layers']} layers, width {c['width']}, "
        f"{c['heads']} heads, MLPs of {model.mlp_width}; prompt of up to {c['promptLength']} hashed words; per-frame 7-D actions"
        + ("; int8 weights" if int8 else ""),
        "files": [{"path": "step.onnx", "sha256": sha256(path), "bytes": os.path.getsize(path), "role": "step",
                   "inputs": [{"name": "tokens", "dtype": "int64", "shape": shape("batch", "new")},
                              {"name": "start", "dtype": "int64", "shape": shape(1)},
                              {"name": "actions", "dtype": "float32", "shape": shape("batch", L, c["actionFeatures"])},
                              *({"name": n, "dtype": "float32", "shape": dims} for n, dims in caches.items())],
                   "outputs": [{"name": "logits", "dtype": "float32", "shape": shape("batch", "new", sum(LEVELS) + (len(LEVELS) - 1) * model.coupling)},
                               {"name": "fresh", "dtype": "float32", "shape": shape(c["layers"], 2, "batch", c["heads"], "new", c["headDim"])}]},
                  *files],
        "config": {"tokenizer": tokenizer, "size": [128, 128], **{k: v for k, v in c.items() if k != "width"},
                   **({"actionScale": list(model.action_scale)} if model.action_scale else {}),
                   "framesPerLatent": space["per_latent"], "levels": list(LEVELS), "basis": list(BASIS), "wordHash": "fnv1a32", "actionDim": ACTION_DIM,
                   # The runtime draws the patches a future keeps from the input's pixels (src/predict/keep.ts).
                   "keepUnchanged": True,
                   **({"drafts": a.drafts} if getattr(a, "drafts", None) is not None else {}),
                   **{key: getattr(a, name) for key, name in (("promptGuidance", "prompt_guidance"), ("promptGuidanceFrames", "prompt_guidance_frames"))
                      if getattr(a, name, None) is not None},
                   **({"promptGuidanceFromFrames": guidance_from_frames(a.prompt_guidance_from_frames)}
                      if getattr(a, "prompt_guidance_from_frames", None) else {}),
                   **({"sampling": {k: v for k, v in (("temperature", getattr(a, "temperature", None)), ("topK", getattr(a, "top_k", None))) if v is not None}}
                      if getattr(a, "temperature", None) is not None or getattr(a, "top_k", None) is not None else {})},
        "training": {"data": getattr(a, "data_note", None) or f"{info.get('trainingClips', 0)} orbis sim clips through {tokenizer}", "seed": a.seed,
                     "steps": info["steps"], "recipe": "training/world/train.py " + " ".join(info["argv"]),
                     "hardware": info["hardware"], "seconds": info["seconds"]},
        "metrics": {k: round(v, 4) for k, v in metrics.items() if isinstance(v, float)} | {"trainClipsPerSecond": info["clipsPerSecond"]},
        "evaluatedOn": f"{metrics.get('clips', 0)} held-out sim clips, teacher-forced" if metrics else "not evaluated",
        "license": "Apache-2.0",
    }
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(json.dumps({"out": a.out, **manifest["metrics"]}), flush=True)


def export_untrained(out, name, token_space="dv8x16x16", width=256, layers=6, heads=8, noise=0.0, single_cache=False,
                     prompt_length=16, coupling=0):
    """An untrained model of the recipe's architecture, exported like a trained one: for the runtime's parity
    test and the speed benchmark, neither of which depends on the weights. `noise` (a standard deviation) is
    added to every weight so that no two tensors are equal, as in a trained model: the ONNX export merges equal
    initializers (every fresh layer norm's), which a re-export from the ONNX file cannot split back."""
    torch.manual_seed(0)
    a = types.SimpleNamespace(out=out, name=name, seed=0, token_space=token_space, width=width, layers=layers, heads=heads,
                              prompt_length=prompt_length, coupling=coupling)
    os.makedirs(out, exist_ok=True)
    model = build(model_args_of(a))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * noise)
    export(model, a, {"steps": 0, "argv": ["untrained"], "hardware": "cpu", "seconds": 0.0, "clipsPerSecond": 0.0}, {}, single_cache)


def state_of_export(path):
    """A shipped world model's step.onnx and manifest.json as a checkpoint: its weights (FP16 values, exact),
    its architecture from the config and what its manifest says of its training. Re-exporting it in the
    current step form then computes the same function."""
    from onnx_weights import state_dict  # training/tokenizer/onnx_weights.py

    with open(os.path.join(os.path.dirname(os.path.abspath(path)), "manifest.json")) as f:
        manifest = json.load(f)
    c, t = manifest["config"], manifest["training"]
    weights = state_dict(path)
    space = next(k for k, v in TOKEN_SPACES.items() if v["tokenizer"] == c["tokenizer"])
    margs = {"grid": c["grid"], "prompt_length": c["promptLength"], "vocab_words": c["vocabWords"],
             "action_features": c["actionFeatures"], "d": c["heads"] * c["headDim"], "layers": c["layers"], "heads": c["heads"],
             "qk_norm": any(k.endswith(".qn.weight") for k in weights), "action_scale": c.get("actionScale"),
             "coupling": c.get("coupling", 0), "mlp": weights["blocks.0.mlp.0.weight"].shape[0]}
    if margs["coupling"]:  # the sampler's tables, beside the graph
        probe = WorldModel(margs["grid"], margs["prompt_length"], margs["vocab_words"], margs["action_features"], 8, 1, 1,
                           coupling=margs["coupling"])
        with open(os.path.join(os.path.dirname(os.path.abspath(path)), "coupling.json")) as f:
            probe.load_coupling_tables(json.load(f))
        weights.update({k: v for k, v in probe.state_dict().items() if k.startswith(("couple_embed.", "couple_out."))})
    recipe = t["recipe"].split()
    info = {"steps": t["steps"], "argv": recipe[1:], "hardware": t["hardware"], "seconds": t["seconds"],
            "clipsPerSecond": manifest["metrics"].get("trainClipsPerSecond", 0.0)}
    metrics = {k: v for k, v in manifest["metrics"].items() if k != "trainClipsPerSecond"}
    if "clips" not in metrics:
        found = re.match(r"(\d+) held-out", manifest.get("evaluatedOn", ""))
        if found:
            metrics["clips"] = int(found.group(1))
    args = {"seed": t["seed"], "token_space": space, "name": manifest["name"], "data_note": t["data"],
            "temperature": c.get("sampling", {}).get("temperature"), "top_k": c.get("sampling", {}).get("topK"),
            "drafts": c.get("drafts"), "prompt_guidance": c.get("promptGuidance"), "prompt_guidance_frames": c.get("promptGuidanceFrames"),
            "prompt_guidance_from_frames": ",".join(f"{f}:{g:g}" for f, g in c.get("promptGuidanceFromFrames", {}).items()) or None}
    return {"model": weights, "margs": margs, "info": info, "args": args}, metrics


EXPORT_OPTIONS = ("out", "name", "temperature", "top_k", "drafts", "prompt_guidance", "prompt_guidance_frames",
                  "prompt_guidance_from_frames", "data_note", "int8")


def guidance_from_frames(text):
    """--prompt-guidance-from-frames "9:2[,F:G]" as the manifest's {"9": 2.0}: whole frame counts from 1, scales from 0."""
    out = {}
    for part in text.split(","):
        frames, _, scale = part.partition(":")
        try:
            f, g = int(frames), float(scale)
        except ValueError:
            f, g = 0, -1.0
        if f < 1 or not g >= 0:
            raise SystemExit(f"--prompt-guidance-from-frames: \"{part}\" is not FRAMES:SCALE (e.g. 9:2)")
        out[str(f)] = g
    return dict(sorted(out.items(), key=lambda kv: int(kv[0])))


def from_checkpoint(a):
    """Export a model.pt trained elsewhere, or re-export a shipped step.onnx, to --out."""
    source = a.source
    if source.endswith(".onnx"):
        state, metrics = state_of_export(source)
        for k, v in state["args"].items():  # what the model is (seed, token space) from its manifest; the rest unless given
            if k in ("seed", "token_space") or getattr(a, k, None) is None:
                setattr(a, k, v)
    else:
        state = torch.load(source, map_location="cpu")
        # The checkpoint's training arguments say what the model is; the export's own options stay as given
        # (a checkpoint trained after --drafts existed carries drafts=None, which once overwrote --drafts).
        for k, v in state["args"].items():
            if k not in EXPORT_OPTIONS:
                setattr(a, k, v)
        a.source = None
        metrics = {}
        measured = os.path.join(os.path.dirname(os.path.abspath(source)), "metrics.json")  # from where it trained
        if os.path.exists(measured):
            with open(measured) as f:
                metrics = json.load(f).get("heldOut", {})
    os.makedirs(a.out, exist_ok=True)
    model = build(state["margs"])  # models before query/key norms or action scales lack them
    model.load_state_dict({k: v.float() for k, v in state["model"].items()})
    export(model, a, state["info"], metrics)

if __name__ == "__main__":
    parsed = args()
    if parsed.source:
        from_checkpoint(parsed)
    else:
        main(parsed)
