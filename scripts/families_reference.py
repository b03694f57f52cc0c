#!/usr/bin/python3
"""Independent float64 reference for @penjing/transformer's model families.

Writes tiny random checkpoints in the real Hugging Face layouts (config.json with the keys
real checkpoints carry + safetensors, single or sharded, F32/BF16/F16) and the logits of a
forward pass written here from the architectures' definitions in plain torch float64
(nothing here reads Penjing's code). Agreement between the two is the test.

    /usr/bin/python3 scripts/families_reference.py     # writes tests/fixtures/families/<case>/

Each case directory: config.json, weights, reference.json = {tokens [batch][seq],
shape [batch, seq, vocab], logits (flat, row-major), about}. Token rows contain id 0 as an
ordinary token (no id is padding in these families).

Semantics implemented (per family):
- llama/mistral/qwen2/qwen3: x + attn(rms(x)·w), + mlp(rms(·)·w); RMSNorm x/sqrt(mean x²+eps)·w;
  q/k/v/o as nn.Linear [out, in]; query head n reads kv head n // (N/K); RoPE rotate_half
  over head_dim with inv_j = 1/θ^(2j/d) (linear scaling: inv/factor; llama3: keep short
  wavelengths, divide long ones, blend between); scores q·k/sqrt(head_dim); causal mask,
  sliding window s > t - W; SwiGLU down(silu(gate x)·up x); final norm; tied or lm_head.
  qwen2 adds q/k/v biases; qwen3 RMS-normalises each head of q and k (weight [head_dim]) before RoPE.
- gpt2: x = wte[tok] + wpe[pos]; LayerNorm with bias; Conv1D weights [in, out]; c_attn
  columns [q|k|v]; gelu_new (tanh); tied head; ln_f.
- gpt_neox: parallel residual x + attn(ln1 x) + mlp(ln2 x); query_key_value rows
  [heads, 3, head_dim]; RoPE on the first int(head_dim·rotary_pct) dims with frequencies
  over those dims; exact GELU; final_layer_norm; untied embed_out.
"""
import json
import math
import os
import shutil
import struct

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
OUT = os.path.join(ROOT, 'tests', 'fixtures', 'families')

LLAMA_KEYS = dict(attention_dropout=0.0, initializer_range=0.02, pretraining_tp=1, use_cache=True,
                  transformers_version='4.45.0')

CASES = [
    dict(name='llama3_gqa_tied',
         about='Llama 3.x style: GQA 4/2, tied head, llama3 rope scaling touching all three bands, integer rope_theta, eos list, F32',
         config=dict(architectures=['LlamaForCausalLM'], model_type='llama', vocab_size=96, hidden_size=32,
                     intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                     head_dim=16, hidden_act='silu', max_position_embeddings=128, rms_norm_eps=1e-5,
                     rope_theta=10000, rope_scaling=dict(factor=8.0, low_freq_factor=1.0, high_freq_factor=8.0,
                                                         original_max_position_embeddings=64, rope_type='llama3'),
                     attention_bias=False, mlp_bias=False, bos_token_id=1, eos_token_id=[2, 3],
                     tie_word_embeddings=True, torch_dtype='float32', **LLAMA_KEYS),
         batch=2, seq=12, dtype='F32'),
    dict(name='llama_untied_bf16_sharded',
         about=('transformers>=5 re-save: rope_parameters {rope_type linear, factor 4, rope_theta} and dtype; '
                'MHA, untied lm_head, attention_bias (q/k/v/o biases), BF16 in 3 shards'),
         config=dict(architectures=['LlamaForCausalLM'], model_type='llama', vocab_size=80, hidden_size=32,
                     intermediate_size=40, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
                     hidden_act='silu', max_position_embeddings=64, rms_norm_eps=1e-6,
                     rope_parameters=dict(rope_type='linear', factor=4.0, rope_theta=10000.0),
                     attention_bias=True, mlp_bias=False, bos_token_id=1, eos_token_id=2,
                     tie_word_embeddings=False, dtype='bfloat16', **LLAMA_KEYS),
         batch=1, seq=10, dtype='BF16', shards=3),
    dict(name='mistral_window',
         about='Mistral: MQA (1 kv head), sliding_window 4 < seq 12 (each query sees exactly 4 keys incl. itself), untied',
         config=dict(architectures=['MistralForCausalLM'], model_type='mistral', vocab_size=64, hidden_size=32,
                     intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=1,
                     head_dim=8, hidden_act='silu', max_position_embeddings=64, rms_norm_eps=1e-5,
                     rope_theta=1000000.0, sliding_window=4, bos_token_id=1, eos_token_id=2,
                     tie_word_embeddings=False, torch_dtype='float32', attention_dropout=0.0,
                     initializer_range=0.02, use_cache=True, transformers_version='4.42.0'),
         batch=2, seq=12, dtype='F32'),
    dict(name='qwen2_bias',
         about='Qwen2: q/k/v biases (none on o_proj), sliding_window 32768 with use_sliding_window false (no window), GQA 4/2, tied',
         config=dict(architectures=['Qwen2ForCausalLM'], model_type='qwen2', vocab_size=72, hidden_size=32,
                     intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                     hidden_act='silu', max_position_embeddings=32768, max_window_layers=21, rms_norm_eps=1e-6,
                     rope_theta=1000000.0, sliding_window=32768, use_sliding_window=False, use_mrope=False,
                     bos_token_id=70, eos_token_id=71, tie_word_embeddings=True, torch_dtype='bfloat16',
                     attention_dropout=0.0, initializer_range=0.02, use_cache=True, transformers_version='4.43.1'),
         batch=2, seq=11, dtype='F32'),
    dict(name='qwen3_qknorm_bf16',
         about='Qwen3: head_dim 12 != hidden/heads 8, per-head q/k RMSNorm before RoPE, GQA 4/2, untied, BF16',
         config=dict(architectures=['Qwen3ForCausalLM'], model_type='qwen3', vocab_size=64, hidden_size=32,
                     intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                     head_dim=12, hidden_act='silu', max_position_embeddings=40960, max_window_layers=28,
                     rms_norm_eps=1e-6, rope_theta=1000000, rope_scaling=None, sliding_window=None,
                     use_sliding_window=False, attention_bias=False, bos_token_id=60, eos_token_id=61,
                     tie_word_embeddings=False, torch_dtype='bfloat16', attention_dropout=0.0,
                     initializer_range=0.02, use_cache=True, transformers_version='4.51.0'),
         batch=1, seq=10, dtype='BF16'),
    dict(name='gpt2_bare',
         about='GPT-2 original file layout: bare names (h.N.*, wte, wpe), Conv1D [in, out], fused c_attn, attn.bias buffers, tied, gelu_new',
         config=dict(activation_function='gelu_new', architectures=['GPT2LMHeadModel'], attn_pdrop=0.1,
                     bos_token_id=50, embd_pdrop=0.1, eos_token_id=50, initializer_range=0.02,
                     layer_norm_epsilon=1e-5, model_type='gpt2', n_ctx=32, n_embd=32, n_head=4, n_layer=2,
                     n_positions=32, resid_pdrop=0.1, summary_activation=None, summary_first_dropout=0.1,
                     summary_proj_to_labels=True, summary_type='cls_index', summary_use_proj=True,
                     task_specific_params={'text-generation': {'do_sample': True, 'max_length': 50}},
                     vocab_size=51),
         batch=2, seq=12, dtype='F32', gpt2_prefix=''),
    dict(name='gpt2_prefixed',
         about='GPT-2 saved by GPT2LMHeadModel.save_pretrained: transformer. prefix, a (tied, identical) lm_head.weight, n_inner set, no buffers',
         config=dict(activation_function='gelu_new', architectures=['GPT2LMHeadModel'], bos_token_id=50,
                     eos_token_id=50, layer_norm_epsilon=1e-5, model_type='gpt2', n_embd=24, n_head=3, n_inner=40,
                     n_layer=2, n_positions=16, vocab_size=51, torch_dtype='float32', reorder_and_upcast_attn=False,
                     scale_attn_by_inverse_layer_idx=False, scale_attn_weights=True, use_cache=True,
                     transformers_version='4.40.0'),
         batch=1, seq=9, dtype='F32', gpt2_prefix='transformer.'),
    dict(name='gpt_neox_pythia',
         about='Pythia: parallel residual, rotary_pct 0.25 (4 of 16 dims), fused query_key_value [heads, 3, head_dim], exact GELU, untied embed_out, buffers, F16',
         config=dict(architectures=['GPTNeoXForCausalLM'], bos_token_id=0, eos_token_id=0, hidden_act='gelu',
                     hidden_size=32, initializer_range=0.02, intermediate_size=128, layer_norm_eps=1e-5,
                     max_position_embeddings=64, model_type='gpt_neox', num_attention_heads=2,
                     num_hidden_layers=2, rotary_emb_base=10000, rotary_pct=0.25, tie_word_embeddings=False,
                     torch_dtype='float16', transformers_version='4.24.0', use_cache=True,
                     use_parallel_residual=True, vocab_size=60),
         batch=2, seq=11, dtype='F16'),
]

# ----------------------------------------------------------------------------- weights


def gen(shape, std, g):
    return torch.randn(*shape, generator=g) * std


def llama_weights(c, g):
    D, F, N = c['hidden_size'], c['intermediate_size'], c['num_attention_heads']
    K = c.get('num_key_value_heads', N)
    H = c.get('head_dim') or D // N
    mt = c['model_type']
    qkv_bias = mt == 'qwen2' or c.get('attention_bias', False)
    o_bias = c.get('attention_bias', False) and mt != 'qwen2'
    w = {'model.embed_tokens.weight': gen((c['vocab_size'], D), 1.0, g)}
    for i in range(c['num_hidden_layers']):
        p = f'model.layers.{i}.'
        w[p + 'input_layernorm.weight'] = 1 + gen((D,), 0.2, g)
        for proj, rows in (('q_proj', N * H), ('k_proj', K * H), ('v_proj', K * H)):
            w[p + f'self_attn.{proj}.weight'] = gen((rows, D), 0.6 / math.sqrt(D) * 2, g)
            if qkv_bias:
                w[p + f'self_attn.{proj}.bias'] = gen((rows,), 0.3, g)
        if mt == 'qwen3':
            w[p + 'self_attn.q_norm.weight'] = 1 + gen((H,), 0.3, g)
            w[p + 'self_attn.k_norm.weight'] = 1 + gen((H,), 0.3, g)
        w[p + 'self_attn.o_proj.weight'] = gen((D, N * H), 1 / math.sqrt(N * H), g)
        if o_bias:
            w[p + 'self_attn.o_proj.bias'] = gen((D,), 0.1, g)
        w[p + 'post_attention_layernorm.weight'] = 1 + gen((D,), 0.2, g)
        w[p + 'mlp.gate_proj.weight'] = gen((F, D), 1 / math.sqrt(D), g)
        w[p + 'mlp.up_proj.weight'] = gen((F, D), 1 / math.sqrt(D), g)
        w[p + 'mlp.down_proj.weight'] = gen((D, F), 1 / math.sqrt(F), g)
    w['model.norm.weight'] = 1 + gen((D,), 0.2, g)
    if not c.get('tie_word_embeddings', False):
        w['lm_head.weight'] = gen((c['vocab_size'], D), 1 / math.sqrt(D), g)
    return w


def gpt2_weights(c, g, prefix):
    D, V = c['n_embd'], c['vocab_size']
    F = c.get('n_inner') or 4 * D
    w = {prefix + 'wte.weight': gen((V, D), 0.5, g), prefix + 'wpe.weight': gen((c['n_positions'], D), 0.3, g)}
    for i in range(c['n_layer']):
        p = f'{prefix}h.{i}.'
        w[p + 'ln_1.weight'] = 1 + gen((D,), 0.2, g)
        w[p + 'ln_1.bias'] = gen((D,), 0.1, g)
        if prefix == '':  # the original files carry the causal-mask buffers
            n = c['n_positions']
            w[p + 'attn.bias'] = torch.tril(torch.ones(n, n)).view(1, 1, n, n)
        w[p + 'attn.c_attn.weight'] = gen((D, 3 * D), 1.2 / math.sqrt(D), g)
        w[p + 'attn.c_attn.bias'] = gen((3 * D,), 0.2, g)
        w[p + 'attn.c_proj.weight'] = gen((D, D), 1 / math.sqrt(D), g)
        w[p + 'attn.c_proj.bias'] = gen((D,), 0.1, g)
        w[p + 'ln_2.weight'] = 1 + gen((D,), 0.2, g)
        w[p + 'ln_2.bias'] = gen((D,), 0.1, g)
        w[p + 'mlp.c_fc.weight'] = gen((D, F), 1 / math.sqrt(D), g)
        w[p + 'mlp.c_fc.bias'] = gen((F,), 0.1, g)
        w[p + 'mlp.c_proj.weight'] = gen((F, D), 1 / math.sqrt(F), g)
        w[p + 'mlp.c_proj.bias'] = gen((D,), 0.1, g)
    w[prefix + 'ln_f.weight'] = 1 + gen((D,), 0.2, g)
    w[prefix + 'ln_f.bias'] = gen((D,), 0.1, g)
    if prefix:
        w['lm_head.weight'] = w[prefix + 'wte.weight'].clone()
    return w


def neox_weights(c, g):
    D, F, V, N = c['hidden_size'], c['intermediate_size'], c['vocab_size'], c['num_attention_heads']
    H = D // N
    w = {'gpt_neox.embed_in.weight': gen((V, D), 1.0, g)}
    for i in range(c['num_hidden_layers']):
        p = f'gpt_neox.layers.{i}.'
        n = c['max_position_embeddings']
        for ln in ('input_layernorm', 'post_attention_layernorm'):
            w[p + ln + '.weight'] = 1 + gen((D,), 0.2, g)
            w[p + ln + '.bias'] = gen((D,), 0.1, g)
        w[p + 'attention.bias'] = torch.tril(torch.ones(n, n)).view(1, 1, n, n)
        w[p + 'attention.masked_bias'] = torch.tensor(-1e4)
        rot = int(H * c['rotary_pct'])
        w[p + 'attention.rotary_emb.inv_freq'] = 1.0 / (c['rotary_emb_base'] ** (torch.arange(0, rot, 2) / rot))
        w[p + 'attention.query_key_value.weight'] = gen((3 * D, D), 1.2 / math.sqrt(D), g)
        w[p + 'attention.query_key_value.bias'] = gen((3 * D,), 0.2, g)
        w[p + 'attention.dense.weight'] = gen((D, D), 1 / math.sqrt(D), g)
        w[p + 'attention.dense.bias'] = gen((D,), 0.1, g)
        w[p + 'mlp.dense_h_to_4h.weight'] = gen((F, D), 1 / math.sqrt(D), g)
        w[p + 'mlp.dense_h_to_4h.bias'] = gen((F,), 0.1, g)
        w[p + 'mlp.dense_4h_to_h.weight'] = gen((D, F), 1 / math.sqrt(F), g)
        w[p + 'mlp.dense_4h_to_h.bias'] = gen((D,), 0.1, g)
    w['gpt_neox.final_layer_norm.weight'] = 1 + gen((D,), 0.2, g)
    w['gpt_neox.final_layer_norm.bias'] = gen((D,), 0.1, g)
    w['embed_out.weight'] = gen((V, D), 1 / math.sqrt(D), g)
    return w

# ----------------------------------------------------------------------------- reference forward


def rms_norm(x, w, eps):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * w


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def inv_freq(theta, dim, scaling):
    inv = 1.0 / (theta ** (torch.arange(0, dim, 2) / dim))
    if not scaling:
        return inv
    kind = scaling.get('rope_type', scaling.get('type'))
    if kind == 'linear':
        return inv / scaling['factor']
    if kind == 'llama3':
        f, lo, hi, L = scaling['factor'], scaling['low_freq_factor'], scaling['high_freq_factor'], scaling['original_max_position_embeddings']
        out = []
        for v in inv.tolist():
            wl = 2 * math.pi / v
            if wl < L / hi:
                out.append(v)
            elif wl > L / lo:
                out.append(v / f)
            else:
                s = (L / wl - lo) / (hi - lo)
                out.append((1 - s) * v / f + s * v)
        return torch.tensor(out)
    raise ValueError(kind)


def rope(x, pos, inv, rot):
    """x [B, T, heads, H]; rotate_half on the first `rot` dims."""
    xr, rest = x[..., :rot], x[..., rot:]
    ang = pos[:, None].double() * inv[None, :]           # [T, rot/2]
    cos = torch.cat([ang.cos(), ang.cos()], -1)[None, :, None, :]
    sin = torch.cat([ang.sin(), ang.sin()], -1)[None, :, None, :]
    half = rot // 2
    rotated = torch.cat([-xr[..., half:], xr[..., :half]], -1)
    return torch.cat([xr * cos + rotated * sin, rest], -1)


def attend(q, k, v, window):
    """q [B,T,N,H], k/v [B,T,K,H]; head n reads kv head n // (N/K)."""
    B, T, N, H = q.shape
    K = k.shape[2]
    k = k.repeat_interleave(N // K, dim=2)
    v = v.repeat_interleave(N // K, dim=2)
    s = torch.einsum('btnh,bsnh->bnts', q, k) / math.sqrt(H)
    t_idx = torch.arange(T)[:, None]
    s_idx = torch.arange(T)[None, :]
    ok = s_idx <= t_idx
    if window is not None:
        ok = ok & (t_idx - s_idx < window)
    s = s.masked_fill(~ok, float('-inf'))
    p = torch.softmax(s, -1)
    return torch.einsum('bnts,bsnh->btnh', p, v)


def silu(x):
    return x * torch.sigmoid(x)


def gelu_new(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def gelu_exact(x):
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def lin(x, w, b=None):  # nn.Linear, w [out, in]
    y = x @ w.T
    return y if b is None else y + b


def forward_llama(c, w, tokens):
    mt = c['model_type']
    D, N = c['hidden_size'], c['num_attention_heads']
    K = c.get('num_key_value_heads', N)
    H = c.get('head_dim') or D // N
    eps = c['rms_norm_eps']
    params = c.get('rope_parameters') or {}
    theta = params.get('rope_theta', c.get('rope_theta', 10000.0))
    scaling = c.get('rope_parameters') or c.get('rope_scaling')
    if scaling and scaling.get('rope_type', scaling.get('type')) == 'default':
        scaling = None
    inv = inv_freq(theta, H, scaling)
    window = None
    if mt == 'mistral' or (mt in ('qwen2', 'qwen3') and c.get('use_sliding_window')):
        window = c.get('sliding_window')
    B, T = tokens.shape
    pos = torch.arange(T)
    x = w['model.embed_tokens.weight'][tokens]
    for i in range(c['num_hidden_layers']):
        p = f'model.layers.{i}.'
        g = lambda n: w.get(p + n)
        h = rms_norm(x, g('input_layernorm.weight'), eps)
        q = lin(h, g('self_attn.q_proj.weight'), g('self_attn.q_proj.bias')).view(B, T, N, H)
        k = lin(h, g('self_attn.k_proj.weight'), g('self_attn.k_proj.bias')).view(B, T, K, H)
        v = lin(h, g('self_attn.v_proj.weight'), g('self_attn.v_proj.bias')).view(B, T, K, H)
        if mt == 'qwen3':
            q = rms_norm(q, g('self_attn.q_norm.weight'), eps)
            k = rms_norm(k, g('self_attn.k_norm.weight'), eps)
        q, k = rope(q, pos, inv, H), rope(k, pos, inv, H)
        a = attend(q, k, v, window).reshape(B, T, N * H)
        x = x + lin(a, g('self_attn.o_proj.weight'), g('self_attn.o_proj.bias'))
        h = rms_norm(x, g('post_attention_layernorm.weight'), eps)
        x = x + lin(silu(lin(h, g('mlp.gate_proj.weight'))) * lin(h, g('mlp.up_proj.weight')), g('mlp.down_proj.weight'))
    x = rms_norm(x, w['model.norm.weight'], eps)
    return x @ w.get('lm_head.weight', w['model.embed_tokens.weight']).T


def forward_gpt2(c, w, tokens, prefix):
    D, N = c['n_embd'], c['n_head']
    H = D // N
    eps = c['layer_norm_epsilon']
    B, T = tokens.shape
    x = w[prefix + 'wte.weight'][tokens] + w[prefix + 'wpe.weight'][torch.arange(T)][None]
    for i in range(c['n_layer']):
        p = f'{prefix}h.{i}.'
        h = layer_norm(x, w[p + 'ln_1.weight'], w[p + 'ln_1.bias'], eps)
        qkv = h @ w[p + 'attn.c_attn.weight'] + w[p + 'attn.c_attn.bias']  # Conv1D: x W, W [in, out]
        q, k, v = qkv.split(D, -1)
        a = attend(q.view(B, T, N, H), k.view(B, T, N, H), v.view(B, T, N, H), None).reshape(B, T, D)
        x = x + a @ w[p + 'attn.c_proj.weight'] + w[p + 'attn.c_proj.bias']
        h = layer_norm(x, w[p + 'ln_2.weight'], w[p + 'ln_2.bias'], eps)
        x = x + gelu_new(h @ w[p + 'mlp.c_fc.weight'] + w[p + 'mlp.c_fc.bias']) @ w[p + 'mlp.c_proj.weight'] + w[p + 'mlp.c_proj.bias']
    x = layer_norm(x, w[prefix + 'ln_f.weight'], w[prefix + 'ln_f.bias'], eps)
    return x @ w[prefix + 'wte.weight'].T


def forward_neox(c, w, tokens):
    D, N = c['hidden_size'], c['num_attention_heads']
    H = D // N
    rot = int(H * c['rotary_pct'])
    inv = inv_freq(c['rotary_emb_base'], rot, None)
    eps = c['layer_norm_eps']
    B, T = tokens.shape
    pos = torch.arange(T)
    x = w['gpt_neox.embed_in.weight'][tokens]
    for i in range(c['num_hidden_layers']):
        p = f'gpt_neox.layers.{i}.'
        h1 = layer_norm(x, w[p + 'input_layernorm.weight'], w[p + 'input_layernorm.bias'], eps)
        qkv = lin(h1, w[p + 'attention.query_key_value.weight'], w[p + 'attention.query_key_value.bias']).view(B, T, N, 3 * H)
        q, k, v = qkv[..., :H], qkv[..., H:2 * H], qkv[..., 2 * H:]
        q, k = rope(q, pos, inv, rot), rope(k, pos, inv, rot)
        a = attend(q, k, v, None).reshape(B, T, D)
        attn = lin(a, w[p + 'attention.dense.weight'], w[p + 'attention.dense.bias'])
        h2 = layer_norm(x, w[p + 'post_attention_layernorm.weight'], w[p + 'post_attention_layernorm.bias'], eps)
        mlp = lin(gelu_exact(lin(h2, w[p + 'mlp.dense_h_to_4h.weight'], w[p + 'mlp.dense_h_to_4h.bias'])),
                  w[p + 'mlp.dense_4h_to_h.weight'], w[p + 'mlp.dense_4h_to_h.bias'])
        x = x + attn + mlp
    x = layer_norm(x, w['gpt_neox.final_layer_norm.weight'], w['gpt_neox.final_layer_norm.bias'], eps)
    return x @ w['embed_out.weight'].T

# ----------------------------------------------------------------------------- safetensors


def stored(t, dtype):
    """The tensor as stored (rounded to the file dtype), back as float64, and its raw bytes."""
    t32 = t.to(torch.float32).contiguous()
    if dtype == 'BF16':
        b = t32.to(torch.bfloat16)
        return b.to(torch.float64), b.view(torch.int16).numpy().astype('<i2').tobytes()
    if dtype == 'F16':
        h = t32.numpy().astype('<f2')
        return torch.from_numpy(h.astype(np.float64)), h.tobytes()
    return t32.to(torch.float64), t32.numpy().astype('<f4').tobytes()


def write_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = dict(dtype=dtype, shape=shape, data_offsets=[offset, offset + len(raw)])
        blobs.append(raw)
        offset += len(raw)
    hjson = json.dumps(header, separators=(',', ':')).encode()
    hjson += b' ' * ((8 - (8 + len(hjson)) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def build(case):
    c = case['config']
    g = torch.Generator().manual_seed(sum(map(ord, case['name'])))
    mt = c['model_type']
    if mt == 'gpt2':
        w = gpt2_weights(c, g, case['gpt2_prefix'])
    elif mt == 'gpt_neox':
        w = neox_weights(c, g)
    else:
        w = llama_weights(c, g)
    files, rounded = {}, {}
    for name, t in w.items():
        buffer = name.endswith(('attn.bias', 'attention.bias', 'masked_bias', 'inv_freq'))
        dtype = 'F32' if buffer else case['dtype']  # buffers keep their own dtype, as in the real files
        r, raw = stored(t, dtype)
        rounded[name] = r
        files[name] = (dtype, list(t.shape), raw)
    V = c['vocab_size']
    tg = torch.Generator().manual_seed(7 + len(case['name']))
    tokens = torch.randint(0, V, (case['batch'], case['seq']), generator=tg)
    tokens[:, 3] = 0  # id 0 is an ordinary token inside rows
    tokens[-1, case['seq'] - 2] = 0
    if mt == 'gpt2':
        logits = forward_gpt2(c, rounded, tokens, case['gpt2_prefix'])
    elif mt == 'gpt_neox':
        logits = forward_neox(c, rounded, tokens)
    else:
        logits = forward_llama(c, rounded, tokens)
    d = os.path.join(OUT, case['name'])
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, 'config.json'), 'w') as f:
        json.dump(c, f, indent=2)
        f.write('\n')
    n = case.get('shards', 1)
    if n == 1:
        write_safetensors(os.path.join(d, 'model.safetensors'), files, {'format': 'pt'})
    else:
        names = list(files)
        per = math.ceil(len(names) / n)
        weight_map = {}
        for s in range(n):
            fname = f'model-{s + 1:05d}-of-{n:05d}.safetensors'
            part = names[s * per:(s + 1) * per]
            write_safetensors(os.path.join(d, fname), {k: files[k] for k in part}, {'format': 'pt'})
            weight_map.update({k: fname for k in part})
        total = sum(len(files[k][2]) for k in names)
        with open(os.path.join(d, 'model.safetensors.index.json'), 'w') as f:
            json.dump(dict(metadata=dict(total_size=total), weight_map=dict(sorted(weight_map.items()))), f, indent=2)
            f.write('\n')
    ref = dict(about=case['about'], tokens=tokens.tolist(), shape=[case['batch'], case['seq'], V],
               logits=[float(f'{v:.9g}') for v in logits.reshape(-1).tolist()])
    with open(os.path.join(d, 'reference.json'), 'w') as f:
        json.dump(ref, f, separators=(',', ':'))
    print(f"{case['name']}: max|logit| = {logits.abs().max().item():.3f}")


def main():
    os.makedirs(OUT, exist_ok=True)
    for case in CASES:
        build(case)
    with open(os.path.join(OUT, 'README.md'), 'w') as f:
        f.write('# Model-family reference fixtures\n\nGenerated by `/usr/bin/python3 scripts/families_reference.py` '
                '(do not edit by hand): tiny random Hugging Face checkpoints and float64 torch logits. '
                'Pass criterion: max|logits - reference| / max|reference| < 1e-5.\n\n## Cases\n\n')
        for case in CASES:
            f.write(f"- `{case['name']}`: {case['about']}\n")


if __name__ == '__main__':
    main()
