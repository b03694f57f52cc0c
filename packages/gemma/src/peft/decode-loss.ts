/**
 * Decoding and next-token cross-entropy fused, a few positions at a time, so that the
 * `[tokens, vocabulary]` logits never exist at once. With Gemma 3's 262,144-row vocabulary
 * one float logits array is 134 MB per 128 tokens and the unfused backward pass holds
 * several, which exhausts the 4 GB wasm heap; here the largest temporary is `chunk` rows.
 *
 * The forward pass walks the positions in chunks; the backward passes recompute the logits
 * (rather than keep them) walking the vocabulary in blocks of rows, because the hidden
 * states' gradient multiplies by table rows on the right of a matMul, which the wasm
 * backend first packs into a copy cached per tensor: for the whole table that is another
 * 670 MB, which XNNPACK fails to allocate next to an 18-layer model (and then returns a
 * garbage product without an error); per block it is small and freed with the block. The gradient is split in two custom-gradient ops so that a table that
 * is not being differentiated (LoRA: it is frozen) costs nothing: tfjs prunes the second op
 * from the tape when its only input, the table, does not lead back to what is differentiated.
 */
import * as tf from '@tensorflow/tfjs';
import { customGradient } from './custom-gradient.js';

/** Options of `decodeCrossEntropy`. */
export interface DecodeCrossEntropyOptions {
  /** `softCap·tanh(logit/softCap)` applied to every logit first (Gemma 2's final soft-cap); null or absent: none. */
  readonly softCap?: number | null;
  /**
   * Positions per chunk (default 16), and the backward pass's vocabulary blocks hold as many
   * logits: memory ~ 3·chunk·vocabulary floats; speed hardly depends on it.
   */
  readonly chunk?: number;
}

/**
 * Σ_n w_n·(logsumexp(z_n) − z_n[t_n]) where z_n = cap(table · h_n) are the logits of position
 * n, for hidden states `h` [N, D], a table [V, D], int32 targets [N] and float weights [N]
 * (already normalised: pass w/Σw for a mean). Differentiable in `h` and `table`; targets and
 * weights get zero gradients. The table is read, not copied, by the backward pass, so it
 * must stay alive until then (it is a model parameter).
 *
 * @example
 * const loss = decodeCrossEntropy(h, table, targets, tf.fill([n], 1 / n), { softCap: 30 });
 */
export function decodeCrossEntropy(
  h: tf.Tensor2D,
  table: tf.Tensor2D,
  targets: tf.Tensor1D,
  weights: tf.Tensor1D,
  options: DecodeCrossEntropyOptions = {},
): tf.Scalar {
  const [n, d] = h.shape;
  const [v, dt] = table.shape;
  if (d !== dt) throw new RangeError(`decodeCrossEntropy: hidden states [${h.shape}] and table [${table.shape}] disagree on the embedding size.`);
  if (targets.shape[0] !== n || weights.shape[0] !== n) {
    throw new RangeError(`decodeCrossEntropy: ${n} positions but ${targets.shape[0]} targets and ${weights.shape[0]} weights.`);
  }
  const chunk = options.chunk ?? 16;
  if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`decodeCrossEntropy: chunk must be a positive integer; got ${chunk}.`);
  const cap = options.softCap ?? null;
  if (cap !== null && !(cap > 0)) throw new RangeError(`decodeCrossEntropy: softCap must be positive or null; got ${cap}.`);
  const starts = Array.from({ length: Math.ceil(n / chunk) }, (_, i) => i * chunk);
  const liveTable = (): tf.Tensor2D => {
    if (table.isDisposed) throw new Error('decodeCrossEntropy: the embedding table was disposed before the backward pass; keep it alive until the gradient is computed.');
    return table;
  };

  /** Logits `[c, V]` of rows `hc` [c, D], soft-capped. */
  const logitsOf = (hc: tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(() => {
      // table·hcᵀ then a small transpose: matMul's transpose flags are far slower on wasm,
      // and the table as the left operand is not packed (see the top of the file).
      const x = tf.transpose(tf.matMul(liveTable(), tf.transpose(hc))) as tf.Tensor2D;
      return cap === null ? x : (tf.mul(tf.tanh(tf.div(x, cap)), cap) as tf.Tensor2D);
    });

  /**
   * For table rows [v0, v0+vb): dLoss/dlogit `g` [vb, N] = (softmax − one-hot)·w·dy through
   * the cap, from the saved log-normalisers (the table's gradient is then g·h).
   */
  const blockGrad = (v0: number, vb: number, hT: tf.Tensor2D, lse: tf.Tensor1D, tgt: tf.Tensor1D, w: tf.Tensor1D, dy: tf.Tensor) => {
    const tb = tf.slice(liveTable(), [v0, 0], [vb, d]) as tf.Tensor2D;
    const x = tf.matMul(tb, hT);
    const th = cap === null ? null : tf.tanh(tf.div(x, cap));
    const z = th ? tf.mul(th, cap!) : x;
    const p = tf.exp(tf.sub(z, tf.reshape(lse, [1, n])));
    const oneHot = tf.cast(tf.equal(tf.reshape(tf.range(v0, v0 + vb, 1, 'int32'), [vb, 1]), tf.reshape(tgt, [1, n])), 'float32');
    let g = tf.mul(tf.sub(p, oneHot), tf.reshape(tf.mul(w, dy), [1, n]));
    if (th) g = tf.mul(g, tf.sub(1, tf.square(th)));
    return g as tf.Tensor2D;
  };
  // Blocks of about chunk·V logits, like the forward pass's chunks.
  const block = Math.max(1, Math.ceil((v * chunk) / n));
  const blockStarts = Array.from({ length: Math.ceil(v / block) }, (_, i) => i * block);

  // Set by the first op's forward pass, read by the second's.
  let savedLse: tf.Tensor1D | undefined;
  const rows = <T extends tf.Tensor>(t: T, s: number): T => tf.slice(t, s, Math.min(chunk, n - s)) as T;

  // The loss, differentiable in h (the table is read, not an input: its gradient is the other op's).
  const viaHidden = customGradient((hs: tf.Tensor2D, tgt: tf.Tensor1D, w: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const parts = starts.map((s) =>
      tf.tidy(() => {
        const hc = rows(hs, s);
        const c = hc.shape[0];
        const z = logitsOf(hc);
        const max = tf.max(z, 1, true);
        const lse = tf.add(tf.log(tf.sum(tf.exp(tf.sub(z, max)), 1, true)), max).reshape([c]);
        const flat = tf.add(tf.mul(tf.range(0, c, 1, 'int32'), tf.scalar(v, 'int32')), rows(tgt, s));
        const picked = tf.gather(tf.reshape(z, [c * v]), flat);
        return { lse, loss: tf.sum(tf.mul(rows(w, s), tf.sub(lse, picked))) };
      }),
    );
    const lse = tf.concat(parts.map((p) => p.lse)) as tf.Tensor1D;
    const value = tf.addN(parts.map((p) => p.loss)) as tf.Scalar;
    for (const p of parts) tf.dispose([p.lse, p.loss]);
    save([hs, tgt, w, lse]);
    // Shared with the table's op, which needs the same log-normalisers; kept past this
    // op's own scope and disposed once both ops have saved their copies.
    savedLse = tf.keep(lse);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [hh, t, wt, l] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        const hT = tf.transpose(hh) as tf.Tensor2D;
        // The one-hot part of (softmax − one-hot) is a gather of the targets' rows, done once;
        // the blocks then need no one-hot and only row-wise broadcasts.
        let dh: tf.Tensor = tf.tidy(() => {
          const picked = tf.gather(liveTable(), t);
          let coef = tf.mul(wt, dy);
          if (cap !== null) coef = tf.mul(coef, tf.sub(1, tf.square(tf.tanh(tf.div(tf.sum(tf.mul(hh, picked), 1), cap)))));
          return tf.neg(tf.mul(picked, tf.reshape(coef, [n, 1])));
        });
        const lseCol = tf.reshape(l, [n, 1]);
        const scale = tf.reshape(tf.mul(wt, dy), [n, 1]);
        for (const v0 of blockStarts) {
          const next = tf.tidy(() => {
            const vb = Math.min(block, v - v0);
            const tb = tf.slice(liveTable(), [v0, 0], [vb, d]) as tf.Tensor2D;
            const x = tf.transpose(tf.matMul(tb, hT));
            const th = cap === null ? null : tf.tanh(tf.div(x, cap));
            let g = tf.mul(tf.exp(tf.sub(th ? tf.mul(th, cap!) : x, lseCol)), scale);
            if (th) g = tf.mul(g, tf.sub(1, tf.square(th)));
            return tf.add(dh, tf.matMul(g, tb));
          });
          dh.dispose();
          dh = next;
        }
        tf.dispose([hT, lseCol, scale]);
        return [dh, tf.zerosLike(t), tf.zerosLike(wt)];
      },
    };
  });

  // Zero, with the decode's gradient for the table: gᵀ·h, block by block of rows, so that
  // nothing [V, D]-sized is accumulated.
  const viaTable = customGradient((_tb: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([h, targets, weights, savedLse!]);
    return {
      value: tf.zeros([]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [hh, t, wt, l] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        const hT = tf.transpose(hh) as tf.Tensor2D;
        const blocks = blockStarts.map((v0) =>
          tf.tidy(() => tf.matMul(blockGrad(v0, Math.min(block, v - v0), hT, l, t, wt, dy), hh)),
        );
        hT.dispose();
        const out = tf.concat(blocks);
        tf.dispose(blocks);
        return [out];
      },
    };
  });

  try {
    return tf.tidy(() => {
      const a = viaHidden(h, targets, weights);
      const b = viaTable(table);
      return tf.add(a, b) as tf.Scalar;
    });
  } finally {
    (savedLse as tf.Tensor1D | undefined)?.dispose();
  }
}
