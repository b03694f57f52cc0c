/**
 * Learned absolute position embeddings (GPT-2's `wpe`): the row of a table for each token's
 * position is added to its embedding. Positions come from the side input `tokenPositions`, as
 * RoPE's do, so explicit positions, padding (−1) and the KV cache work the same way.
 */
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { EmbeddingTable, Layer, LayerError, child, requireNamed, staticField, type SideInputs } from '@penjing/layers';

/**
 * Adds `table[position]` to `{…, seq, embedding}` activations. The table's vocabulary axis is
 * `positions`; padding (position −1) reads row 0, which the masks then ignore.
 *
 * @example new AddPositionEmbeddings({ table: EmbeddingTable.fromConfig({ name: 'transformer/position_embedder', seed: 0, vocabSize: 1024, embeddingAxes: { embedding: 768 }, vocabularyAxis: 'positions' }) })
 */
export class AddPositionEmbeddings extends Layer.define('AddPositionEmbeddings', {
  table: child<EmbeddingTable>(),
  positionsInputName: staticField<string>().default('tokenPositions'),
})<NamedArray, NamedArray> {
  override sideInputRequests(): readonly string[] {
    return [this.positionsInputName];
  }
  protected override forward(input: NamedArray, side: SideInputs): NamedArray {
    const who = `AddPositionEmbeddings '${this.table.embeddings.label}'`;
    const x = requireNamed(input, who);
    const pos = side[this.positionsInputName];
    if (!(pos instanceof NamedArray) || pos.dtype !== 'int32') {
      throw new LayerError(`${who}: side input '${this.positionsInputName}' must be int32 positions {batch…, seq}; got ${pos instanceof NamedArray ? pos.dtype : typeof pos}.`);
    }
    const t = this.table.embeddings.value;
    const rows = t.namedShape[this.table.vocabularyAxis] as number;
    const highest = pos.data.max().dataSync()[0] ?? 0;
    if (highest >= rows) {
      throw new LayerError(`${who}: position ${highest} is beyond the table's ${rows} rows (positions ${formatNamedShape(pos.namedShape)}); this model reads at most ${rows} tokens.`);
    }
    return x.add(t.index({ [this.table.vocabularyAxis]: pos.maximum(0) }));
  }
}
