/**
 * RoPE with per-frequency rescaling (Llama 3.1's `rope_scaling: {rope_type: "llama3"}`):
 * short wavelengths are kept, long ones divided by `factor`, and the band between blended.
 * The rotation itself is the catalogue's (`rotateWithFrequencies`), shared with `ApplyRoPE`.
 */
import type { NamedArray } from '@penjing/named-array';
import { Layer, checkInputAxes, requireNamed, rotateWithFrequencies, staticField, type FieldInputs, type SideInputs } from '@penjing/layers';

/**
 * The inverse frequencies of Llama 3's scaled RoPE for a rotated size `d`:
 * with `inv_j = 1/θ^(2j/d)` and wavelength `λ_j = 2π/inv_j`, keep `inv_j` when
 * `λ_j < L/high`, use `inv_j/factor` when `λ_j > L/low`, and in between blend
 * `(1−s)·inv_j/factor + s·inv_j` with `s = (L/λ_j − low)/(high − low)` (L the original context).
 *
 * @example llama3InverseFrequencies(64, 500000, { factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 })
 */
export function llama3InverseFrequencies(
  d: number,
  theta: number,
  s: { factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number },
): number[] {
  const lowWavelength = s.originalMaxPositions / s.lowFreqFactor;
  const highWavelength = s.originalMaxPositions / s.highFreqFactor;
  return Array.from({ length: d / 2 }, (_, j) => {
    const inv = 1 / theta ** ((2 * j) / d);
    const wavelength = (2 * Math.PI) / inv;
    if (wavelength < highWavelength) return inv;
    if (wavelength > lowWavelength) return inv / s.factor;
    const smooth = (s.originalMaxPositions / wavelength - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    return (1 - smooth) * (inv / s.factor) + smooth * inv;
  });
}

/** The fields of ApplyLlama3RoPE (named so its constructor can check them together). */
const llama3RoPEFields = {
  embeddingAxis: staticField<string>(),
  maxWavelength: staticField<number>(),
  factor: staticField<number>(),
  lowFreqFactor: staticField<number>(),
  highFreqFactor: staticField<number>(),
  originalMaxPositions: staticField<number>(),
  positionsInputName: staticField<string>().default('tokenPositions'),
};

/**
 * Split-half RoPE over `embeddingAxis` with Llama 3's frequency scaling.
 *
 * @example new ApplyLlama3RoPE({ embeddingAxis: 'projection', maxWavelength: 500000, factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 })
 */
export class ApplyLlama3RoPE extends Layer.define('ApplyLlama3RoPE', llama3RoPEFields)<NamedArray, NamedArray> {
  constructor(f: FieldInputs<typeof llama3RoPEFields>) {
    if (!(f.factor >= 1) || !(f.highFreqFactor > f.lowFreqFactor) || !(f.originalMaxPositions > 0)) {
      throw new RangeError(`ApplyLlama3RoPE: need factor ≥ 1, high_freq_factor > low_freq_factor and original_max_position_embeddings > 0; got ${JSON.stringify(f)}.`);
    }
    super(f);
  }
  override sideInputRequests(): readonly string[] {
    return [this.positionsInputName];
  }
  protected override forward(input: NamedArray, side: SideInputs): NamedArray {
    const who = `ApplyLlama3RoPE over '${this.embeddingAxis}'`;
    const x = requireNamed(input, who);
    checkInputAxes(x, { [this.embeddingAxis]: undefined }, who);
    const d = (x.namedShape as Record<string, number>)[this.embeddingAxis];
    const inverseFrequencies = llama3InverseFrequencies(d - (d % 2), this.maxWavelength, this);
    return rotateWithFrequencies(x, side, { embeddingAxis: this.embeddingAxis, positionsInputName: this.positionsInputName, inverseFrequencies }, who);
  }
}
