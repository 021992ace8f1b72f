/**
 * Load-time rewrite of a merged Whisper decoder (CPU only): cross-attention reads the
 * step-1 encoder keys pre-transposed.
 *
 * In the with-past branch each layer computes Q·Kᵀ over the encoder keys, which never
 * change after step 1. Exported as `MatMul(Q, Transpose(past_key_values.N.encoder.key,
 * perm 0,1,3,2))`, onnxruntime's CPU kernel packs (transposes) the whole key tensor before
 * a one-row product on every step: 24.6 MB a layer per step at batch 8 for a base model.
 * With the keys stored as [B, heads, head_dim, T] once, after step 1, the product is a
 * plain one-row GEMV that streams them once (docs/performance.md: ~15 % of the decoder).
 *
 * The rewrite is applied only to the exact pattern — every encoder key consumed in the
 * with-past branch by one Transpose(0,1,3,2) whose output is input B of one MatMul, and
 * not used in the other branch — and otherwise the model is loaded as it is. It edits
 * the protobuf in place: the few messages on the path to the edited nodes are re-encoded,
 * everything else (the weights) is copied as bytes.
 */

/** One field of a protobuf message: its bytes are buf[start, end), its value buf[valStart, end). */
interface Field {
  no: number;
  wt: number;
  start: number;
  valStart: number;
  end: number;
}

/** A message as byte chunks (views into the source buffer where unchanged). */
type Chunks = Uint8Array[];

export interface KeyLayoutRewrite {
  /** The rewritten model, to create the session from. */
  model: Uint8Array;
  /** Inputs whose layout is now [batch, heads, head_dim, encoder frames]. */
  transposedInputs: string[];
}

export type RewriteResult = { ok: true; rewrite: KeyLayoutRewrite } | { ok: false; why: string };

class Wire {
  constructor(readonly buf: Uint8Array) {}

  varint(pos: number): [number, number] {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return [result, pos];
      mul *= 128;
      if (mul > 2 ** 63) throw new Error('varint too long');
    }
  }

  fields(start: number, end: number): Field[] {
    const out: Field[] = [];
    let pos = start;
    while (pos < end) {
      const fStart = pos;
      const [key, p1] = this.varint(pos);
      const no = Math.floor(key / 8);
      const wt = key % 8;
      let valStart = p1;
      let fEnd: number;
      if (wt === 0) fEnd = this.varint(p1)[1];
      else if (wt === 1) fEnd = p1 + 8;
      else if (wt === 5) fEnd = p1 + 4;
      else if (wt === 2) {
        const [len, p2] = this.varint(p1);
        valStart = p2;
        fEnd = p2 + len;
      } else throw new Error(`unsupported wire type ${wt}`);
      if (fEnd > end) throw new Error('field runs past its message');
      out.push({ no, wt, start: fStart, valStart, end: fEnd });
      pos = fEnd;
    }
    return out;
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

function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function size(chunks: Chunks): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}

/** A length-delimited field `no` holding `body`. */
function lengthField(no: number, body: Chunks): Chunks {
  return [Uint8Array.from([...varintBytes(no * 8 + 2), ...varintBytes(size(body))]), ...body];
}

function stringField(no: number, s: string): Chunks {
  return lengthField(no, [new TextEncoder().encode(s)]);
}

interface NodeInfo {
  field: Field;
  fields: Field[];
  op: string;
  inputs: string[];
  outputs: string[];
}

function nodeInfo(w: Wire, field: Field): NodeInfo {
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

function attribute(w: Wire, node: NodeInfo, name: string): Field[] | null {
  for (const f of node.fields) {
    if (f.no !== 5) continue;
    const af = w.fields(f.valStart, f.end);
    const n = af.find((x) => x.no === 1);
    if (n && w.str(n) === name) return af;
  }
  return null;
}

/** Rewrite a merged decoder's bytes; `{ ok: false, why }` when the pattern is not there. */
export function transposeCrossAttentionKeys(bytes: Uint8Array): RewriteResult {
  try {
    return rewrite(new Wire(bytes));
  } catch (e) {
    return { ok: false, why: `the decoder could not be parsed for the rewrite: ${(e as Error).message}` };
  }
}

function rewrite(w: Wire): RewriteResult {
  const modelFields = w.fields(0, w.buf.length);
  const graphs = modelFields.filter((f) => f.no === 7 && f.wt === 2);
  if (graphs.length !== 1) return { ok: false, why: 'the model has no single main graph' };
  const graph = graphs[0]!;
  const graphFields = w.fields(graph.valStart, graph.end);
  const ifNodes = graphFields.filter((f) => f.no === 1).map((f) => nodeInfo(w, f)).filter((n) => n.op === 'If');
  if (ifNodes.length !== 1) return { ok: false, why: `the main graph has ${ifNodes.length} If nodes, not the merged decoder's one` };
  const ifNode = ifNodes[0]!;
  const inputFields = graphFields.filter((f) => f.no === 11);
  const keyInputs = inputFields
    .map((f) => ({ f, fields: w.fields(f.valStart, f.end) }))
    .map((x) => ({ ...x, name: w.str(x.fields.find((y) => y.no === 1)!) }))
    .filter((x) => /^past_key_values\.\d+\.encoder\.key$/.test(x.name));
  if (keyInputs.length === 0) return { ok: false, why: 'the decoder has no past_key_values.N.encoder.key inputs' };

  const branchOf = (name: string) => {
    const af = attribute(w, ifNode, name);
    const g = af?.find((x) => x.no === 6);
    if (!af || !g) return null;
    const fields = w.fields(g.valStart, g.end);
    return { attr: af, fields, nodes: fields.filter((f) => f.no === 1).map((f) => nodeInfo(w, f)) };
  };
  const withPast = branchOf('then_branch');
  const noPast = branchOf('else_branch');
  if (!withPast || !noPast) return { ok: false, why: 'the If node lacks its branches' };
  const branchOutputs = new Set(withPast.fields.filter((f) => f.no === 12).map((f) => w.str(w.fields(f.valStart, f.end).find((x) => x.no === 1)!)));

  const drop = new Set<NodeInfo>();
  const renamed = new Map<NodeInfo, { from: string; to: string }>();
  for (const k of keyInputs) {
    if (noPast.nodes.some((n) => n.inputs.includes(k.name))) return { ok: false, why: `${k.name} is used by the no-past branch` };
    const users = withPast.nodes.filter((n) => n.inputs.includes(k.name));
    const t = users[0];
    if (users.length !== 1 || t!.op !== 'Transpose' || t!.inputs.length !== 1 || t!.outputs.length !== 1)
      return { ok: false, why: `${k.name} is not read through one Transpose in the with-past branch` };
    const perm = w.ints(attribute(w, t!, 'perm') ?? [], 8);
    if (perm.join(',') !== '0,1,3,2') return { ok: false, why: `${k.name} is transposed with perm [${perm.join(',')}], not [0,1,3,2]` };
    const out = t!.outputs[0]!;
    const readers = withPast.nodes.filter((n) => n.inputs.includes(out));
    const m = readers[0];
    if (branchOutputs.has(out) || readers.length !== 1 || m!.op !== 'MatMul' || m!.inputs.length !== 2 || m!.inputs[1] !== out || m!.inputs[0] === out)
      return { ok: false, why: `the transposed ${k.name} is not input B of a single MatMul` };
    drop.add(t!);
    renamed.set(m!, { from: out, to: k.name });
  }

  // Re-encode bottom-up: MatMul nodes, the with-past graph, its attribute, the If node,
  // the key inputs' shapes, the main graph, the model.
  const nodeChunks = (n: NodeInfo): Chunks => {
    const r = renamed.get(n);
    if (!r) return [w.raw(n.field)];
    const body: Chunks = n.fields.map((f) => (f.no === 1 && w.str(f) === r.from ? stringField(1, r.to) : [w.raw(f)])).flat();
    return lengthField(1, body);
  };
  const branchBody: Chunks = [];
  let nodeIndex = 0;
  for (const f of withPast.fields) {
    if (f.no === 1) {
      const n = withPast.nodes[nodeIndex++]!;
      if (!drop.has(n)) branchBody.push(...nodeChunks(n));
    } else branchBody.push(w.raw(f));
  }
  const attrBody: Chunks = withPast.attr.map((f) => (f.no === 6 ? lengthField(6, branchBody) : [w.raw(f)])).flat();
  const ifBody: Chunks = ifNode.fields
    .map((f) => {
      if (f.no !== 5) return [w.raw(f)];
      const name = w.fields(f.valStart, f.end).find((x) => x.no === 1);
      return name && w.str(name) === 'then_branch' ? lengthField(5, attrBody) : [w.raw(f)];
    })
    .flat();
  const keyNames = new Set(keyInputs.map((k) => k.name));
  const graphBody: Chunks = [];
  for (const f of graphFields) {
    if (f.start === ifNode.field.start) graphBody.push(...lengthField(1, ifBody));
    else if (f.no === 11 && keyNames.has(w.str(w.fields(f.valStart, f.end).find((x) => x.no === 1)!))) graphBody.push(...lengthField(11, swapLastDims(w, f)));
    else graphBody.push(w.raw(f));
  }
  const modelBody: Chunks = modelFields.map((f) => (f.no === 7 && f.wt === 2 ? lengthField(7, graphBody) : [w.raw(f)])).flat();
  const model = new Uint8Array(size(modelBody));
  let at = 0;
  for (const c of modelBody) {
    model.set(c, at);
    at += c.length;
  }
  return { ok: true, rewrite: { model, transposedInputs: [...keyNames] } };
}

/** ValueInfoProto with its tensor shape's last two dims swapped ([B, H, T, hd] → [B, H, hd, T]). */
function swapLastDims(w: Wire, valueInfo: Field): Chunks {
  const vi = w.fields(valueInfo.valStart, valueInfo.end);
  return vi
    .map((f): Chunks => {
      if (f.no !== 2) return [w.raw(f)];
      const typeFields = w.fields(f.valStart, f.end);
      const typeBody = typeFields
        .map((tf): Chunks => {
          if (tf.no !== 1) return [w.raw(tf)];
          const tensorFields = w.fields(tf.valStart, tf.end);
          const tensorBody = tensorFields
            .map((sf): Chunks => {
              if (sf.no !== 2) return [w.raw(sf)];
              const shapeFields = w.fields(sf.valStart, sf.end);
              const dims = shapeFields.filter((d) => d.no === 1);
              if (dims.length !== 4) throw new Error('an encoder key input is not 4-D');
              const order = [dims[0]!, dims[1]!, dims[3]!, dims[2]!];
              let i = 0;
              return lengthField(2, shapeFields.map((d) => (d.no === 1 ? [w.raw(order[i++]!)] : [w.raw(d)])).flat());
            })
            .flat();
          return lengthField(1, tensorBody);
        })
        .flat();
      return lengthField(2, typeBody);
    })
    .flat();
}
