import type { DecoderSession, StartLogits } from '../../main/inference/whisper/decoding';

/** Logits for one row: which audio it reads and the tokens sampled so far (after the prompt). */
export type LogitsFn = (audio: number, sampled: readonly number[]) => Float32Array;

/**
 * A decoder whose logits are a pure function of (audio, sampled tokens): the decode loop
 * must feed it exactly as a KV-cached model (rows, reorder, one token per step).
 */
export class FakeDecoder implements DecoderSession {
  rowsPerCall: number[] = [];
  private rows: Array<{ audio: number; sampled: number[] }> = [];
  constructor(
    readonly vocabSize: number,
    private readonly logits: LogitsFn,
    private readonly atSot: (audio: number) => Float32Array = () => new Float32Array(vocabSize),
  ) {}

  private batch(): Float32Array {
    const out = new Float32Array(this.rows.length * this.vocabSize);
    this.rows.forEach((r, i) => out.set(this.logits(r.audio, r.sampled), i * this.vocabSize));
    this.rowsPerCall.push(this.rows.length);
    return out;
  }

  async start(_prompt: Int32Array, _sotIndex: number, rowSources: Int32Array): Promise<StartLogits> {
    this.rows = [...rowSources].map((audio) => ({ audio, sampled: [] }));
    const atSot = new Float32Array(this.rows.length * this.vocabSize);
    this.rows.forEach((r, i) => atSot.set(this.atSot(r.audio), i * this.vocabSize));
    return { last: this.batch(), atSot };
  }

  async step(tokens: Int32Array): Promise<Float32Array> {
    if (tokens.length !== this.rows.length) throw new Error(`step got ${tokens.length} tokens for ${this.rows.length} rows`);
    tokens.forEach((t, i) => this.rows[i]!.sampled.push(t));
    return this.batch();
  }

  reorder(rows: Int32Array): void {
    this.rows = [...rows].map((r) => ({ audio: this.rows[r]!.audio, sampled: [...this.rows[r]!.sampled] }));
  }

  end(): void {
    this.rows = [];
  }
}

/** A row of −10 logits with the given overrides. */
export function logitsRow(vocab: number, values: Record<number, number>, base = -10): Float32Array {
  const row = new Float32Array(vocab).fill(base);
  for (const [k, v] of Object.entries(values)) row[Number(k)] = v;
  return row;
}
