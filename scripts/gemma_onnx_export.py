#!/usr/bin/python3
"""Exports a Gemma 3 text checkpoint (Hugging Face safetensors) to ONNX through an
independent float32 torch model: the reference engine for `npm run bench -- jit`.

The model below is written from the published Gemma 3 architecture (shared/reference/gemma.md):
it reads nothing of Penjing's TypeScript, so agreement between the two is a test of both.

    bash scripts/install-system-deps.sh --reference      # Debian's python3-torch, once
    /usr/bin/python3 scripts/gemma_onnx_export.py CHECKPOINT_DIR OUT_DIR [--check TOKENS_JSON]

OUT_DIR receives
    prefill.onnx       input_ids [batch, seq] int64 -> logits [batch, seq, vocab]
    prefill_last.onnx  input_ids [batch, seq] int64 -> logits [batch, 1, vocab] (last position only)
    decode.onnx        input_ids [batch, 1], past_key_i / past_value_i [batch, kv_heads, past, head_dim]
                       for every layer i -> logits [batch, 1, vocab], present_key_i / present_value_i
                       (past + 1 positions); the new token's position is `past`
    manifest.json      torch version, exporter, opset, the checkpoint's config facts, the io names
    check.json         (with --check) torch's float32 logits for the tokens in TOKENS_JSON
                       ({"tokens": [[...], ...]}), to compare with Penjing eager
Existing files are replaced only when the export completes (written under *.partial first).

Exporter: torch's TorchScript-based `torch.onnx.export` (the legacy exporter, opset 17; it
needs neither onnx nor onnxscript and runs offline), with dynamic batch, sequence and past
axes. Every linear layer is a 2-D `Gemm` with transB = 1 on the stored [out, in] weights (see
GemmTransB), so each weight is stored once: the tied embedding is one initializer, read by the
Gather and the vocabulary Gemm.
"""
import argparse
import json
import math
import os
import shutil
import sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

OPSET = 17
PREFIXES = ('model.', 'language_model.model.', 'model.language_model.')

# ----------------------------------------------------------------------------- checkpoint


def read_tensor(path, info, data_start):
    """One tensor of a safetensors file as float32, read from its byte range."""
    dtype, shape = info['dtype'], info['shape']
    begin, end = info['data_offsets']
    count = int(np.prod(shape)) if shape else 1
    raw = np.fromfile(path, dtype=np.uint8, count=end - begin, offset=data_start + begin)
    if dtype == 'F32':
        values = raw.view('<f4')
    elif dtype == 'BF16':
        values = (raw.view('<u2').astype(np.uint32) << 16).view(np.float32)
    elif dtype == 'F16':
        values = raw.view('<f2').astype(np.float32)
    else:
        sys.exit(f'{path}: tensor dtype {dtype} is not a float dtype this exporter reads (F32, BF16, F16).')
    assert values.size == count, (path, info)
    return torch.from_numpy(values.astype(np.float32, copy=False).reshape(shape))


def read_checkpoint(ckpt_dir):
    """Every tensor of the checkpoint (single file or shards) by name, as float32."""
    index = os.path.join(ckpt_dir, 'model.safetensors.index.json')
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)['weight_map'].values()))
    else:
        files = ['model.safetensors']
    out = {}
    for name in files:
        path = os.path.join(ckpt_dir, name)
        with open(path, 'rb') as f:
            n = int.from_bytes(f.read(8), 'little')
            header = json.loads(f.read(n))
        header.pop('__metadata__', None)
        for tensor, info in header.items():
            out[tensor] = read_tensor(path, info, 8 + n)
    return out


def read_config(ckpt_dir):
    with open(os.path.join(ckpt_dir, 'config.json')) as f:
        hf = json.load(f)
    c = hf.get('text_config', hf) if hf.get('model_type') == 'gemma3' else hf
    if c.get('model_type', 'gemma3_text') != 'gemma3_text':
        sys.exit(f"{ckpt_dir}/config.json: model_type {hf.get('model_type')!r}; this exporter handles Gemma 3 text models "
                 "(gemma3_text, or gemma3 with a text_config).")
    L = c['num_hidden_layers']
    if c.get('layer_types'):
        local = [t == 'sliding_attention' for t in c['layer_types']]
    else:
        period = c.get('sliding_window_pattern', 6)
        local = [(i + 1) % period != 0 for i in range(L)]
    rs = c.get('rope_scaling') or {}
    linear = rs.get('rope_type', rs.get('type')) == 'linear'
    return dict(
        vocab=c['vocab_size'], dim=c['hidden_size'], hidden=c['intermediate_size'], layers=L,
        heads=c['num_attention_heads'], kv_heads=c['num_key_value_heads'], head_dim=c['head_dim'],
        query_pre_attn_scalar=c['query_pre_attn_scalar'], local=local, window=c['sliding_window'],
        rope_global=c.get('rope_theta', 1_000_000.0), rope_local=c.get('rope_local_base_freq', 10_000.0),
        rope_global_scale=rs['factor'] if linear else 1.0, eps=c.get('rms_norm_eps', 1e-6),
        attn_softcap=c.get('attn_logit_softcapping'), final_softcap=c.get('final_logit_softcapping'),
        tied=c.get('tie_word_embeddings', True),
    )

# ----------------------------------------------------------------------------- model


def frozen(t):
    return nn.Parameter(t.contiguous(), requires_grad=False)


class RMSNorm(nn.Module):
    """x · rsqrt(mean(x²) + eps) · (1 + w); the checkpoint stores w, the module holds 1 + w."""

    def __init__(self, offset, eps):
        super().__init__()
        self.scale = frozen(offset + 1.0)
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.scale


class GemmTransB(torch.autograd.Function):
    """x [M, in] · wᵀ for w [out, in], exported as one ONNX Gemm with transB = 1. torch's own
    linear exports as MatMul(x, Transpose(w)), which constant folding turns into a transposed
    second copy of every weight (and of the tied embedding, which the Gather also reads)."""

    @staticmethod
    def forward(ctx, x, w):
        return F.linear(x, w)

    @staticmethod
    def symbolic(g, x, w):
        return g.op('Gemm', x, w, transB_i=1)


def linear(x, weight):
    """x [..., in] · weightᵀ ([out, in]) as one 2-D Gemm."""
    lead = x.shape[:-1]
    return GemmTransB.apply(x.reshape(-1, x.shape[-1]), weight).reshape(*lead, weight.shape[0])


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


class Block(nn.Module):
    def __init__(self, w, p, cfg, i):
        super().__init__()
        eps = cfg['eps']
        self.cfg = cfg
        self.local = cfg['local'][i]
        self.pre_attn = RMSNorm(w[p + 'input_layernorm.weight'], eps)
        self.q = frozen(w[p + 'self_attn.q_proj.weight'])
        self.k = frozen(w[p + 'self_attn.k_proj.weight'])
        self.v = frozen(w[p + 'self_attn.v_proj.weight'])
        self.o = frozen(w[p + 'self_attn.o_proj.weight'])
        self.q_norm = RMSNorm(w[p + 'self_attn.q_norm.weight'], eps)
        self.k_norm = RMSNorm(w[p + 'self_attn.k_norm.weight'], eps)
        self.post_attn = RMSNorm(w[p + 'post_attention_layernorm.weight'], eps)
        self.pre_ffw = RMSNorm(w[p + 'pre_feedforward_layernorm.weight'], eps)
        self.gate = frozen(w[p + 'mlp.gate_proj.weight'])
        self.up = frozen(w[p + 'mlp.up_proj.weight'])
        self.down = frozen(w[p + 'mlp.down_proj.weight'])
        self.post_ffw = RMSNorm(w[p + 'post_feedforward_layernorm.weight'], eps)
        H = cfg['head_dim']
        base = cfg['rope_local'] if self.local else cfg['rope_global']
        scale = 1.0 if self.local else cfg['rope_global_scale']
        # 1 / (base^(2j/H) · scale) in double precision, rounded once to float32.
        inv = [1.0 / (base ** (2 * j / H) * scale) for j in range(H // 2)]
        self.register_buffer('inv_timescale', torch.tensor(inv, dtype=torch.float64).float(), persistent=False)

    def rope(self, x, positions):
        """Split-half rotary embedding of x [B, heads, T, H] at float positions [T]."""
        theta = positions[:, None] * self.inv_timescale[None, :]
        cos, sin = torch.cos(theta), torch.sin(theta)
        half = x.shape[-1] // 2
        x1, x2 = x[..., :half], x[..., half:]
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1)

    def forward(self, x, positions, visible, past_k=None, past_v=None):
        """x [B, T, D]; positions [T] (float); visible [T, S] bool over all S = past + T keys."""
        cfg = self.cfg
        B, T = x.shape[0], x.shape[1]
        N, K, H = cfg['heads'], cfg['kv_heads'], cfg['head_dim']
        h = self.pre_attn(x)
        q = self.q_norm(linear(h, self.q).reshape(B, T, N, H)).transpose(1, 2)
        k = self.k_norm(linear(h, self.k).reshape(B, T, K, H)).transpose(1, 2)
        v = linear(h, self.v).reshape(B, T, K, H).transpose(1, 2)
        q = self.rope(q, positions) * cfg['query_pre_attn_scalar'] ** -0.5
        k = self.rope(k, positions)
        if past_k is not None:
            k = torch.cat([past_k, k], 2)
            v = torch.cat([past_v, v], 2)
        # Query head n reads key/value head n // (N / K): group the query heads by kv head.
        G = N // K
        qg = q.reshape(B, K, G * T, H)
        scores = torch.matmul(qg, k.transpose(2, 3)).reshape(B, K, G, T, -1)
        if cfg['attn_softcap'] is not None:
            scores = torch.tanh(scores / cfg['attn_softcap']) * cfg['attn_softcap']
        scores = scores.masked_fill(~visible, float('-inf'))
        probs = torch.softmax(scores, -1).reshape(B, K, G * T, -1)
        o = torch.matmul(probs, v).reshape(B, N, T, H).transpose(1, 2).reshape(B, T, N * H)
        x = x + self.post_attn(linear(o, self.o))
        h = self.pre_ffw(x)
        m = linear(gelu_tanh(linear(h, self.gate)) * linear(h, self.up), self.down)
        return x + self.post_ffw(m), k, v


class Gemma3(nn.Module):
    def __init__(self, w, cfg):
        super().__init__()
        prefix = next((p for p in PREFIXES if p + 'embed_tokens.weight' in w), None)
        if prefix is None:
            sys.exit('no embed_tokens.weight under any of ' + ', '.join(PREFIXES))
        self.cfg = cfg
        self.embed = frozen(w[prefix + 'embed_tokens.weight'])
        self.unembed = self.embed if cfg['tied'] else frozen(w['lm_head.weight'])
        # sqrt(D) rounded to float32, the activation dtype.
        self.embed_scale = float(np.float32(math.sqrt(cfg['dim'])))
        self.blocks = nn.ModuleList(Block(w, f'{prefix}layers.{i}.', cfg, i) for i in range(cfg['layers']))
        self.final_norm = RMSNorm(w[prefix + 'norm.weight'], cfg['eps'])

    def masks(self, past, T):
        """(global, local) visibility [T, past + T]: causal; local layers also see only the last `window` keys."""
        t = torch.arange(T)[:, None] + past
        s = torch.arange(past + T)[None, :]
        causal = s <= t
        return causal, causal & (s > t - self.cfg['window'])

    def logits(self, x):
        out = linear(self.final_norm(x), self.unembed)
        cap = self.cfg['final_softcap']
        return out if cap is None else torch.tanh(out / cap) * cap

    def run(self, ids, past_kv, past):
        T = ids.shape[1]
        x = F.embedding(ids, self.embed) * self.embed_scale
        positions = (torch.arange(T) + past).float()
        glob, loc = self.masks(past, T)
        present = []
        for i, block in enumerate(self.blocks):
            pk, pv = past_kv[i] if past_kv else (None, None)
            x, k, v = block(x, positions, loc if block.local else glob, pk, pv)
            present.append((k, v))
        return x, present


class Prefill(nn.Module):
    def __init__(self, model, last_only):
        super().__init__()
        self.model, self.last_only = model, last_only

    def forward(self, input_ids):
        x, _ = self.model.run(input_ids, None, 0)
        return self.model.logits(x[:, -1:] if self.last_only else x)


class Decode(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, *past):
        pairs = [(past[2 * i], past[2 * i + 1]) for i in range(len(past) // 2)]
        x, present = self.model.run(input_ids, pairs, past[0].shape[2])
        return (self.model.logits(x), *[t for kv in present for t in kv])

# ----------------------------------------------------------------------------- export


def export(module, args, path, inputs, outputs, dynamic):
    partial = path + '.partial'
    with torch.no_grad():
        torch.onnx.export(module, args, partial, input_names=inputs, output_names=outputs, dynamic_axes=dynamic,
                          opset_version=OPSET, do_constant_folding=True)
    os.replace(partial, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('checkpoint')
    ap.add_argument('out')
    ap.add_argument('--check', help='JSON file {"tokens": [[...]]}: write torch logits for them to OUT/check.json')
    ap.add_argument('--graphs', default='prefill,prefill_last,decode')
    a = ap.parse_args()
    torch.set_grad_enabled(False)
    cfg = read_config(a.checkpoint)
    model = Gemma3(read_checkpoint(a.checkpoint), cfg).eval()
    os.makedirs(a.out, exist_ok=True)
    L, K, H = cfg['layers'], cfg['kv_heads'], cfg['head_dim']
    kv_names = [f'{kind}_{kv}_{i}' for i in range(L) for kv in ('key', 'value') for kind in ('past',)]
    present_names = [n.replace('past_', 'present_') for n in kv_names]
    io = {
        'prefill': (['input_ids'], ['logits']),
        'prefill_last': (['input_ids'], ['logits']),
        'decode': (['input_ids', *kv_names], ['logits', *present_names]),
    }
    ids = torch.tensor([[2, 5, 7, 11]], dtype=torch.int64)
    for g in a.graphs.split(','):
        path = os.path.join(a.out, f'{g}.onnx')
        if g in ('prefill', 'prefill_last'):
            dyn = {'input_ids': {0: 'batch', 1: 'seq'}, 'logits': {0: 'batch'} if g == 'prefill_last' else {0: 'batch', 1: 'seq'}}
            export(Prefill(model, g == 'prefill_last'), (ids,), path, *io[g], dyn)
        elif g == 'decode':
            past = tuple(torch.zeros(1, K, 3, H) for _ in kv_names)
            dyn = {'input_ids': {0: 'batch'}, 'logits': {0: 'batch'}}
            dyn.update({n: {0: 'batch', 2: 'past'} for n in kv_names})
            dyn.update({n: {0: 'batch', 2: 'past_plus_1'} for n in present_names})
            export(Decode(model), (ids[:, :1], *past), path, *io[g], dyn)
        else:
            sys.exit(f'unknown graph {g!r}; choose from {", ".join(io)}')
        print(f'wrote {path} ({os.path.getsize(path) / 1e6:.0f} MB)', flush=True)
    manifest = dict(torch=torch.__version__, exporter='torch.onnx.export (TorchScript), opset %d' % OPSET,
                    checkpoint=os.path.abspath(a.checkpoint), config=cfg,
                    io={g: dict(inputs=i, outputs=o) for g, (i, o) in io.items()})
    with open(os.path.join(a.out, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    if a.check:
        with open(a.check) as f:
            tokens = torch.tensor(json.load(f)['tokens'], dtype=torch.int64)
        logits = Prefill(model, False)(tokens)
        with open(os.path.join(a.out, 'check.json'), 'w') as f:
            json.dump(dict(tokens=tokens.tolist(), shape=list(logits.shape), logits=logits.flatten().tolist()), f)


if __name__ == '__main__':
    main()
