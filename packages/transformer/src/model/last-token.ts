/**
 * `returnLastOnly` (gm.nn.Transformer's option): keep only each sequence's last real token
 * before the final norm, so decoding to the vocabulary runs for one position per batch
 * element instead of all of them.
 */
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Layer, child, staticField, LayerError, type SideInputs } from '@penjing/layers';

/**
 * When the side input `returnLastOnly` is true, selects along `seq` the token with the
 * largest position (the last non-pad token, for left or right padding alike); otherwise
 * passes its input through. The `seq` axis disappears from the output.
 *
 * @example
 * new SelectLastToken().call(h, { tokenPositions, returnLastOnly: true }); // {batch, embedding}
 */
export class SelectLastToken extends Layer.define('SelectLastToken', {
  seqAxis: staticField<string>().default('seq'),
  positionsInputName: staticField<string>().default('tokenPositions'),
  flagInputName: staticField<string>().default('returnLastOnly'),
})<NamedArray, NamedArray> {

  override sideInputRequests(): readonly string[] {
    return [this.positionsInputName, this.flagInputName];
  }

  protected override forward(x: NamedArray, side: SideInputs): NamedArray {
    const flag = side[this.flagInputName];
    if (typeof flag !== 'boolean') {
      throw new LayerError(`SelectLastToken: side input '${this.flagInputName}' must be true or false; got ${flag === undefined ? 'nothing' : typeof flag}.`);
    }
    if (!flag) return x;
    const pos = side[this.positionsInputName];
    if (!(pos instanceof NamedArray) || !pos.names.includes(this.seqAxis) || !x.names.includes(this.seqAxis)) {
      const got = pos instanceof NamedArray ? formatNamedShape(pos.namedShape) : typeof pos;
      throw new LayerError(
        `SelectLastToken: needs positions with a '${this.seqAxis}' axis (side input '${this.positionsInputName}', got ${got}) ` +
          `and an input with one (got ${formatNamedShape(x.namedShape)}).`,
      );
    }
    // One token (a decode step): it is the last one; no argmax and gather.
    if ((x.namedShape as Record<string, number>)[this.seqAxis] === 1) return x.index({ [this.seqAxis]: 0 });
    const last = pos.argmax(this.seqAxis);
    return x.index({ [this.seqAxis]: last });
  }
}

