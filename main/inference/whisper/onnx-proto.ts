/**
 * Just enough of the ONNX protobuf wire format to edit a model's graph at load time
 * (decoder-graph.ts, encoder-graph.ts): read fields as byte ranges, re-encode the few
 * messages on the path to an edit, copy everything else (the weights) as bytes.
 */

/** One field of a protobuf message: its bytes are buf[start, end), its value buf[valStart, end). */
export interface Field {
  no: number;
  wt: number;
  start: number;
  valStart: number;
  end: number;
}

/** A message as byte chunks (views into the source buffer where unchanged). */
export type Chunks = Uint8Array[];

/** A base-128 varint at pos of a byte source of `size` bytes → [value, position after it]. */
export function readVarint(byteAt: (pos: number) => number, size: number, pos: number): [number, number] {
  let result = 0;
  let mul = 1;
  for (;;) {
    if (pos >= size) throw new Error('truncated varint');
    const b = byteAt(pos++);
    result += (b & 0x7f) * mul;
    if (b < 0x80) return [result, pos];
    mul *= 128;
    if (mul > 2 ** 63) throw new Error('varint too long');
  }
}

/** The fields of the message in [start, end) of a byte source, headers only (its varint reader given). */
export function scanFields(varint: (pos: number) => [number, number], start: number, end: number): Field[] {
  const out: Field[] = [];
  let pos = start;
  while (pos < end) {
    const fStart = pos;
    const [key, p1] = varint(pos);
    const no = Math.floor(key / 8);
    const wt = key % 8;
    let valStart = p1;
    let fEnd: number;
    if (wt === 0) fEnd = varint(p1)[1];
    else if (wt === 1) fEnd = p1 + 8;
    else if (wt === 5) fEnd = p1 + 4;
    else if (wt === 2) {
      const [len, p2] = varint(p1);
      valStart = p2;
      fEnd = p2 + len;
    } else throw new Error(`unsupported wire type ${wt}`);
    if (fEnd > end) throw new Error('field runs past its message');
    out.push({ no, wt, start: fStart, valStart, end: fEnd });
    pos = fEnd;
  }
  return out;
}

export class Wire {
  constructor(readonly buf: Uint8Array) {}

  varint(pos: number): [number, number] {
    return readVarint((p) => this.buf[p]!, this.buf.length, pos);
  }

  fields(start: number, end: number): Field[] {
    return scanFields((p) => this.varint(p), start, end);
  }

  str(f: Field): string {
    return new TextDecoder().decode(this.buf.subarray(f.valStart, f.end));
  }

  raw(f: Field): Uint8Array {
    return this.buf.subarray(f.start, f.end);
  }

  /** Packed or repeated int64 values of field `no`. */
  ints(fs: Field[], no: number): number[] {
    const out: number[] = [];
    for (const f of fs) {
      if (f.no !== no) continue;
      if (f.wt === 0) out.push(this.varint(f.valStart)[0]);
      else if (f.wt === 2) for (let p = f.valStart; p < f.end; ) {
        const [v, np] = this.varint(p);
        out.push(v);
        p = np;
      }
    }
    return out;
  }
}

export function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

export function size(chunks: Chunks): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}

/** A length-delimited field `no` holding `body`. */
export function lengthField(no: number, body: Chunks): Chunks {
  return [Uint8Array.from([...varintBytes(no * 8 + 2), ...varintBytes(size(body))]), ...body];
}

export function stringField(no: number, s: string): Chunks {
  return lengthField(no, [new TextEncoder().encode(s)]);
}

export interface NodeInfo {
  field: Field;
  fields: Field[];
  op: string;
  inputs: string[];
  outputs: string[];
}

export function nodeInfo(w: Wire, field: Field): NodeInfo {
  const fields = w.fields(field.valStart, field.end);
  const op = fields.find((f) => f.no === 4);
  return {
    field,
    fields,
    op: op ? w.str(op) : '',
    inputs: fields.filter((f) => f.no === 1).map((f) => w.str(f)),
    outputs: fields.filter((f) => f.no === 2).map((f) => w.str(f)),
  };
}

export function attribute(w: Wire, node: NodeInfo, name: string): Field[] | null {
  for (const f of node.fields) {
    if (f.no !== 5) continue;
    const af = w.fields(f.valStart, f.end);
    const n = af.find((x) => x.no === 1);
    if (n && w.str(n) === name) return af;
  }
  return null;
}

/** An attribute's int value (AttributeProto.i, signed int64), or null when absent. */
export function attributeInt(w: Wire, node: NodeInfo, name: string): number | null {
  const f = attribute(w, node, name)?.find((x) => x.no === 3 && x.wt === 0);
  return f ? signedVarint(w.buf, f.valStart)[0] : null;
}

/** A varint read as a signed int64 (two's complement: −1 is ten bytes) → [value, position after it]. */
export function signedVarint(buf: Uint8Array, pos: number): [number, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++]!;
    v |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if (b < 0x80) return [Number(BigInt.asIntN(64, v)), pos];
  }
}

export function lastField(fields: Field[], no: number): number {
  for (let i = fields.length - 1; i >= 0; i--) if (fields[i]!.no === no) return i;
  return -1;
}

export function nodeChunk(inputs: string[], outputs: string[], name: string, op: string): Chunks {
  return lengthField(1, [...inputs.flatMap((i) => stringField(1, i)), ...outputs.flatMap((o) => stringField(2, o)), ...stringField(3, name), ...stringField(4, op)]);
}

/** AttributeProto of type INT (int64, two's complement for negatives). */
export function intAttribute(name: string, value: number): Chunks {
  const bytes: number[] = [];
  let v = BigInt.asUintN(64, BigInt(value));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    bytes.push(b);
  } while (v !== 0n);
  return lengthField(5, [...stringField(1, name), Uint8Array.from([0x18, ...bytes, 0xa0, 0x01, 2])]);
}

/** NodeProto with INT attributes. */
export function nodeWithInts(inputs: string[], outputs: string[], name: string, op: string, ints: Array<[string, number]>): Chunks {
  return lengthField(1, [
    ...inputs.flatMap((i) => stringField(1, i)),
    ...outputs.flatMap((o) => stringField(2, o)),
    ...stringField(3, name),
    ...stringField(4, op),
    ...ints.flatMap(([n, v]) => intAttribute(n, v)),
  ]);
}

/** ValueInfoProto: a tensor of `elemType` (TensorProto.DataType), shape left open. */
export function tensorValueInfo(name: string, elemType: number): Chunks {
  const elem = Uint8Array.from([0x08, ...varintBytes(elemType)]);
  return [...stringField(1, name), ...lengthField(2, lengthField(1, [elem]))];
}


/** ValueInfoProto's name. */
export function valueInfoName(w: Wire, f: Field): string {
  return w.str(w.fields(f.valStart, f.end).find((y) => y.no === 1)!);
}

/** ValueInfoProto's tensor element type (TensorProto.DataType), if it has one. */
export function valueInfoElemType(w: Wire, f: Field): number | undefined {
  return w
    .fields(f.valStart, f.end)
    .filter((x) => x.no === 2)
    .flatMap((x) => w.fields(x.valStart, x.end).filter((t) => t.no === 1))
    .flatMap((t) => w.ints(w.fields(t.valStart, t.end), 1))[0];
}

/** The message the chunks spell, as one buffer. */
export function joinChunks(chunks: Chunks): Uint8Array {
  const out = new Uint8Array(size(chunks));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
