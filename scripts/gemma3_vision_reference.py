#!/usr/bin/python3
"""Independent float64 reference for Penjing's Gemma 3 vision path (SigLIP tower, multimodal
projector, soft tokens in the text model, bidirectional attention within image blocks).

Writes a tiny random Gemma 3 multimodal checkpoint in both Hugging Face layouts and in gm.nn's
flat Flax naming (flax/flax_params.safetensors, checked here to give the same soft tokens under
Flax's layer semantics), and the logits of a batch with one text-only row and rows with one and two images:

    /usr/bin/python3 scripts/gemma3_vision_reference.py   # writes tests/fixtures/gemma3-vision/<case>/

The formulas are written from HF transformers' modeling_siglip.py / modeling_gemma3.py and
google/gemma_pytorch's siglip_vision (read, not copied); nothing here reads Penjing's code.
- SigLIP: patch embedding = conv2d(stride = kernel = patch_size) of NCHW pixels, flattened
  row-major, + learned position embedding; per layer x += MHA(LN1 x) (q, k, v, out with bias,
  scale head_dim^-1/2, no mask), x += fc2(gelu_tanh(fc1(LN2 x))); post LayerNorm.
- Projector: the patch grid (side g) average-pooled with kernel = stride = g / sqrt(mm_tokens),
  flattened row-major, RMSNorm with (1 + w) and eps = vision layer_norm_eps, then x @ W
  (W stored [vision width, text width]).
- Text: embeddings * sqrt(D) (f32-rounded); image-token positions take the soft tokens
  unscaled, the k-th image-token position of a row the row's k-th soft token; masks are
  (causal [and window]) OR (query and key in the same contiguous run of image tokens), on
  global and sliding layers alike (HF's token_type_ids mask; gm.nn ANDs the window after,
  which differs only for image blocks longer than the window).
"""
import json
import math
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
import gemma_reference as G  # noqa: E402  (text decoder, weights and safetensors writer)

torch.set_default_dtype(torch.float64)
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
OUT = os.path.join(ROOT, 'tests', 'fixtures', 'gemma3-vision')

IMAGE, BOI, EOI = 60, 61, 62
CONFIG = dict(
    model_type='gemma3', architectures=['Gemma3ForConditionalGeneration'],
    text_config=dict(model_type='gemma3_text', vocab_size=64, hidden_size=32, intermediate_size=48,
                     num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1, head_dim=16,
                     query_pre_attn_scalar=16, sliding_window=3, sliding_window_pattern=2,
                     rope_scaling=dict(rope_type='linear', factor=2.0)),
    vision_config=dict(model_type='siglip_vision_model', image_size=16, patch_size=4, num_channels=3, hidden_size=16,
                       intermediate_size=24, num_hidden_layers=2, num_attention_heads=2, layer_norm_eps=1e-6,
                       hidden_act='gelu_pytorch_tanh', vision_use_head=False),
    mm_tokens_per_image=4, image_token_index=IMAGE, boi_token_index=BOI, eoi_token_index=EOI,
    eos_token_id=[1, 63], torch_dtype='float32',
)


def vision_weights(vc, text_width, seed):
    g = torch.Generator().manual_seed(seed)
    D, I, C, p = vc['hidden_size'], vc['intermediate_size'], vc['num_channels'], vc['patch_size']
    n = (vc['image_size'] // p) ** 2

    def normal(*shape, std):
        return (torch.randn(*shape, generator=g) * std).to(torch.float32).to(torch.float64)

    w = {'patch.w': normal(D, C, p, p, std=1 / math.sqrt(C * p * p)), 'patch.b': normal(D, std=0.1),
         'pos': normal(n, D, std=0.5), 'post.w': 1 + normal(D, std=0.2), 'post.b': normal(D, std=0.1),
         'mm_norm': normal(D, std=0.3), 'mm_proj': normal(D, text_width, std=1 / math.sqrt(D))}
    for i in range(vc['num_hidden_layers']):
        s = f'l{i}.'
        for k in ('q', 'k', 'v', 'o'):
            w[s + k + '.w'], w[s + k + '.b'] = normal(D, D, std=1 / math.sqrt(D)), normal(D, std=0.1)
        w[s + 'fc1.w'], w[s + 'fc1.b'] = normal(I, D, std=1 / math.sqrt(D)), normal(I, std=0.1)
        w[s + 'fc2.w'], w[s + 'fc2.b'] = normal(D, I, std=1 / math.sqrt(I)), normal(D, std=0.1)
        for k in ('ln1', 'ln2'):
            w[s + k + '.w'], w[s + k + '.b'] = 1 + normal(D, std=0.2), normal(D, std=0.1)
    return w


def vision_hf_names(vc, w, tower, projector):
    out = {tower + 'embeddings.patch_embedding.weight': w['patch.w'], tower + 'embeddings.patch_embedding.bias': w['patch.b'],
           tower + 'embeddings.position_embedding.weight': w['pos'],
           tower + 'post_layernorm.weight': w['post.w'], tower + 'post_layernorm.bias': w['post.b'],
           projector + 'mm_soft_emb_norm.weight': w['mm_norm'], projector + 'mm_input_projection_weight': w['mm_proj']}
    hf = {'q': 'self_attn.q_proj', 'k': 'self_attn.k_proj', 'v': 'self_attn.v_proj', 'o': 'self_attn.out_proj',
          'fc1': 'mlp.fc1', 'fc2': 'mlp.fc2', 'ln1': 'layer_norm1', 'ln2': 'layer_norm2'}
    for i in range(vc['num_hidden_layers']):
        for k, name in hf.items():
            out[f'{tower}encoder.layers.{i}.{name}.weight'] = w[f'l{i}.{k}.w']
            out[f'{tower}encoder.layers.{i}.{name}.bias'] = w[f'l{i}.{k}.b']
    return out


def vision_flax_names(vc, w, prefix='SigLiPFromPatches_0/siglip_encoder/'):
    """The same vision weights in gm.nn's Flax naming and layouts. Names from google-deepmind/gemma
    gemma/multimodal/vision_utils.py (ViTModel: `embedding` Conv, `pos_embedding`, `Transformer/
    encoderblock_{i}/{LayerNorm_0, MultiHeadDotProductAttention_0/{query,key,value,out}, LayerNorm_1,
    MlpBlock_0/Dense_{0,1}}`, `Transformer/encoder_norm`) under `SigLiPFromPatches_0/siglip_encoder/`
    (the flat checkpoint; gm.ckpts nests it as `vision_encoder/siglip_encoder/`), and the projector as
    `transformer/embedder/mm_input_projection/w` and `.../mm_soft_embedding_norm/scale`. Layouts are
    Flax linen's: Conv kernel [kh, kw, in, out]; Dense kernel [in, out]; attention DenseGeneral
    kernels [D, heads, head_dim] (query/key/value, biases [heads, head_dim]) and [heads, head_dim, D]
    (out); LayerNorm scale and bias."""
    D, heads = vc['hidden_size'], vc['num_attention_heads']
    hd = D // heads
    out = {prefix + 'embedding/kernel': w['patch.w'].permute(2, 3, 1, 0), prefix + 'embedding/bias': w['patch.b'],
           prefix + 'pos_embedding': w['pos'][None], prefix + 'Transformer/encoder_norm/scale': w['post.w'],
           prefix + 'Transformer/encoder_norm/bias': w['post.b'],
           'transformer/embedder/mm_input_projection/w': w['mm_proj'], 'transformer/embedder/mm_soft_embedding_norm/scale': w['mm_norm']}
    for i in range(vc['num_hidden_layers']):
        s, b = f'l{i}.', f'{prefix}Transformer/encoderblock_{i}/'
        for k, name in (('q', 'query'), ('k', 'key'), ('v', 'value')):
            out[f'{b}MultiHeadDotProductAttention_0/{name}/kernel'] = w[s + k + '.w'].T.reshape(D, heads, hd)
            out[f'{b}MultiHeadDotProductAttention_0/{name}/bias'] = w[s + k + '.b'].reshape(heads, hd)
        out[f'{b}MultiHeadDotProductAttention_0/out/kernel'] = w[s + 'o.w'].T.reshape(heads, hd, D)
        out[f'{b}MultiHeadDotProductAttention_0/out/bias'] = w[s + 'o.b']
        for k, name in (('fc1', 'Dense_0'), ('fc2', 'Dense_1')):
            out[f'{b}MlpBlock_0/{name}/kernel'] = w[s + k + '.w'].T
            out[f'{b}MlpBlock_0/{name}/bias'] = w[s + k + '.b']
        for k, name in (('ln1', 'LayerNorm_0'), ('ln2', 'LayerNorm_1')):
            out[f'{b}{name}/scale'] = w[s + k + '.w']
            out[f'{b}{name}/bias'] = w[s + k + '.b']
    return {k: v.contiguous() for k, v in out.items()}


def soft_tokens_flax(vc, mm_tokens, f, images, prefix='SigLiPFromPatches_0/siglip_encoder/'):
    """soft_tokens computed from the Flax layout with Flax's own semantics (x @ kernel, DenseGeneral
    einsums, an NHWC convolution), to check vision_flax_names."""
    eps, D = vc['layer_norm_eps'], vc['hidden_size']
    hd = D // vc['num_attention_heads']
    x = torch.nn.functional.conv2d(images.permute(0, 3, 1, 2), f[prefix + 'embedding/kernel'].permute(3, 2, 0, 1), stride=vc['patch_size'])
    x = x.permute(0, 2, 3, 1) + f[prefix + 'embedding/bias']
    M, g = x.shape[0], x.shape[1]
    x = x.reshape(M, g * g, D) + f[prefix + 'pos_embedding']
    for i in range(vc['num_hidden_layers']):
        b = f'{prefix}Transformer/encoderblock_{i}/'
        a = b + 'MultiHeadDotProductAttention_0/'
        h = layer_norm(x, f[b + 'LayerNorm_0/scale'], f[b + 'LayerNorm_0/bias'], eps)
        q, k, v = (torch.einsum('btd,dnh->btnh', h, f[a + n + '/kernel']) + f[a + n + '/bias'] for n in ('query', 'key', 'value'))
        att = torch.softmax(torch.einsum('bqnh,bknh->bnqk', q / math.sqrt(hd), k), -1)
        y = torch.einsum('bnqk,bknh->bqnh', att, v)
        x = x + torch.einsum('bqnh,nhd->bqd', y, f[a + 'out/kernel']) + f[a + 'out/bias']
        h = layer_norm(x, f[b + 'LayerNorm_1/scale'], f[b + 'LayerNorm_1/bias'], eps)
        h = G.gelu_tanh(h @ f[b + 'MlpBlock_0/Dense_0/kernel'] + f[b + 'MlpBlock_0/Dense_0/bias'])
        x = x + h @ f[b + 'MlpBlock_0/Dense_1/kernel'] + f[b + 'MlpBlock_0/Dense_1/bias']
    x = layer_norm(x, f[prefix + 'Transformer/encoder_norm/scale'], f[prefix + 'Transformer/encoder_norm/bias'], eps)
    side, w = int(round(math.sqrt(mm_tokens))), g // int(round(math.sqrt(mm_tokens)))
    pooled = x.reshape(M, side, w, side, w, D).mean((2, 4)).reshape(M, side * side, D)
    return G.rms_norm(pooled, f['transformer/embedder/mm_soft_embedding_norm/scale'], eps) @ f['transformer/embedder/mm_input_projection/w']


def layer_norm(x, wt, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * wt + b


def soft_tokens(vc, mm_tokens, w, images):
    """images [M, H, W, C] (normalised) -> soft tokens [M, mm_tokens, text width]."""
    eps, D, heads = vc['layer_norm_eps'], vc['hidden_size'], vc['num_attention_heads']
    hd = D // heads
    x = torch.nn.functional.conv2d(images.permute(0, 3, 1, 2), w['patch.w'], w['patch.b'], stride=vc['patch_size'])
    M, _, g, _ = x.shape
    x = x.flatten(2).transpose(1, 2) + w['pos']
    for i in range(vc['num_hidden_layers']):
        s = f'l{i}.'
        h = layer_norm(x, w[s + 'ln1.w'], w[s + 'ln1.b'], eps)
        q, k, v = ((h @ w[s + n + '.w'].T + w[s + n + '.b']).reshape(M, -1, heads, hd).transpose(1, 2) for n in 'qkv')
        a = torch.softmax(q @ k.transpose(-1, -2) * hd ** -0.5, -1) @ v
        x = x + a.transpose(1, 2).reshape(M, -1, D) @ w[s + 'o.w'].T + w[s + 'o.b']
        h = layer_norm(x, w[s + 'ln2.w'], w[s + 'ln2.b'], eps)
        x = x + G.gelu_tanh(h @ w[s + 'fc1.w'].T + w[s + 'fc1.b']) @ w[s + 'fc2.w'].T + w[s + 'fc2.b']
    x = layer_norm(x, w['post.w'], w['post.b'], eps)
    side = int(round(math.sqrt(mm_tokens)))
    grid = x.transpose(1, 2).reshape(M, D, g, g)
    pooled = torch.nn.functional.avg_pool2d(grid, g // side).flatten(2).transpose(1, 2)
    return G.rms_norm(pooled, w['mm_norm'], eps) @ w['mm_proj']


def image_inputs(tokens, soft_per_slot):
    """Where image tokens are, their soft tokens, and the same-block visibility [B, T, T]."""
    B, T = tokens.shape
    is_img = tokens == IMAGE
    values = torch.zeros(B, T, soft_per_slot.shape[-1])
    blocks = torch.full((B, T), -1, dtype=torch.long)
    for b in range(B):
        k, run = 0, -1
        for t in range(T):
            if is_img[b, t]:
                if t == 0 or not is_img[b, t - 1]:
                    run += 1
                blocks[b, t] = run
                values[b, t] = soft_per_slot[b].reshape(-1, soft_per_slot.shape[-1])[k]
                k += 1
    same = (blocks[:, :, None] == blocks[:, None, :]) & (blocks[:, :, None] >= 0)
    return is_img, values, same


def main():
    g = torch.Generator().manual_seed(7)
    spec = G.model_spec(CONFIG)
    vc = CONFIG['vision_config']
    text = G.make_weights(spec, 3, 'F32')
    vis = vision_weights(vc, spec['D'], 5)
    T = 20
    txt = lambda n: torch.randint(3, 60, (n,), generator=g).tolist()  # noqa: E731
    img = [BOI] + [IMAGE] * CONFIG['mm_tokens_per_image'] + [EOI]
    rows = [[2] + txt(19), [2] + txt(2) + img + txt(11), [2] + txt(1) + img + txt(2) + img + txt(4)]
    assert all(len(r) == T for r in rows)
    tokens = torch.tensor(rows)
    S = vc['image_size']
    images = (torch.rand(3, 2, S, S, 3, generator=g) * 2 - 1).to(torch.float32).to(torch.float64)
    soft = soft_tokens(vc, CONFIG['mm_tokens_per_image'], vis, images.reshape(-1, S, S, 3)).reshape(3, 2, -1, spec['D'])
    is_img, values, same = image_inputs(tokens, soft)
    logits = G.forward(spec, text, tokens, soft_tokens=(is_img, values), extra_visible=same)
    # The widened mask must matter, or the fixture could not catch its absence.
    plain = G.forward(spec, text, tokens, soft_tokens=(is_img, values))
    assert G.rel_err(plain, logits) > 1e-3, 'image blocks do not change the logits'
    layouts = [('wrapper', 'language_model.model.', None, 'vision_tower.vision_model.', 'multi_modal_projector.'),
               ('resaved', 'model.language_model.', 'lm_head.weight', 'model.vision_tower.vision_model.', 'model.multi_modal_projector.')]
    for name, prefix, lm_head, tower, projector in layouts:
        d = os.path.join(OUT, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        with open(os.path.join(d, 'config.json'), 'w') as f:
            json.dump(CONFIG, f, indent=2)
        tensors = {**G.hf_names(spec, text, prefix=prefix, lm_head_name=lm_head), **vision_hf_names(vc, vis, tower, projector)}
        G.write_safetensors(os.path.join(d, 'model.safetensors'), tensors, 'F32')
    # The same model as gm.nn's flat Flax record (text names from gemma_reference.flax_names).
    flax = {**G.flax_names(spec, text, True, 0, 3), **vision_flax_names(vc, vis)}
    via_flax = soft_tokens_flax(vc, CONFIG['mm_tokens_per_image'], flax, images.reshape(-1, S, S, 3)).reshape(soft.shape)
    assert G.rel_err(via_flax, soft) < 1e-12, 'the Flax vision layout does not reproduce the soft tokens'
    d = os.path.join(OUT, 'flax')
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    G.write_safetensors(os.path.join(d, 'flax_params.safetensors'), flax, 'F32')
    ref = dict(tokens=rows, images_shape=list(images.shape), images=[float(v) for v in images.flatten()],
               shape=list(logits.shape), logits=[float(v) for v in logits.flatten()])
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump(ref, f)
    print(f'wrote {OUT}: logits {list(logits.shape)}, max|logits| {logits.abs().max():.3f}, '
          f'image-block effect {G.rel_err(plain, logits):.2e}')


if __name__ == '__main__':
    main()
