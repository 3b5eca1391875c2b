"""An autoregressive world model over the discrete tokenizer's tokens (see README.md for the contract).

A decoder-only transformer: pre-LayerNorm blocks, causal self-attention written out (so PyTorch 1.13 and
2.x export the same graph), a GELU MLP. Inputs are a prompt prefix of hashed words followed by the visual
tokens of L latent frames; each visual token enters as the sum of its six FSQ digits' embeddings and leaves
as six digit distributions (39 logits rather than 64,000, which keeps the model small). With `coupling` R > 0
(since 2026-12-07) each digit after the first also depends on the digits drawn before it in the same token:
its logits gain out_i(gelu(ctx_i + sum over j < i of embed_i[digit j])), where ctx_i (R numbers) is computed
from the position's hidden state by the graph and the small tables embed_i and out_i are applied by the
sampler. Without it the six digits of a token are drawn independently, so where the model hesitates between
two tokens (a ball's patch or the floor's) a draw can mix their digits into a token that is neither.
Positions are
absolute: prompt slots get a slot embedding, visual positions time + row + column embeddings. Per latent
frame action features are added to every position whose next token lies in that frame.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

VISUAL_TOKENS = 64000
LEVELS = (8, 8, 8, 5, 5, 5)
BASIS = (1, 8, 64, 512, 2560, 12800)
# Typical size of each action value (dx, dy, dz, droll, dpitch, dyaw, gripper) in the sim's push scenario: palm
# steps are ~0.02 m and turns ~0.03 rad a frame while the gripper spans 0..1, so unscaled the motion is ~40x
# quieter than the gripper at the input layer. Models built with it divide each value by its size.
ACTION_SCALE = (0.02, 0.02, 0.02, 0.03, 0.03, 0.03, 0.5)


def action_gain(action_scale, action_features):
    """What each action feature is multiplied by on the way in: 1 / its scale, repeated over the frames of a
    latent frame (all 1 for models built without a scale)."""
    scale = torch.tensor(action_scale or [1.0])
    return (1 / scale).repeat(action_features // len(scale))[:action_features]


def hash_word(word, vocab_words):
    """FNV-1a 32-bit of the word's UTF-8 bytes -> a word id in 1 .. vocab_words - 1 (0 is the empty slot)."""
    h = 2166136261
    for byte in word.encode("utf-8"):
        h ^= byte
        h = (h * 16777619) & 0xFFFFFFFF
    return 1 + h % (vocab_words - 1)


def prompt_tokens(text, prompt_length, vocab_words):
    import re

    words = [w for w in re.split(r"[^a-z0-9]+", (text or "").lower()) if w]
    if len(words) > prompt_length:
        words = words[:prompt_length]  # training captions may run long; the runtime refuses instead
    ids = [VISUAL_TOKENS + hash_word(w, vocab_words) for w in words]
    return ids + [VISUAL_TOKENS] * (prompt_length - len(ids))


class Block(nn.Module):
    def __init__(self, d, heads, hidden, dropout=0.0, qk_norm=True):
        """`hidden`: the MLP's hidden units (WorldModel resolves its default, 4 x d)."""
        super().__init__()
        self.heads, self.root = heads, math.sqrt(d // heads)  # the attention's scale, a plain number for export
        # Training may use PyTorch 2's fused attention (flash / memory-efficient kernels: memory linear in the
        # sequence, which the 2,320-token 4x8x8 sequences need); export and cached steps keep the written-out
        # form, which PyTorch 1.13 and 2.x export alike. Set by the trainer after it checks both agree.
        self.fused = False
        # Queries and keys layer-normalized per head: bounds the attention logits, whose growth made two runs
        # without it diverge (the loss back near uniform within 200 steps, even at a learning rate of 2e-6).
        self.qn = nn.LayerNorm(d // heads) if qk_norm else nn.Identity()
        self.kn = nn.LayerNorm(d // heads) if qk_norm else nn.Identity()
        self.drop = nn.Dropout(dropout)
        self.n1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.n2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, hidden), nn.GELU(), nn.Linear(hidden, d))

    def project(self, x):
        """Queries, keys and values of x [B, S, d], each [B, heads, S, hd]."""
        b, s, d = x.shape
        split = lambda z: z.reshape(b, s, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = self.qkv(self.n1(x)).chunk(3, dim=-1)
        return self.qn(split(q)), self.kn(split(k)), split(v)

    def finish(self, x, y):
        """The residual and MLP after attention; y [B, heads, S, hd]."""
        b, s, d = x.shape
        x = x + self.drop(self.out(y.transpose(1, 2).reshape(b, s, d)))
        return x + self.drop(self.mlp(self.n2(x)))

    def forward(self, x, past_k, past_v, mask):
        q, k, v = self.project(x)
        if self.fused and past_k.shape[2] == 0:
            return self.finish(x, F.scaled_dot_product_attention(q, k, v, is_causal=True)), k, v
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        scores = torch.matmul(q, k.transpose(-1, -2)) / self.root
        scores = scores.masked_fill(mask, float("-inf"))
        return self.finish(x, torch.matmul(torch.softmax(scores, dim=-1), v)), k, v

    def forward_fixed(self, x, cache_k, cache_v, cache_bias, new_bias):
        """One cached step against a cache [B, heads, T, hd] of any capacity T that is never copied: the new tokens
        attend to its valid positions and to each other (causally); returns x and the new keys and values
        only, for the caller to write into its cache. The masks come as biases (0 where a token may look, -inf
        where not) that are added to the scores: the same scores as selecting -inf where masked, and since
        2026-12-07 the graph's Add costs about a third of the Where it replaced (a step about a tenth faster on 2 cores)."""
        q, k, v = self.project(x)
        cached = torch.matmul(q, cache_k.transpose(-1, -2)) / self.root + cache_bias
        own = torch.matmul(q, k.transpose(-1, -2)) / self.root + new_bias
        p = torch.softmax(torch.cat([cached, own], dim=-1), dim=-1)
        t = cache_k.shape[2]
        return self.finish(x, torch.matmul(p[..., :t], cache_v) + torch.matmul(p[..., t:], v)), k, v


class WorldModel(nn.Module):
    def __init__(self, grid=(5, 8, 8), prompt_length=16, vocab_words=1024, action_features=56, d=256, layers=6, heads=8, dropout=0.0,
                 qk_norm=True, action_scale=None, coupling=0, mlp=None):
        super().__init__()
        self.coupling, self.mlp_width = coupling, mlp or 4 * d  # the MLP's hidden width
        self.qk_norm, self.action_scale = qk_norm, action_scale
        self.grid, self.prompt_length, self.vocab_words = tuple(grid), prompt_length, vocab_words
        self.action_features, self.d, self.layers, self.heads = action_features, d, layers, heads
        L, H, W = grid
        self.length = prompt_length + L * H * W
        self.digits = nn.ModuleList(nn.Embedding(n, d) for n in LEVELS)
        self.words = nn.Embedding(vocab_words, d)
        self.slot = nn.Embedding(prompt_length, d)
        self.time = nn.Embedding(L, d)
        self.row = nn.Embedding(H, d)
        self.col = nn.Embedding(W, d)
        self.action = nn.Linear(action_features, d)
        self.blocks = nn.ModuleList(Block(d, heads, self.mlp_width, dropout, qk_norm) for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, sum(LEVELS))
        if coupling:
            self.couple_in = nn.Linear(d, (len(LEVELS) - 1) * coupling)
            self.couple_embed = nn.ModuleList(nn.Embedding(sum(LEVELS[:i]), coupling) for i in range(1, len(LEVELS)))
            self.couple_out = nn.ModuleList(nn.Linear(coupling, LEVELS[i], bias=False) for i in range(1, len(LEVELS)))
        # Per absolute position: is it visual; its slot, time, row, column; the latent frame of the next token.
        p = torch.arange(self.length)
        j = (p - prompt_length).clamp(min=0)
        self.register_buffer("is_visual", p >= prompt_length, persistent=False)
        self.register_buffer("slot_of", p.clamp(max=prompt_length - 1), persistent=False)
        self.register_buffer("time_of", j // (H * W), persistent=False)
        self.register_buffer("row_of", (j % (H * W)) // W, persistent=False)
        self.register_buffer("col_of", j % W, persistent=False)
        nxt = (p + 1 - prompt_length).clamp(min=0, max=L * H * W - 1)
        self.register_buffer("next_time_of", nxt // (H * W), persistent=False)
        self.register_buffer("basis", torch.tensor(BASIS), persistent=False)
        self.register_buffer("levels", torch.tensor(LEVELS), persistent=False)
        self.register_buffer("action_gain", action_gain(action_scale, action_features), persistent=False)
        self.apply(self._init)
        if coupling:  # starts as the independent-digit model: the coupling adds nothing until trained
            for out in self.couple_out:
                nn.init.zeros_(out.weight)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def config(self):
        return {"grid": list(self.grid), "promptLength": self.prompt_length, "vocabWords": self.vocab_words,
                "actionFeatures": self.action_features, "layers": self.layers, "heads": self.heads,
                "headDim": self.d // self.heads, "width": self.d, **({"coupling": self.coupling} if self.coupling else {})}

    def use_fused_attention(self, on=True):
        """Switch every block to PyTorch 2's fused causal attention for cache-free passes (training), after
        checking on a random batch that it gives what the written-out form gives; returns whether it is on."""
        if not hasattr(F, "scaled_dot_product_attention"):
            on = False
        elif on:
            was = self.training
            self.eval()
            device = self.head.weight.device
            g = torch.Generator().manual_seed(0)
            tokens = torch.randint(0, VISUAL_TOKENS, (2, min(self.length, 128)), generator=g).to(device)
            actions = torch.randn(2, self.grid[0], self.action_features, generator=g).to(device) * 0.01
            with torch.no_grad():
                plain = self(tokens, 0, actions, self.empty_cache(2, device))[0]
                for blk in self.blocks:
                    blk.fused = True
                fused = self(tokens, 0, actions, self.empty_cache(2, device))[0]
            on = bool((plain - fused).abs().max() < 1e-3)
            self.train(was)
        for blk in self.blocks:
            blk.fused = on
        return on

    def empty_cache(self, batch, device="cpu"):
        return torch.zeros(self.layers, 2, batch, self.heads, 0, self.d // self.heads, device=device)

    def embed(self, tokens, start, actions):
        s = tokens.shape[1]
        pos = start + torch.arange(s, device=tokens.device)
        visual = self.is_visual[pos].view(1, s, 1)
        # Values of the other kind (a word where a visual token goes, or the reverse) wrap into range; the
        # `where` below keeps only the right kind's embedding.
        idx = torch.remainder(tokens, VISUAL_TOKENS)
        digits = torch.remainder(torch.div(idx.unsqueeze(-1), self.basis, rounding_mode="floor"), self.levels)
        e_visual = sum(emb(digits[..., i]) for i, emb in enumerate(self.digits))
        e_word = self.words(torch.remainder(tokens - VISUAL_TOKENS, self.vocab_words))
        where_visual = self.time(self.time_of[pos]) + self.row(self.row_of[pos]) + self.col(self.col_of[pos])
        e = torch.where(visual, e_visual + where_visual, e_word + self.slot(self.slot_of[pos]))
        return e + self.action(actions[:, self.next_time_of[pos]] * self.action_gain)

    def forward(self, tokens, start, actions, past):
        """tokens [B, S] at positions start.., actions [B, L, A], past [layers, 2, B, heads, T, hd] ->
        digit logits [B, S, 39] for each position's next token (with coupling, [B, S, 39 + 5R]: `features`),
        and the grown cache."""
        x, present = self.hidden(tokens, start, actions, past)
        return self.features(x), present

    def hidden(self, tokens, start, actions, past):
        """The last block's output [B, S, d] (before the final norm) and the grown cache."""
        x = self.embed(tokens, start, actions)
        s, t = tokens.shape[1], past.shape[4]
        rows = torch.arange(s, device=tokens.device).view(s, 1)
        cols = torch.arange(t + s, device=tokens.device).view(1, t + s)
        mask = cols > rows + t  # a new token sees the cache and the new tokens up to itself
        present = []
        for i, block in enumerate(self.blocks):
            x, k, v = block(x, past[i, 0], past[i, 1], mask)
            present.append(torch.stack([k, v]))
        return x, torch.stack(present)

    def features(self, x):
        """What a position gives the sampler: the 39 digit logits, then with coupling the 5 x R numbers ctx."""
        return self.features_of_hidden(self.norm(x))

    def features_of_hidden(self, h):
        return torch.cat([self.head(h), self.couple_in(h)], dim=-1) if self.coupling else self.head(h)

    def trunk(self, tokens, actions):
        """The final layer-normed hidden states [B, S, d] of whole sequences from position 0, without a cache."""
        return self.norm(self.hidden(tokens, 0, actions, self.empty_cache(tokens.shape[0], tokens.device))[0])

    def digit_logits(self, features, i, prefix, coupled=True):
        """Digit i's logits [..., LEVELS[i]] from features [..., F] and the token's digits before it [..., i]."""
        at = sum(LEVELS[:i])
        logits = features[..., at : at + LEVELS[i]]
        if not (self.coupling and coupled and i > 0):
            return logits
        r, base = self.coupling, sum(LEVELS)
        offsets = torch.tensor([sum(LEVELS[:j]) for j in range(i)], device=prefix.device)
        z = features[..., base + (i - 1) * r : base + i * r] + self.couple_embed[i - 1](prefix + offsets).sum(-2).to(features.dtype)
        return logits + self.couple_out[i - 1](F.gelu(z, approximate="tanh"))

    def digit_loss(self, features, targets, reduction="mean", coupled=True):
        """Cross-entropy summed over the six digits (each given the true digits before it, with coupling);
        features [..., F], targets [...] token indices; the mean over tokens, or with reduction="none" each
        token's, flattened. `coupled=False` scores the independent digits alone (what the coupling adds)."""
        digits = to_digits(targets)
        loss = 0.0
        for i, n in enumerate(LEVELS):
            logits = self.digit_logits(features, i, digits[..., :i], coupled)
            loss = loss + F.cross_entropy(logits.reshape(-1, n).float(), digits[..., i].reshape(-1), reduction=reduction)
        return loss

    def argmax_tokens(self, features):
        """The greedy token: each digit the most likely given those chosen before it."""
        return self.draw_tokens(features, 0.0)

    def draw_tokens(self, features, temperature, generator=None):
        """A token per position drawn digit by digit as the sampler draws it (each digit given those drawn before
        it, its logits divided by `temperature`; 0 is greedy), through the Gumbel-max trick so one batched
        argmax draws them all. Training feeds these back as input (--self-feed)."""
        digits = torch.zeros(*features.shape[:-1], 0, dtype=torch.long, device=features.device)
        for i in range(len(LEVELS)):
            logits = self.digit_logits(features, i, digits).float()
            if temperature > 0:
                u = torch.rand(logits.shape, generator=generator, device=logits.device).clamp_(1e-12, 1 - 1e-7)
                logits = logits / temperature - torch.log(-torch.log(u))
            digits = torch.cat([digits, logits.argmax(-1, keepdim=True)], dim=-1)
        return (digits * self.basis).sum(-1)

    def coupling_tables(self):
        """The tables the sampler applies (coupling.json): per digit i >= 1, embed [sum(LEVELS[:i]), R] (digit j's
        value v is row sum(LEVELS[:j]) + v) and out [LEVELS[i], R]."""
        return {"rank": self.coupling, "activation": "gelu-tanh",
                "digits": [{"embed": e.weight.detach().float().cpu().tolist(), "out": o.weight.detach().float().cpu().tolist()}
                           for e, o in zip(self.couple_embed, self.couple_out)]}

    def load_coupling_tables(self, tables):
        with torch.no_grad():
            for e, o, t in zip(self.couple_embed, self.couple_out, tables["digits"]):
                e.weight.copy_(torch.tensor(t["embed"]))
                o.weight.copy_(torch.tensor(t["out"]))


def to_digits(tokens):
    """Token indices [...] -> their six FSQ digits [..., 6]."""
    return torch.remainder(torch.div(tokens.unsqueeze(-1), torch.tensor(BASIS, device=tokens.device), rounding_mode="floor"),
                           torch.tensor(LEVELS, device=tokens.device))


class Step(nn.Module):
    """The step of the first exports (the first shipped world-dv8x16x16): logits of the last new position, and the
    whole grown cache back (`past` in, `present` out), so each step copies the cache in and out."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, tokens, start, actions, past):
        logits, present = self.model(tokens, start[0], actions, past)
        return logits[:, -1], present


class FixedStep(nn.Module):
    """The exported step since 2026-12-05: the caller keeps the key/value cache and passes it in, valid up to
    `start`. Since 2026-12-06 (late) as one input per layer and kind, `key.0`, `value.0`, `key.1`, .. each
    [B, heads, capacity, hd]; before as one `cache` [layers, 2, B, heads, capacity, hd], which the graph then
    split per layer with a copy of the whole cache every step (a quarter of a 33-token step over a 1,172-position
    cache on 2 CPU cores; the caller's buffer is the same, handed in as views). The capacity is symbolic in the
    export (since 2026-12-06), anything from `start + new` up to the model's whole sequence, so a caller may keep
    it near the filled length and grow it (every step's attention reads all of it). The step returns the logits
    of every new position [B, new, 39] (speculative decoding verifies drafts with them) and only the new
    positions' keys and values (`fresh` [layers, 2, B, heads, new, hd]), which the caller writes in at `start`.
    No step copies the cache: 3x faster than `Step` for the 2,320-token 4x8x8 sequences on 2 CPU cores, 1.3x
    for the 336-token 8x16x16 ones; a cache grown by blocks of 256 positions takes 1.4x off that for the 4x8x8
    ones."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, tokens, start, actions, *cache):
        m = self.model
        kv = cache if len(cache) > 1 else [cache[0][i, j] for i in range(m.layers) for j in range(2)]
        x = m.embed(tokens, start[0], actions)
        s, t = tokens.shape[1], kv[0].shape[2]
        cache_mask = torch.arange(t, device=tokens.device).view(1, t) >= start[0]
        new_mask = torch.arange(s, device=tokens.device).view(1, s) > torch.arange(s, device=tokens.device).view(s, 1)
        # Each mask once as an additive bias, shared by every layer (Block.forward_fixed).
        cache_bias = torch.zeros(1, t, device=tokens.device).masked_fill(cache_mask, float("-inf"))
        new_bias = torch.zeros(s, s, device=tokens.device).masked_fill(new_mask, float("-inf"))
        fresh = []
        for i, block in enumerate(m.blocks):
            x, k, v = block.forward_fixed(x, kv[2 * i], kv[2 * i + 1], cache_bias, new_bias)
            fresh.append(torch.stack([k, v]))
        return m.features(x), torch.stack(fresh)
