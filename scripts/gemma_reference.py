#!/usr/bin/python3
"""Independent numeric reference for Penjing's Gemma 1/2/3 text models.

Builds tiny random checkpoints in Hugging Face layout (config.json + safetensors, norm
weights stored as offsets w with multiplier 1 + w), runs the Gemma forward pass written
from the formulas in shared/reference/gemma.md in plain torch float64, and writes the
logits. Nothing here reads Penjing's TypeScript; agreement between the two is the test.

Regenerate (Debian's interpreter, which has python3-torch; not the pyenv python3):

    apt-get install -y python3-torch libopenblas0-pthread python3-numpy
    /usr/bin/python3 scripts/gemma_reference.py            # writes tests/fixtures/gemma/<case>/
    /usr/bin/python3 scripts/gemma_reference.py --check    # only the self-checks, writes nothing

Each case directory holds config.json, the safetensors file(s), reference.json =
{tokens [batch][seq], shape [batch, seq, vocab], logits (flat, row-major), ...} and for
some cases flax_params.safetensors (the same weights in official Flax naming/layout).

Numerics the model under test must match (all asserted only to 1e-4 relative):
- embedding scale s = sqrt(D) rounded to float32 (the activation dtype of an f32 run);
- RMSNorm y = x / sqrt(mean(x^2) + eps) * (1 + w), also for the per-head q/k norms (Gemma 3);
- RoPE split-half; local layers use the local base and no scaling; global layers the global
  base and positions divided by the linear factor; positions are 0..T-1 (tokens never
  contain the pad id 0);
- queries scaled by query_pre_attn_scalar^-0.5; attention soft cap cap*tanh(s/cap) BEFORE
  the mask; causal mask s <= t, local layers also s > t - W;
- GeGLU with tanh-GELU: gelu_tanh(h Wgate^T) * (h Wup^T), then Wdown;
- Gemma 1's HF "post_attention_layernorm" is the pre-FFW norm;
- final norm, tied (or lm_head) decode, final soft cap.
"""
import argparse
import json
import math
import os
import shutil
import struct
import sys

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
OUT = os.path.join(ROOT, 'tests', 'fixtures', 'gemma')

# ----------------------------------------------------------------------------- cases
# Each case: an HF config (exactly what goes into config.json), how to store the weights,
# and the token batch. Sizes are tiny so that all fixtures stay well under 2 MB.

CASES = [
    dict(
        name='gemma1_mqa',
        about='Gemma 1, MQA (1 kv head), all global layers, F32, batch 2; flax_params with kv_einsum [2,1,D,H] and gating [2,D,F]',
        config=dict(model_type='gemma', architectures=['GemmaForCausalLM'], vocab_size=96, hidden_size=32,
                    intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=1,
                    head_dim=12, hidden_act='gelu', hidden_activation=None, max_position_embeddings=64,
                    rms_norm_eps=1e-6, rope_theta=10000.0, attention_bias=False, attention_dropout=0.0,
                    bos_token_id=2, eos_token_id=1, pad_token_id=0, tie_word_embeddings=True, torch_dtype='float32'),
        batch=2, seq=12, dtype='F32', flax=dict(transpose_gating_einsum=False, extra_vocab_rows=0),
    ),
    dict(
        name='gemma1_mha',
        about='Gemma 1, MHA (kv heads = heads), F32, batch 1; flax_params with qkv_einsum [3,N,D,H]',
        config=dict(model_type='gemma', vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                    num_attention_heads=4, num_key_value_heads=4, head_dim=8, hidden_act='gelu',
                    max_position_embeddings=64, rms_norm_eps=1e-6, rope_theta=10000.0, bos_token_id=2,
                    eos_token_id=1, pad_token_id=0, tie_word_embeddings=True),
        batch=1, seq=10, dtype='F32', flax=dict(transpose_gating_einsum=False, extra_vocab_rows=0),
    ),
    dict(
        name='gemma2_gqa',
        about=('Gemma 2, GQA 4 query heads / 2 kv heads, layers local/global/local with window 4 < seq, '
               'attention cap 2 and final cap 5 (each changes the result), query_pre_attn_scalar 20 != head_dim 10, '
               'batch 2; flax_params with 8 padding vocabulary rows and gating [2,F,D]'),
        config=dict(model_type='gemma2', architectures=['Gemma2ForCausalLM'], vocab_size=80, hidden_size=32,
                    intermediate_size=48, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
                    head_dim=10, hidden_activation='gelu_pytorch_tanh', max_position_embeddings=64,
                    rms_norm_eps=1e-6, rope_theta=10000.0, attention_bias=False, attention_dropout=0.0,
                    query_pre_attn_scalar=20, sliding_window=4, sliding_window_size=4,
                    attn_logit_softcapping=2.0, final_logit_softcapping=5.0, cache_implementation='hybrid',
                    bos_token_id=2, eos_token_id=1, pad_token_id=0, tie_word_embeddings=True, torch_dtype='float32'),
        batch=2, seq=14, dtype='F32', flax=dict(transpose_gating_einsum=True, extra_vocab_rows=8),
        weight_scale=2.0,
    ),
    dict(
        name='gemma2_untied',
        about='Gemma 2 with an explicit lm_head.weight (tie_word_embeddings false), caps set to null, new-style layer_types',
        config=dict(model_type='gemma2', vocab_size=64, hidden_size=32, intermediate_size=40, num_hidden_layers=2,
                    num_attention_heads=2, num_key_value_heads=1, head_dim=16, hidden_activation='gelu_pytorch_tanh',
                    max_position_embeddings=64, rms_norm_eps=1e-6, rope_theta=10000.0, query_pre_attn_scalar=16,
                    sliding_window=3, layer_types=['sliding_attention', 'full_attention'],
                    attn_logit_softcapping=None, final_logit_softcapping=None, bos_token_id=2, eos_token_id=1,
                    pad_token_id=0, tie_word_embeddings=False),
        batch=1, seq=10, dtype='F32',
    ),
    dict(
        name='gemma3_text',
        about=('Gemma 3 text: qk-norm, local base 1e4 and global base 1e6, linear RoPE scaling x4 on the global '
               'layer only, sliding_window_pattern 3 (layers local, local, global, local), window 5 < seq, '
               'batch 1; flax_params with _query_norm/_key_norm and gating [2,F,D]'),
        config=dict(model_type='gemma3_text', architectures=['Gemma3ForCausalLM'], vocab_size=64, hidden_size=32,
                    intermediate_size=48, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
                    head_dim=8, hidden_activation='gelu_pytorch_tanh', max_position_embeddings=128,
                    rms_norm_eps=1e-6, rope_theta=1000000.0, rope_local_base_freq=10000.0,
                    rope_scaling=dict(rope_type='linear', factor=4.0), query_pre_attn_scalar=8,
                    sliding_window=5, sliding_window_pattern=3, attn_logit_softcapping=None,
                    final_logit_softcapping=None, attention_bias=False, attention_dropout=0.0,
                    bos_token_id=2, eos_token_id=1, pad_token_id=0, tie_word_embeddings=True, torch_dtype='float32'),
        batch=1, seq=16, dtype='F32', flax=dict(transpose_gating_einsum=True, extra_vocab_rows=0),
    ),
    dict(
        name='gemma3_bf16_sharded',
        about=('Gemma 3 text stored in BF16 across 3 shards with model.safetensors.index.json; layer_types '
               '(local, global), rope scaling x8; the reference uses the bf16-rounded weights, computed in float64'),
        config=dict(model_type='gemma3_text', vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                    num_attention_heads=2, num_key_value_heads=1, head_dim=16, hidden_activation='gelu_pytorch_tanh',
                    max_position_embeddings=128, rms_norm_eps=1e-6, rope_theta=1000000.0,
                    rope_local_base_freq=10000.0, rope_scaling=dict(rope_type='linear', factor=8.0),
                    query_pre_attn_scalar=16, sliding_window=4, layer_types=['sliding_attention', 'full_attention'],
                    bos_token_id=2, eos_token_id=1, pad_token_id=0, tie_word_embeddings=True, torch_dtype='bfloat16'),
        batch=2, seq=10, dtype='BF16', shards=3,
    ),
    dict(
        name='gemma3_multimodal_wrapper',
        about=('model_type gemma3 with a sparse text_config (rope_theta, rope_local_base_freq, query_pre_attn_scalar '
               '(256), sliding_window_pattern (6), rms_norm_eps, caps come from the Gemma3TextConfig defaults), weights '
               'under language_model.model. plus dummy vision tensors, eos [1, 106] at the top level, 6 layers '
               '(global = layer 5), batch 2'),
        config=dict(model_type='gemma3', architectures=['Gemma3ForConditionalGeneration'],
                    text_config=dict(model_type='gemma3_text', vocab_size=128, hidden_size=32, intermediate_size=48,
                                     num_hidden_layers=6, num_attention_heads=2, num_key_value_heads=1, head_dim=16,
                                     rope_scaling=dict(rope_type='linear', factor=8.0), sliding_window=4),
                    vision_config=dict(model_type='siglip_vision_model', hidden_size=16),
                    mm_tokens_per_image=256, boi_token_index=255999, eoi_token_index=256000,
                    image_token_index=262144, eos_token_id=[1, 106], initializer_range=0.02, torch_dtype='bfloat16',
                    transformers_version='4.50.0.dev0'),
        batch=2, seq=12, dtype='BF16', prefix='language_model.model.', lm_head_name=None,
        extra=('vision_tower.vision_model.embeddings.patch_embedding.bias', 'multi_modal_projector.mm_soft_emb_norm.weight'),
    ),
    dict(
        name='gemma3_multimodal_resaved',
        about=('the same weights and logits as gemma3_multimodal_wrapper, re-saved the transformers>=4.52 way: '
               'model.language_model. prefix, model.vision_tower.*, and a (tied, identical) lm_head.weight'),
        same_as='gemma3_multimodal_wrapper', prefix='model.language_model.', lm_head_name='lm_head.weight',
        extra=('model.vision_tower.vision_model.embeddings.patch_embedding.bias',
               'model.multi_modal_projector.mm_soft_emb_norm.weight'),
    ),
]

# HF text-config defaults used to fill the sparse gemma3 text_config (Gemma3TextConfig).
GEMMA3_TEXT_DEFAULTS = dict(vocab_size=262208, num_attention_heads=8, num_key_value_heads=4, head_dim=256,
                            query_pre_attn_scalar=256, rope_theta=1e6, rope_local_base_freq=1e4,
                            sliding_window=4096, sliding_window_pattern=6, rms_norm_eps=1e-6,
                            attn_logit_softcapping=None, final_logit_softcapping=None, rope_scaling=None,
                            tie_word_embeddings=True)

# ----------------------------------------------------------------------------- config


def model_spec(hf):
    """The HF config as the facts the forward pass needs (the reference's own parser)."""
    mt = hf['model_type']
    if mt == 'gemma3':
        c = dict(GEMMA3_TEXT_DEFAULTS)
        c.update(hf.get('text_config', {}))
        family = 'gemma3'
    else:
        c = dict(hf)
        family = {'gemma': 'gemma1', 'gemma2': 'gemma2', 'gemma3_text': 'gemma3'}[mt]
    L, H = c['num_hidden_layers'], c['head_dim']
    if family == 'gemma1':
        types = ['global'] * L
    elif 'layer_types' in c:
        types = ['local' if t == 'sliding_attention' else 'global' for t in c['layer_types']]
    elif family == 'gemma2':
        types = ['local' if i % 2 == 0 else 'global' for i in range(L)]
    else:
        p = c.get('sliding_window_pattern', 6)
        types = ['global' if (i + 1) % p == 0 else 'local' for i in range(L)]
    rs = c.get('rope_scaling') or {}
    return dict(
        family=family, V=c['vocab_size'], D=c['hidden_size'], F=c['intermediate_size'], L=L,
        N=c['num_attention_heads'], K=c['num_key_value_heads'], H=H,
        qpas=H if family == 'gemma1' else c['query_pre_attn_scalar'],
        types=types, window=c.get('sliding_window'),
        base_global=c.get('rope_theta', 10000.0),
        base_local=c.get('rope_local_base_freq', 10000.0) if family == 'gemma3' else c.get('rope_theta', 10000.0),
        scale_global=rs.get('factor', 1.0) if rs.get('rope_type', rs.get('type')) == 'linear' else 1.0,
        attn_cap=None if family == 'gemma1' else c.get('attn_logit_softcapping'),
        final_cap=None if family == 'gemma1' else c.get('final_logit_softcapping'),
        post_norms=family != 'gemma1', qk_norm=family == 'gemma3',
        eps=c.get('rms_norm_eps', 1e-6), tied=c.get('tie_word_embeddings', True),
    )

# ----------------------------------------------------------------------------- weights


def bf16_round(t):
    return t.to(torch.float32).to(torch.bfloat16).to(torch.float64)


def make_weights(spec, seed, dtype, weight_scale=1.0):
    """Semantic weights (HF orientation, y = x W^T), already rounded to the storage dtype."""
    g = torch.Generator().manual_seed(seed)
    V, D, F, N, K, H = spec['V'], spec['D'], spec['F'], spec['N'], spec['K'], spec['H']

    def normal(*shape, std):
        return torch.randn(*shape, generator=g) * std

    def norm_w(n):  # stored offsets; 1 + w must differ from 1 noticeably
        return normal(n, std=0.3)

    w = {'embed': normal(V, D, std=0.5), 'final_norm': norm_w(D)}
    if not spec['tied']:
        w['lm_head'] = normal(V, D, std=0.5)
    for i in range(spec['L']):
        p = f'layer{i}.'
        w[p + 'q'] = normal(N * H, D, std=weight_scale / math.sqrt(D))
        w[p + 'k'] = normal(K * H, D, std=weight_scale / math.sqrt(D))
        w[p + 'v'] = normal(K * H, D, std=1 / math.sqrt(D))
        w[p + 'o'] = normal(D, N * H, std=1 / math.sqrt(N * H))
        w[p + 'gate'] = normal(F, D, std=1 / math.sqrt(D))
        w[p + 'up'] = normal(F, D, std=1 / math.sqrt(D))
        w[p + 'down'] = normal(D, F, std=1 / math.sqrt(F))
        w[p + 'pre_attn_norm'] = norm_w(D)
        w[p + 'pre_ffw_norm'] = norm_w(D)
        if spec['post_norms']:
            w[p + 'post_attn_norm'] = norm_w(D)
            w[p + 'post_ffw_norm'] = norm_w(D)
        if spec['qk_norm']:
            w[p + 'q_norm'] = norm_w(H)
            w[p + 'k_norm'] = norm_w(H)
    if dtype == 'BF16':
        w = {k: bf16_round(v) for k, v in w.items()}
    else:
        w = {k: v.to(torch.float32).to(torch.float64) for k, v in w.items()}
    return w


def hf_names(spec, w, prefix='model.', lm_head_name='lm_head.weight'):
    """Semantic weights -> HF tensor names (Gemma 1's post_attention_layernorm is the pre-FFW norm)."""
    g1 = spec['family'] == 'gemma1'
    out = {prefix + 'embed_tokens.weight': w['embed'], prefix + 'norm.weight': w['final_norm']}
    if 'lm_head' in w:
        out['lm_head.weight'] = w['lm_head']
    elif lm_head_name:
        out[lm_head_name] = w['embed']
    for i in range(spec['L']):
        s, p = f'layer{i}.', f'{prefix}layers.{i}.'
        m = {'q': 'self_attn.q_proj', 'k': 'self_attn.k_proj', 'v': 'self_attn.v_proj', 'o': 'self_attn.o_proj',
             'q_norm': 'self_attn.q_norm', 'k_norm': 'self_attn.k_norm', 'gate': 'mlp.gate_proj',
             'up': 'mlp.up_proj', 'down': 'mlp.down_proj', 'pre_attn_norm': 'input_layernorm',
             'pre_ffw_norm': 'post_attention_layernorm' if g1 else 'pre_feedforward_layernorm',
             'post_attn_norm': 'post_attention_layernorm', 'post_ffw_norm': 'post_feedforward_layernorm'}
        for k, hf in m.items():
            if s + k in w:
                out[p + hf + '.weight'] = w[s + k]
    return out


def flax_names(spec, w, transpose_gating, extra_vocab_rows, seed):
    """Semantic weights -> official Flax checkpoint names and layouts (gemma.md section 3)."""
    N, K, H, D = spec['N'], spec['K'], spec['H'], spec['D']
    emb = w['embed']
    if extra_vocab_rows:  # Flax Gemma 1/2 checkpoints pad the vocabulary with unused rows
        pad = torch.randn(extra_vocab_rows, D, generator=torch.Generator().manual_seed(seed + 7)) * 0.5
        emb = torch.cat([emb, pad.to(torch.float32).to(torch.float64)])
    out = {'transformer/embedder/input_embedding': emb, 'transformer/final_norm/scale': w['final_norm']}
    for i in range(spec['L']):
        s, p = f'layer{i}.', f'transformer/layer_{i}/'

        def heads(m, n):  # [n*H, D] -> [n, D, H]
            return m.reshape(n, H, D).permute(0, 2, 1)
        q, k, v = heads(w[s + 'q'], N), heads(w[s + 'k'], K), heads(w[s + 'v'], K)
        if K == N:
            out[p + 'attn/qkv_einsum/w'] = torch.stack([q, k, v])
        else:
            out[p + 'attn/q_einsum/w'] = q
            out[p + 'attn/kv_einsum/w'] = torch.stack([k, v])
        out[p + 'attn/attn_vec_einsum/w'] = w[s + 'o'].reshape(D, N, H).permute(1, 2, 0)
        gate, up = w[s + 'gate'], w[s + 'up']  # [F, D]
        out[p + 'mlp/gating_einsum/w'] = torch.stack([gate, up]) if transpose_gating else torch.stack([gate.T, up.T])
        out[p + 'mlp/linear/w'] = w[s + 'down'].T
        out[p + 'pre_attention_norm/scale'] = w[s + 'pre_attn_norm']
        out[p + 'pre_ffw_norm/scale'] = w[s + 'pre_ffw_norm']
        if spec['post_norms']:
            out[p + 'post_attention_norm/scale'] = w[s + 'post_attn_norm']
            out[p + 'post_ffw_norm/scale'] = w[s + 'post_ffw_norm']
        if spec['qk_norm']:
            out[p + 'attn/_query_norm/scale'] = w[s + 'q_norm']
            out[p + 'attn/_key_norm/scale'] = w[s + 'k_norm']
    return {k: v.contiguous() for k, v in out.items()}


def semantic_from_flax(spec, f, transpose_gating):
    """The inverse mapping, written separately, to check flax_names round-trips."""
    N, K, H, D = spec['N'], spec['K'], spec['H'], spec['D']
    w = {'embed': f['transformer/embedder/input_embedding'][:spec['V']], 'final_norm': f['transformer/final_norm/scale']}
    for i in range(spec['L']):
        s, p = f'layer{i}.', f'transformer/layer_{i}/'
        if p + 'attn/qkv_einsum/w' in f:
            q, k, v = f[p + 'attn/qkv_einsum/w']
        else:
            q = f[p + 'attn/q_einsum/w']
            k, v = f[p + 'attn/kv_einsum/w']
        w[s + 'q'] = q.permute(0, 2, 1).reshape(N * H, D)
        w[s + 'k'] = k.permute(0, 2, 1).reshape(K * H, D)
        w[s + 'v'] = v.permute(0, 2, 1).reshape(K * H, D)
        w[s + 'o'] = f[p + 'attn/attn_vec_einsum/w'].permute(2, 0, 1).reshape(D, N * H)
        g = f[p + 'mlp/gating_einsum/w']
        w[s + 'gate'], w[s + 'up'] = (g[0], g[1]) if transpose_gating else (g[0].T, g[1].T)
        w[s + 'down'] = f[p + 'mlp/linear/w'].T
        for name, fl in [('pre_attn_norm', 'pre_attention_norm'), ('pre_ffw_norm', 'pre_ffw_norm'),
                         ('post_attn_norm', 'post_attention_norm'), ('post_ffw_norm', 'post_ffw_norm'),
                         ('q_norm', 'attn/_query_norm'), ('k_norm', 'attn/_key_norm')]:
            if p + fl + '/scale' in f:
                w[s + name] = f[p + fl + '/scale']
    return w

# ----------------------------------------------------------------------------- forward


def rms_norm(x, w, eps):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * (1.0 + w)


def rope(x, pos, base, scale):
    """Split-half RoPE. x [B, T, heads, H], pos [T]."""
    H = x.shape[-1]
    j = torch.arange(H // 2, dtype=torch.float64)
    theta = pos[:, None] / (base ** (2 * j / H) * scale)          # [T, H/2]
    cos, sin = torch.cos(theta)[None, :, None, :], torch.sin(theta)[None, :, None, :]
    x1, x2 = x[..., :H // 2], x[..., H // 2:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1)


def gelu_tanh(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def softcap(x, cap):
    return x if cap is None else cap * torch.tanh(x / cap)


def embed_scale(D):
    # sqrt(D) rounded to the activation dtype, as flax and HF both do; an f32 run rounds to f32.
    return float(np.float32(math.sqrt(D)))


def forward(spec, w, tokens, window_override='keep', variant=None, soft_tokens=None, extra_visible=None):
    """Vectorised reference forward. tokens [B, T] int64 -> logits [B, T, V] float64.
    `variant` injects a plausible implementation mistake, to show the fixtures would catch it.
    `soft_tokens` = (where [B, T] bool, values [B, T, D]) replaces the scaled embeddings at
    those positions; `extra_visible` [B, T, T] bool is OR-ed into every layer's mask (Gemma 3
    image blocks, see gemma3_vision_reference.py)."""
    B, T = tokens.shape
    N, K, H = spec['N'], spec['K'], spec['H']
    eps = spec['eps']
    pos = torch.arange(T, dtype=torch.float64)
    x = w['embed'][tokens] * (1.0 if variant == 'no_embed_scale' else embed_scale(spec['D']))
    if soft_tokens is not None:
        x = torch.where(soft_tokens[0][..., None], soft_tokens[1], x)
    t_idx, s_idx = torch.arange(T)[:, None], torch.arange(T)[None, :]
    for i in range(spec['L']):
        s = f'layer{i}.'
        local = spec['types'][i] == 'local'
        h = rms_norm(x, w[s + 'pre_attn_norm'], eps)
        q = (h @ w[s + 'q'].T).reshape(B, T, N, H)
        k = (h @ w[s + 'k'].T).reshape(B, T, K, H)
        v = (h @ w[s + 'v'].T).reshape(B, T, K, H)
        if spec['qk_norm']:
            q, k = rms_norm(q, w[s + 'q_norm'], eps), rms_norm(k, w[s + 'k_norm'], eps)
        base = spec['base_local'] if local else spec['base_global']
        scale = 1.0 if local and variant != 'scale_local_too' else spec['scale_global']
        if variant == 'swap_bases':
            base = spec['base_global'] if local else spec['base_local']
        q, k = rope(q, pos, base, scale), rope(k, pos, base, scale)
        q = q * spec['qpas'] ** -0.5
        kv_of = torch.arange(N) // (N // K)                          # query head n reads kv head n // (N/K)
        if variant == 'gqa_modulo':
            kv_of = torch.arange(N) % K
        scores = torch.einsum('btnh,bsnh->bnts', q, k[:, :, kv_of])
        scores = softcap(scores, spec['attn_cap'])  # before the mask
        visible = s_idx <= t_idx
        W = spec['window'] if window_override == 'keep' else window_override
        if local and W is not None:
            visible = visible & (s_idx > t_idx - W)
        if extra_visible is not None:
            visible = visible | extra_visible[:, None]
        scores = scores.masked_fill(~visible, float('-inf'))
        probs = torch.softmax(scores, -1)
        o = torch.einsum('bnts,bsnh->btnh', probs, v[:, :, kv_of]).reshape(B, T, N * H)
        a = o @ w[s + 'o'].T
        if spec['post_norms']:
            a = rms_norm(a, w[s + 'post_attn_norm'], eps)
        x = x + a
        h = rms_norm(x, w[s + 'pre_ffw_norm'], eps)
        m = (gelu_tanh(h @ w[s + 'gate'].T) * (h @ w[s + 'up'].T)) @ w[s + 'down'].T
        if spec['post_norms']:
            m = rms_norm(m, w[s + 'post_ffw_norm'], eps)
        x = x + m
    x = rms_norm(x, w['final_norm'], eps)
    logits = x @ w.get('lm_head', w['embed']).T
    return softcap(logits, spec['final_cap'])


def forward_loops(spec, w, tokens):
    """A second, deliberately naive implementation (per batch, token and head loops, RoPE as
    2-D rotations of (x[j], x[j + H/2]) pairs) used only to cross-check `forward`."""
    B, T = tokens.shape
    N, K, H, D = spec['N'], spec['K'], spec['H'], spec['D']
    eps = spec['eps']
    out = torch.zeros(B, T, spec['V'])

    def norm(vec, wt):
        return vec / math.sqrt(float((vec * vec).mean()) + eps) * (1 + wt)

    def rot(vec, p, base, scale):
        r = vec.clone()
        for j in range(H // 2):
            ang = p / scale / base ** (2 * j / H)
            c, s_ = math.cos(ang), math.sin(ang)
            r[j] = vec[j] * c - vec[j + H // 2] * s_
            r[j + H // 2] = vec[j + H // 2] * c + vec[j] * s_
        return r

    for b in range(B):
        xs = [w['embed'][tokens[b, t]] * embed_scale(D) for t in range(T)]
        for i in range(spec['L']):
            s = f'layer{i}.'
            local = spec['types'][i] == 'local'
            base = spec['base_local'] if local else spec['base_global']
            scale = 1.0 if local else spec['scale_global']
            hs = [norm(x, w[s + 'pre_attn_norm']) for x in xs]
            qs, ks, vs = [], [], []
            for t in range(T):
                qt = (w[s + 'q'] @ hs[t]).reshape(N, H)
                kt = (w[s + 'k'] @ hs[t]).reshape(K, H)
                if spec['qk_norm']:
                    qt = torch.stack([norm(qt[n], w[s + 'q_norm']) for n in range(N)])
                    kt = torch.stack([norm(kt[n], w[s + 'k_norm']) for n in range(K)])
                qs.append(torch.stack([rot(qt[n], t, base, scale) for n in range(N)]) / math.sqrt(spec['qpas']))
                ks.append(torch.stack([rot(kt[n], t, base, scale) for n in range(K)]))
                vs.append((w[s + 'v'] @ hs[t]).reshape(K, H))
            new = []
            for t in range(T):
                heads = []
                for n in range(N):
                    g = n // (N // K)
                    keys = [u for u in range(t + 1) if not (local and u <= t - spec['window'])]
                    sc = torch.tensor([float(qs[t][n] @ ks[u][g]) for u in keys])
                    if spec['attn_cap'] is not None:
                        sc = spec['attn_cap'] * torch.tanh(sc / spec['attn_cap'])
                    p = torch.exp(sc - sc.max())
                    p = p / p.sum()
                    heads.append(sum(p[j] * vs[u][g] for j, u in enumerate(keys)))
                a = w[s + 'o'] @ torch.cat(heads)
                if spec['post_norms']:
                    a = norm(a, w[s + 'post_attn_norm'])
                x = xs[t] + a
                h = norm(x, w[s + 'pre_ffw_norm'])
                m = w[s + 'down'] @ (gelu_tanh(w[s + 'gate'] @ h) * (w[s + 'up'] @ h))
                if spec['post_norms']:
                    m = norm(m, w[s + 'post_ffw_norm'])
                new.append(x + m)
            xs = new
        for t in range(T):
            lg = w.get('lm_head', w['embed']) @ norm(xs[t], w['final_norm'])
            out[b, t] = lg if spec['final_cap'] is None else spec['final_cap'] * torch.tanh(lg / spec['final_cap'])
    return out

# ----------------------------------------------------------------------------- safetensors


def write_safetensors(path, tensors, dtype, metadata=None):
    """Minimal safetensors writer (the format is simple enough that no library is needed)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name, t in tensors.items():
        t32 = t.to(torch.float32).contiguous()
        if dtype == 'BF16':
            raw = t32.to(torch.bfloat16).view(torch.int16).numpy().astype('<i2').tobytes()
        else:
            raw = t32.numpy().astype('<f4').tobytes()
        header[name] = dict(dtype=dtype, shape=list(t.shape), data_offsets=[offset, offset + len(raw)])
        blobs.append(raw)
        offset += len(raw)
    hjson = json.dumps(header, separators=(',', ':')).encode()
    hjson += b' ' * ((8 - (8 + len(hjson)) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """Reads back what write_safetensors wrote (F32/BF16), as float64 tensors."""
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        b, end = e['data_offsets']
        if e['dtype'] == 'BF16':
            u16 = np.frombuffer(data[b:end], dtype='<u2').astype(np.uint32) << 16
            arr = u16.view(np.float32)
        else:
            arr = np.frombuffer(data[b:end], dtype='<f4')
        out[name] = torch.from_numpy(arr.astype(np.float64).reshape(e['shape']))
    return out


def write_shards(dirname, tensors, dtype, n_shards):
    names = list(tensors)
    per = math.ceil(len(names) / n_shards)
    weight_map, total = {}, 0
    for s in range(n_shards):
        part = names[s * per:(s + 1) * per]
        fname = f'model-{s + 1:05d}-of-{n_shards:05d}.safetensors'
        write_safetensors(os.path.join(dirname, fname), {k: tensors[k] for k in part}, dtype, {'format': 'pt'})
        for k in part:
            weight_map[k] = fname
            total += tensors[k].numel() * (2 if dtype == 'BF16' else 4)
    index = dict(metadata=dict(total_size=total), weight_map=dict(sorted(weight_map.items())))
    with open(os.path.join(dirname, 'model.safetensors.index.json'), 'w') as f:
        json.dump(index, f, indent=2)
        f.write('\n')

# ----------------------------------------------------------------------------- checks


def rel_err(a, b):
    return float((a - b).abs().max() / b.abs().max())


def self_checks(case, spec, w, tokens, logits):
    """Invariants and a second implementation; raises if anything is off."""
    notes = []
    loops = forward_loops(spec, w, tokens)
    assert rel_err(loops, logits) < 1e-12, f'{case["name"]}: loop implementation disagrees ({rel_err(loops, logits)})'
    # Causality: changing the last token leaves every earlier position unchanged.
    t2 = tokens.clone()
    t2[:, -1] = (t2[:, -1] % (spec['V'] - 1)) + 1 if t2[0, -1] != spec['V'] - 1 else 1
    l2 = forward(spec, w, t2)
    assert torch.equal(l2[:, :-1], logits[:, :-1]), 'later token changed earlier logits'
    assert not torch.equal(l2[:, -1], logits[:, -1])
    if spec['final_cap'] is not None:
        assert logits.abs().max() < spec['final_cap'], 'final soft cap bound violated'
    for cap in ('attn_cap', 'final_cap'):
        if spec[cap] is not None:
            d = rel_err(forward(dict(spec, **{cap: None}), w, tokens), logits)
            assert d > 0.05, f'{cap} barely changes the result ({d})'
            notes.append(f'{cap} {spec[cap]} changes logits by {d:.2f} of max |logits|')
    if 'local' in spec['types']:
        W = spec['window']
        assert W < tokens.shape[1], 'window must be shorter than the sequence'
        full = forward(spec, w, tokens, window_override=None)
        assert torch.equal(full[:, :W], logits[:, :W]), 'window changed positions inside it'
        d = rel_err(full, logits)
        assert d > 1e-3, f'sliding window has no effect ({d})'
        notes.append(f'sliding window changes logits by {d:.3f}')
    # Plausible implementation mistakes must move the logits well beyond the 1e-4 tolerance.
    mistakes = {'query scale by head_dim': (dict(spec, qpas=spec['H']), None, 'keep'),
                'window one wider': (spec, None, (spec['window'] or 0) + 1),
                'kv head n % K': (spec, 'gqa_modulo', 'keep'),
                'scaling local layers too': (spec, 'scale_local_too', 'keep'),
                'local/global bases swapped': (spec, 'swap_bases', 'keep'),
                'no embedding scale': (spec, 'no_embed_scale', 'keep')}
    for what, (sp, var, win) in mistakes.items():
        if ((what == 'query scale by head_dim' and spec['qpas'] == spec['H'])
                or (what == 'window one wider' and 'local' not in spec['types'])
                or (what == 'kv head n % K' and not 1 < spec['K'] < spec['N'])
                or (what == 'scaling local layers too' and (spec['scale_global'] == 1 or 'local' not in spec['types']))
                or (what == 'local/global bases swapped' and spec['base_local'] == spec['base_global'])):
            continue
        d = rel_err(forward(sp, w, tokens, window_override=win, variant=var), logits)
        assert d > 1e-3, f'{case["name"]}: the fixture cannot tell "{what}" apart ({d})'
        notes.append(f'"{what}" would be off by {d:.4f}')
    if spec['scale_global'] != 1.0:
        s2 = dict(spec, scale_global=1.0)
        d = rel_err(forward(s2, w, tokens), logits)
        assert d > 1e-4, 'rope scaling has no effect'
        notes.append(f'rope scaling changes logits by {d:.4f}')
    if spec['family'] == 'gemma3' and spec['base_local'] != spec['base_global']:
        s2 = dict(spec, base_global=spec['base_local'])
        d = rel_err(forward(s2, w, tokens), logits)
        assert d > 1e-4, 'global rope base has no effect'
        notes.append(f'global base 1e6 vs 1e4 changes logits by {d:.4f}')
    return notes

# ----------------------------------------------------------------------------- main


def fmt(x):
    return float(f'{x:.9g}')


def build(case, out_dir, check_only, cache):
    if 'same_as' in case:
        base = next(c for c in CASES if c['name'] == case['same_as'])
        case = {**base, **case}
    spec = model_spec(case['config'])
    seed = sum(map(ord, case.get('same_as', case['name'])))
    w = make_weights(spec, seed, case['dtype'], case.get('weight_scale', 1.0))
    g = torch.Generator().manual_seed(seed + 1)
    tokens = torch.randint(1, spec['V'], (case['batch'], case['seq']), generator=g)  # never the pad id 0
    logits = forward(spec, w, tokens)
    key = case.get('same_as', case['name'])
    if key in cache:
        assert torch.equal(cache[key], logits)
    cache[key] = logits
    notes = self_checks(case, spec, w, tokens, logits)

    ref = dict(case=case['name'], about=case['about'], weights_dtype=case['dtype'],
               tokens=tokens.tolist(), shape=list(logits.shape),
               tolerance='max|logits - reference| / max|reference| < 1e-4',
               embed_scale=embed_scale(spec['D']), layer_types=spec['types'], self_checks=notes)
    flax = case.get('flax')
    if flax:
        f = flax_names(spec, w, flax['transpose_gating_einsum'], flax['extra_vocab_rows'], seed)
        back = semantic_from_flax(spec, f, flax['transpose_gating_einsum'])
        assert all(torch.equal(back[k], w[k]) for k in w), 'flax layout does not round-trip'
        ref['flax'] = dict(file='flax_params.safetensors', transpose_gating_einsum=flax['transpose_gating_einsum'],
                           vocab_rows=spec['V'] + flax['extra_vocab_rows'],
                           note='compare the first vocab_size logits; extra rows are padding')
    ref['logits'] = [fmt(v) for v in logits.flatten().tolist()]
    print(f"{case['name']:28s} logits {tuple(logits.shape)} max|.| {float(logits.abs().max()):.3f}  " + '; '.join(notes))
    if check_only:
        return

    d = os.path.join(out_dir, case['name'])
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, 'config.json'), 'w') as fh:
        json.dump(case['config'], fh, indent=2)
        fh.write('\n')
    tensors = hf_names(spec, w, case.get('prefix', 'model.'), case.get('lm_head_name'))
    for name in case.get('extra', ()):
        tensors[name] = torch.tensor([-1.0, -0.5, 0.25, 1.0])  # stand-ins for vision weights a text loader must skip
    if case.get('shards'):
        write_shards(d, tensors, case['dtype'], case['shards'])
        back = {}
        for fn in sorted(os.listdir(d)):
            if fn.endswith('.safetensors'):
                back.update(read_safetensors(os.path.join(d, fn)))
    else:
        write_safetensors(os.path.join(d, 'model.safetensors'), tensors, case['dtype'], {'format': 'pt'})
        back = read_safetensors(os.path.join(d, 'model.safetensors'))
    assert all(torch.equal(back[k], tensors[k].to(torch.float64)) for k in tensors), 'stored weights differ from the reference'
    if flax:
        write_safetensors(os.path.join(d, 'flax_params.safetensors'), f, case['dtype'],
                          {'format': 'flax', 'transpose_gating_einsum': str(flax['transpose_gating_einsum']).lower()})
    with open(os.path.join(d, 'reference.json'), 'w') as fh:
        json.dump(ref, fh, separators=(',', ':'))
        fh.write('\n')


def write_readme(out_dir):
    doc = __doc__.split('Numerics the model under test must match')[1]
    lines = ['# Gemma reference fixtures', '',
             'Generated by `/usr/bin/python3 scripts/gemma_reference.py` (do not edit by hand). Each directory is a',
             'tiny random Hugging Face checkpoint plus `reference.json` = {tokens, shape [batch, seq, vocab], logits',
             '(flat, row-major), layer_types, embed_scale, about, flax?}. Pass criterion:',
             'max|logits - reference| / max|reference| < 1e-4.', '', '## Cases', '']
    for c in CASES:
        lines.append(f"- `{c['name']}`: {c['about']}")
    lines += ['', '## Numerics the model under test must match' + doc.rstrip()]
    with open(os.path.join(out_dir, 'README.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--check', action='store_true', help='run the self-checks only, write nothing')
    ap.add_argument('--out', default=OUT, help='output directory (default tests/fixtures/gemma)')
    args = ap.parse_args()
    torch.manual_seed(0)
    cache = {}
    for case in CASES:
        build(case, args.out, args.check, cache)
    if not args.check:
        write_readme(args.out)
        total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(args.out) for f in fs)
        print(f'wrote {args.out} ({total / 1e6:.2f} MB)')


if __name__ == '__main__':
    sys.exit(main())
