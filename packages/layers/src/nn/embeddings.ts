import * as nx from '@penjing/named-array';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { LayerError, Layer } from '../core/layer.js';
import { Struct } from '../tree/struct.js';
import { child, staticField } from '../tree/fields.js';
import { Parameter, ParameterSlot, type ParameterLike } from '../params/parameter.js';
import { checkInputAxes, requireNamed } from './checks.js';
import { makeParameter, varianceScalingInitializer, type AxisSizes, type Initializer } from './init.js';

/** Options of `EmbeddingTable.fromConfig`. */
export interface EmbeddingTableConfig {
  /** Label prefix: the table is labelled `<name>.embeddings`. */
  name: string;
  /** Base seed; `null` builds a ParameterSlot. */
  seed: number | null;
  vocabSize: number;
  /** The embedding axes with their sizes, e.g. `{ embedding: 2048 }`. */
  embeddingAxes: AxisSizes;
  /** Default `'vocabulary'`. */
  vocabularyAxis?: string;
  /** Default: variance scaling, fan-out (the embedding size), normal: each entry has variance 1/d. */
  initializer?: Initializer;
}

/**
 * A table of embeddings `{vocabulary, ...embeddingAxes}`. Not a layer: `EmbeddingLookup` and
 * `EmbeddingDecode` hold the same table object to tie input and output embeddings. Keep the
 * value laid out vocabulary-first (as `fromConfig` does): a lookup then gathers rows in place
 * and the decode's matMul reads the table transposed for free.
 * @example const table = EmbeddingTable.fromConfig({ name: 'transformer/embedder', seed: 0, vocabSize: 11, embeddingAxes: { embedding: 8 } });
 */
export class EmbeddingTable extends Struct.define('EmbeddingTable', {
  embeddings: child<ParameterLike>(),
  vocabularyAxis: staticField<string>().default('vocabulary'),
}) {

  /** @example EmbeddingTable.fromConfig({ name: 'emb', seed: null, vocabSize: 256, embeddingAxes: { embedding: 64 } }) */
  static fromConfig(c: EmbeddingTableConfig): EmbeddingTable {
    const vocabularyAxis = c.vocabularyAxis ?? 'vocabulary';
    if (vocabularyAxis in c.embeddingAxes) throw new RangeError(`EmbeddingTable '${c.name}': the vocabulary axis '${vocabularyAxis}' is also an embedding axis.`);
    // For initialisation the vocabulary is a parallel axis: each row is scaled by the embedding size alone.
    const made = makeParameter({
      label: `${c.name}.embeddings`,
      seed: c.seed,
      initializer: c.initializer ?? varianceScalingInitializer({ scale: 1, mode: 'fanOut', distribution: 'normal' }),
      outputAxes: c.embeddingAxes,
      parallelAxes: { [vocabularyAxis]: c.vocabSize },
    });
    // Lay the table out vocabulary-first: lookups gather rows without transposing the table.
    const order = [vocabularyAxis, ...Object.keys(c.embeddingAxes)];
    const embeddings = made instanceof ParameterSlot
      ? new ParameterSlot({ label: made.label, namedShape: Object.freeze(Object.fromEntries(order.map((n) => [n, made.namedShape![n]]))) })
      : new Parameter({ label: made.label, value: reorder(made.value, order) });
    return new EmbeddingTable({ embeddings, vocabularyAxis });
  }
}

function reorder(v: NamedArray, order: readonly string[]): NamedArray {
  const out = v.orderAs(...order);
  if (out !== v) v.dispose();
  return out;
}

/** A layer that reads an `EmbeddingTable` (lookup and decode share it to tie the weights). */
abstract class UsesEmbeddingTable extends Layer.define('UsesEmbeddingTable', { table: child<EmbeddingTable>() })<NamedArray, NamedArray> {
  /** How errors name this layer: its type and the table's label. */
  protected get who(): string {
    return `${this.typeName()} '${this.table.embeddings.label}'`;
  }
}

/**
 * Looks up token embeddings: int tokens `{batch, seq}` → `{batch, seq, embedding}` (dict
 * indexing along the vocabulary axis). Gradients reach the table on every backend: nx's
 * gather differentiates by scatter-add (tfjs's own gather gradient is missing on wasm).
 * @example new EmbeddingLookup({ table }).call(tokens)
 */
export class EmbeddingLookup extends UsesEmbeddingTable {
  static override readonly structName = 'EmbeddingLookup';
  protected override forward(input: NamedArray): NamedArray {
    const ids = requireNamed(input, this.who);
    const t = this.table.embeddings.value;
    const vocab = this.table.vocabularyAxis;
    if (ids.dtype !== 'int32') throw new LayerError(`${this.who} expects int32 token ids; got ${ids.dtype} ${formatNamedShape(ids.namedShape)}. Cast them with .astype('int32').`);
    const clash = ids.names.filter((n) => t.names.includes(n));
    if (clash.length) {
      throw new LayerError(
        `${this.who}: the token ids ${formatNamedShape(ids.namedShape)} already have table axes [${clash.join(', ')}] ` +
          `(table ${formatNamedShape(t.namedShape)}); rename those axes of the ids first.`,
      );
    }
    return t.index({ [vocab]: ids });
  }
}

/**
 * Decodes embeddings into logits over the vocabulary by contracting the embedding axes with
 * the (usually tied) table: `{batch, seq, embedding}` → `{batch, seq, vocabulary}`.
 * @example new EmbeddingDecode({ table }).call(h)
 */
export class EmbeddingDecode extends UsesEmbeddingTable {
  static override readonly structName = 'EmbeddingDecode';
  protected override forward(input: NamedArray): NamedArray {
    const x = requireNamed(input, this.who);
    const t = this.table.embeddings.value;
    const vocab = this.table.vocabularyAxis;
    const ts = t.namedShape as Record<string, number>;
    const emb = t.names.filter((n) => n !== vocab);
    checkInputAxes(x, Object.fromEntries(emb.map((n) => [n, ts[n]])), this.who, [vocab]);
    return nx.contract(emb, x, t);
  }
}
