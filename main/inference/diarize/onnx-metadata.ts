/**
 * The metadata_props of an ONNX model (key → value strings), read straight from the
 * ModelProto bytes: onnxruntime-node does not expose custom metadata, and sherpa-onnx's
 * diarization exports keep their settings there (window_size, output_dim, normalize_samples…).
 */

/** ModelProto field numbers (onnx.proto3). */
const MODEL_METADATA_PROPS = 14;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

class ProtoReader {
  pos = 0;
  constructor(
    private readonly buf: Uint8Array,
    private readonly end = buf.length,
  ) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  }

  /** Returns the field number and wire type of the next tag. */
  tag(): { field: number; wire: number } {
    const t = this.varint();
    return { field: Math.floor(t / 8), wire: t % 8 };
  }

  bytes(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.end) throw new RangeError('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new RangeError(`unsupported protobuf wire type ${wire}`);
  }
}

/** metadata_props of a serialized ONNX model; {} when it has none or the bytes are not a model. */
export function readOnnxMetadata(model: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const utf8 = new TextDecoder();
  try {
    const r = new ProtoReader(model);
    while (!r.done) {
      const { field, wire } = r.tag();
      if (field !== MODEL_METADATA_PROPS || wire !== 2) {
        r.skip(wire);
        continue;
      }
      const entry = r.bytes();
      const e = new ProtoReader(entry);
      let key = '';
      let value = '';
      while (!e.done) {
        const t = e.tag();
        if (t.field === ENTRY_KEY && t.wire === 2) key = utf8.decode(e.bytes());
        else if (t.field === ENTRY_VALUE && t.wire === 2) value = utf8.decode(e.bytes());
        else e.skip(t.wire);
      }
      if (key) out[key] = value;
    }
  } catch {
    // Not a parsable ModelProto: onnxruntime reports the real problem when it loads it.
  }
  return out;
}

/** A numeric metadata value, or the fallback when absent or not a number. */
export function metadataNumber(meta: Record<string, string>, key: string, fallback: number): number {
  const raw = meta[key];
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = Number(raw);
  return Number.isFinite(v) ? v : fallback;
}
