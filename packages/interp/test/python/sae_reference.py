"""Writes JumpReLU SAE fixtures in the Gemma Scope (params.npz) and Gemma Scope 2
(params.safetensors + config.json) layouts and SAELens's (sae_weights.safetensors + cfg.json), and a float64 numpy reference of encode/decode.

usage: sae_reference.py OUT_DIR
Writes OUT_DIR/{scope,scope2,transcoder,saelens}/… and OUT_DIR/reference.json.
"""
import json, os, struct, sys
import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(7)
d_model, d_sae, n = 6, 10, 5


def weights(skip):
    w = {
        'w_enc': rng.normal(size=(d_model, d_sae)).astype(np.float32),
        'w_dec': rng.normal(size=(d_sae, d_model)).astype(np.float32),
        'b_enc': rng.normal(size=(d_sae,)).astype(np.float32),
        'b_dec': rng.normal(size=(d_model,)).astype(np.float32),
        'threshold': rng.uniform(0.2, 1.0, size=(d_sae,)).astype(np.float32),
    }
    if skip:
        w['affine_skip_connection'] = (0.3 * rng.normal(size=(d_model, d_model))).astype(np.float32)
    return w


def jumprelu(w, x):
    f64 = {k: v.astype(np.float64) for k, v in w.items()}
    pre = x @ f64['w_enc'] + f64['b_enc']
    f = pre * (pre > f64['threshold'])
    rec = f @ f64['w_dec'] + f64['b_dec']
    if 'affine_skip_connection' in f64:
        rec = rec + x @ f64['affine_skip_connection']
    return f, rec


def write_safetensors(path, arrays):
    header, offset, blobs = {}, 0, []
    for k, v in arrays.items():
        b = np.ascontiguousarray(v, dtype='<f4').tobytes()
        header[k] = {'dtype': 'F32', 'shape': list(v.shape), 'data_offsets': [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as fh:
        fh.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


x = rng.normal(size=(n, d_model)).astype(np.float32).astype(np.float64)
ref = {'x': x.tolist()}
for name, skip in [('scope', False), ('scope2', False), ('transcoder', True), ('saelens', False)]:
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    w = weights(skip)
    if name == 'saelens':
        write_safetensors(os.path.join(d, 'sae_weights.safetensors'), {'W_enc': w['w_enc'], 'W_dec': w['w_dec'], 'b_enc': w['b_enc'], 'b_dec': w['b_dec'], 'threshold': w['threshold']})
        with open(os.path.join(d, 'cfg.json'), 'w') as fh:
            json.dump({'architecture': 'jumprelu', 'd_in': d_model, 'd_sae': d_sae, 'hook_name': 'blocks.1.hook_resid_post', 'apply_b_dec_to_input': False}, fh)
    elif name == 'scope':
        np.savez(os.path.join(d, 'params.npz'), W_enc=w['w_enc'], W_dec=w['w_dec'], b_enc=w['b_enc'], b_dec=w['b_dec'], threshold=w['threshold'])
    else:
        write_safetensors(os.path.join(d, 'params.safetensors'), w)
        hook_in = 'model.layers.1.pre_feedforward_layernorm.output' if skip else 'model.layers.1.output'
        hook_out = 'model.layers.1.post_feedforward_layernorm.output' if skip else hook_in
        with open(os.path.join(d, 'config.json'), 'w') as fh:
            json.dump({'hf_hook_point_in': hook_in, 'hf_hook_point_out': hook_out, 'width': d_sae, 'model_name': 'tiny',
                       'architecture': 'jump_relu', 'l0': 3, 'affine_connection': skip, 'type': 'transcoder' if skip else 'sae'}, fh)
    f, rec = jumprelu(w, x)
    ref[name] = {'features': f.tolist(), 'reconstruction': rec.tolist(), 'active': int((f != 0).sum())}
with open(os.path.join(out, 'reference.json'), 'w') as fh:
    json.dump(ref, fh)
