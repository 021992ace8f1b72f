/**
 * Load-time rewrite of a merged Whisper decoder (CPU only), two independent edits:
 *
 * 1. Cross-attention reads the step-1 encoder keys pre-transposed. In the with-past branch
 *    each layer computes Q·Kᵀ over the encoder keys, which never change after step 1.
 *    Exported as `MatMul(Q, Transpose(past_key_values.N.encoder.key, perm 0,1,3,2))`,
 *    onnxruntime's CPU kernel packs (transposes) the whole key tensor before a one-row
 *    product on every step: 24.6 MB a layer per step at batch 8 for a base model. With the
 *    keys stored as [B, heads, head_dim, T] — the no-past branch (step 1) returns
 *    present.N.encoder.key through an added Transpose — the product is a plain one-row
 *    GEMV that streams them once (docs/performance.md: ~12 % of the decoder).
 *    Applied when every encoder key is consumed in the with-past branch by one
 *    Transpose(0,1,3,2) whose output is input B of one MatMul, and not used in the other
 *    branch.
 *
 * 2. Each step also returns the step's own self-attention keys/values. The with-past branch
 *    computes `present.N.decoder.X = Concat(past_key_values.N.decoder.X, new, axis 2)`;
 *    fetching that whole tensor makes onnxruntime-node copy the growing cache into a fresh
 *    ArrayBuffer every step (40 MB at step 200, batch 8, base) and feeds V8's collector. The
 *    rewrite adds an output per cache tensor holding only `new` ([B, heads, 1, head_dim];
 *    in the no-past branch the whole prompt's, i.e. present itself), so the engine can fetch
 *    those and extend its own cache buffers (onnx-model.ts, SelfAttentionCache). Applied
 *    when every present.N.decoder.X of the with-past branch is such a Concat.
 *
 * 3. A greedy head after the If node: `greedy_token = ArgMax(logits + logits_mask)` and
 *    `greedy_logprob` (its log-softmax value), both [B, S, 1], with `logits_mask` ([vocab],
 *    0 or −∞: the suppressed tokens) a new input. Greedy decoding without timestamp rules
 *    then fetches two numbers per row instead of the whole logits row (200 KB per row and
 *    step, copied out by onnxruntime-node, then scanned twice in JS). Made when the graph
 *    has a float or float16 `logits` output and none of those names.
 *
 * Each edit is made where its pattern is exact; the others may still apply. It edits the
 * protobuf in place: the few messages on the path to the edited nodes are re-encoded,
 * everything else (the weights) is copied as bytes.
 */

import { attribute, attributeInt, type Chunks, type Field, joinChunks, lastField, lengthField, type NodeInfo, nodeChunk, nodeInfo, nodeWithInts, stringField, tensorValueInfo, valueInfoElemType, valueInfoName, Wire } from './onnx-proto';

export interface DecoderRewrite {
  /** The rewritten model, to create the session from. */
  model: Uint8Array;
  /** Inputs whose layout is now [batch, heads, head_dim, encoder frames]; empty when edit 1 was not made. */
  transposedInputs: string[];
  /** Why edit 1 was not made (null when it was). */
  keysWhy: string | null;
  /** past_key_values.N.decoder.X → the added output holding the step's own rows; empty when edit 2 was not made. */
  stepOutputs: Map<string, string>;
  /** Why edit 2 was not made (null when it was). */
  stepWhy: string | null;
  /** Whether edit 3 (greedy_token / greedy_logprob, input logits_mask) was made. */
  greedyHead: boolean;
  /** Why edit 3 was not made (null when it was). */
  greedyWhy: string | null;
}

/** Names edit 3 adds. */
export const GREEDY = { mask: 'logits_mask', token: 'greedy_token', logprob: 'greedy_logprob' } as const;

export type RewriteResult = { ok: true; rewrite: DecoderRewrite } | { ok: false; why: string };

/** Name of the added output holding the step's own rows of past_key_values.N.decoder.X. */
function stepOutputName(pastName: string): string {
  return pastName.replace(/^past_key_values\./, 'step_key_values.');
}

/** Transpose(0,1,3,2) as a NodeProto. */
function transposeNodeChunk(input: string, output: string): Chunks {
  const perm = Uint8Array.from([0x40, 0, 0x40, 1, 0x40, 3, 0x40, 2]);
  const attr = lengthField(5, [...stringField(1, 'perm'), perm, Uint8Array.from([0xa0, 0x01, 7])]);
  return lengthField(1, [...stringField(1, input), ...stringField(2, output), ...stringField(3, `${output}/Transpose`), ...stringField(4, 'Transpose'), ...attr]);
}

/** The greedy head's nodes (edit 3), reading `logits` of element type `elemType`. */
function greedyHeadNodes(elemType: number): Chunks {
  const p = 'greedy_head';
  const logits = elemType === 1 ? 'logits' : `${p}/logits_float`;
  return [
    ...(elemType === 1 ? [] : nodeWithInts(['logits'], [logits], `${p}/Cast`, 'Cast', [['to', 1]])),
    ...nodeChunk([logits, GREEDY.mask], [`${p}/masked`], `${p}/Add`, 'Add'),
    ...nodeWithInts([`${p}/masked`], [GREEDY.token], `${p}/ArgMax`, 'ArgMax', [['axis', -1], ['keepdims', 1]]),
    ...nodeWithInts([`${p}/masked`], [`${p}/logprobs`], `${p}/LogSoftmax`, 'LogSoftmax', [['axis', -1]]),
    ...nodeWithInts([`${p}/logprobs`, GREEDY.token], [GREEDY.logprob], `${p}/GatherElements`, 'GatherElements', [['axis', -1]]),
  ];
}

/** Rewrite a merged decoder's bytes; `{ ok: false, why }` when neither pattern is there. */
export function rewriteDecoder(bytes: Uint8Array): RewriteResult {
  try {
    return rewrite(new Wire(bytes));
  } catch (e) {
    return { ok: false, why: `the decoder could not be parsed for the rewrite: ${(e as Error).message}` };
  }
}

interface Branch {
  attr: Field[];
  fields: Field[];
  nodes: NodeInfo[];
  /** Names of the branch's outputs, in order (they map to the If node's outputs by position). */
  outputs: string[];
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
  const valueName = (f: Field) => valueInfoName(w, f);
  const inputs = graphFields
    .filter((f) => f.no === 11)
    .map((f) => ({ f, name: valueName(f) }));
  const graphOutputs = new Set(graphFields.filter((f) => f.no === 12).map(valueName));

  const branchOf = (name: string): Branch | null => {
    const af = attribute(w, ifNode, name);
    const g = af?.find((x) => x.no === 6);
    if (!af || !g) return null;
    const fields = w.fields(g.valStart, g.end);
    return { attr: af, fields, nodes: fields.filter((f) => f.no === 1).map((f) => nodeInfo(w, f)), outputs: fields.filter((f) => f.no === 12).map(valueName) };
  };
  const withPast = branchOf('then_branch');
  const noPast = branchOf('else_branch');
  if (!withPast || !noPast) return { ok: false, why: 'the If node lacks its branches' };
  if (withPast.outputs.length !== ifNode.outputs.length || noPast.outputs.length !== ifNode.outputs.length)
    return { ok: false, why: "the If node's branches do not have one output per If output" };

  // Edit 1: encoder keys read pre-transposed.
  const elemTypeOf = (x: { f: Field }): number | undefined => valueInfoElemType(w, x.f);
  const keyInputs = inputs.filter((x) => /^past_key_values\.\d+\.encoder\.key$/.test(x.name));
  const drop = new Set<NodeInfo>();
  const renamed = new Map<NodeInfo, { from: string; to: string }>();
  /** Step 1's encoder keys, transposed in the no-past branch: branch output → transposed name, with its type. */
  const keyOutputs = new Map<string, { to: string; elemType: number }>();
  const keysWhy = ((): string | null => {
    if (keyInputs.length === 0) return 'the decoder has no past_key_values.N.encoder.key inputs';
    if (lastField(noPast.fields, 1) < 0) return 'the no-past branch has no nodes';
    const withPastOutputs = new Set(withPast.outputs);
    for (const k of keyInputs) {
      const present = k.name.replace(/^past_key_values\./, 'present.');
      const i = ifNode.outputs.indexOf(present);
      const elemType = elemTypeOf(k);
      if (i < 0) return `the decoder has no ${present} output`;
      if (elemType === undefined) return `${k.name} has no tensor type`;
      keyOutputs.set(noPast.outputs[i]!, { to: `${present}/transposed`, elemType });
      if (noPast.nodes.some((n) => n.inputs.includes(k.name))) return `${k.name} is used by the no-past branch`;
      const users = withPast.nodes.filter((n) => n.inputs.includes(k.name));
      const t = users[0];
      if (users.length !== 1 || t!.op !== 'Transpose' || t!.inputs.length !== 1 || t!.outputs.length !== 1)
        return `${k.name} is not read through one Transpose in the with-past branch`;
      const perm = w.ints(attribute(w, t!, 'perm') ?? [], 8);
      if (perm.join(',') !== '0,1,3,2') return `${k.name} is transposed with perm [${perm.join(',')}], not [0,1,3,2]`;
      const out = t!.outputs[0]!;
      const readers = withPast.nodes.filter((n) => n.inputs.includes(out));
      const m = readers[0];
      if (withPastOutputs.has(out) || readers.length !== 1 || m!.op !== 'MatMul' || m!.inputs.length !== 2 || m!.inputs[1] !== out || m!.inputs[0] === out)
        return `the transposed ${k.name} is not input B of a single MatMul`;
      drop.add(t!);
      renamed.set(m!, { from: out, to: k.name });
    }
    return null;
  })();
  if (keysWhy) {
    drop.clear();
    renamed.clear();
    keyOutputs.clear();
  }

  // Edit 2: each step also returns its own self-attention rows.
  const selfInputs = inputs.filter((x) => /^past_key_values\.\d+\.decoder\.(key|value)$/.test(x.name));
  const steps: Array<{ past: string; output: string; withPastSrc: string; noPastSrc: string; elemType: number }> = [];
  const stepWhy = ((): string | null => {
    if (selfInputs.length === 0) return 'the decoder has no past_key_values.N.decoder.* inputs';
    if (lastField(withPast.fields, 1) < 0 || lastField(noPast.fields, 1) < 0) return 'a branch of the If node has no nodes';
    const producer = new Map<string, NodeInfo>();
    for (const n of withPast.nodes) for (const o of n.outputs) producer.set(o, n);
    for (const x of selfInputs) {
      const present = x.name.replace(/^past_key_values\./, 'present.');
      const i = ifNode.outputs.indexOf(present);
      if (i < 0) return `the decoder has no ${present} output`;
      const output = stepOutputName(x.name);
      if (graphOutputs.has(output) || ifNode.outputs.includes(output)) return `the decoder already has a ${output} output`;
      const c = producer.get(withPast.outputs[i]!);
      const axis = c ? attributeInt(w, c, 'axis') : null;
      if (!c || c.op !== 'Concat' || c.inputs.length !== 2 || c.inputs[0] !== x.name || (axis !== 2 && axis !== -2))
        return `${present} is not Concat(${x.name}, new, axis 2) in the with-past branch`;
      const elemType = elemTypeOf(x);
      if (elemType === undefined) return `${x.name} has no tensor type`;
      steps.push({ past: x.name, output, withPastSrc: c.inputs[1]!, noPastSrc: noPast.outputs[i]!, elemType });
    }
    return null;
  })();
  if (stepWhy) steps.length = 0;

  // Edit 3: the greedy head.
  const logitsType = (() => {
    const f = graphFields.find((x) => x.no === 12 && valueName(x) === 'logits');
    return f ? elemTypeOf({ f }) : undefined;
  })();
  const taken = [GREEDY.mask, GREEDY.token, GREEDY.logprob].find((n) => graphOutputs.has(n) || inputs.some((x) => x.name === n));
  const greedyWhy =
    logitsType === undefined
      ? 'the decoder has no typed logits output'
      : logitsType !== 1 && logitsType !== 10
        ? `its logits are of ONNX type ${logitsType}, not float or float16`
        : taken
          ? `the decoder already has a ${taken}`
          : null;
  if (keysWhy && stepWhy && greedyWhy) return { ok: false, why: `${keysWhy}; ${stepWhy}; ${greedyWhy}` };

  // Re-encode bottom-up: the edited nodes, both branch graphs, their attributes, the If
  // node, the key inputs' shapes and the outputs of the main graph, the model.
  const nodeChunks = (n: NodeInfo): Chunks => {
    const r = renamed.get(n);
    if (!r) return [w.raw(n.field)];
    const body: Chunks = n.fields.map((f) => (f.no === 1 && w.str(f) === r.from ? stringField(1, r.to) : [w.raw(f)])).flat();
    return lengthField(1, body);
  };
  /** A branch with its nodes edited and one Identity + output per step tensor appended. */
  const branchBody = (b: Branch, tag: 'with_past' | 'no_past'): Chunks => {
    const body: Chunks = [];
    let nodeIndex = 0;
    const lastNode = lastField(b.fields, 1);
    const lastOutput = lastField(b.fields, 12);
    const transposed = tag === 'no_past' ? keyOutputs : new Map<string, { to: string; elemType: number }>();
    b.fields.forEach((f, i) => {
      if (f.no === 1) {
        const n = b.nodes[nodeIndex++]!;
        if (!drop.has(n)) body.push(...nodeChunks(n));
      } else if (f.no === 12 && transposed.has(valueName(f))) {
        const t = transposed.get(valueName(f))!;
        body.push(...lengthField(12, tensorValueInfo(t.to, t.elemType)));
      } else body.push(w.raw(f));
      if (i === lastNode) {
        for (const s of steps) body.push(...nodeChunk([tag === 'with_past' ? s.withPastSrc : s.noPastSrc], [`${s.output}/${tag}`], `${s.output}/${tag}/Identity`, 'Identity'));
        for (const [from, t] of transposed) body.push(...transposeNodeChunk(from, t.to));
      }
      if (i === lastOutput) for (const s of steps) body.push(...lengthField(12, tensorValueInfo(`${s.output}/${tag}`, s.elemType)));
    });
    return body;
  };
  const attrChunks = (b: Branch, tag: 'with_past' | 'no_past'): Chunks => lengthField(5, b.attr.map((f) => (f.no === 6 ? lengthField(6, branchBody(b, tag)) : [w.raw(f)])).flat());
  const ifBody: Chunks = [];
  const lastIfOutput = lastField(ifNode.fields, 2);
  ifNode.fields.forEach((f, i) => {
    const name = f.no === 5 ? w.fields(f.valStart, f.end).find((x) => x.no === 1) : undefined;
    const attr = name ? w.str(name) : '';
    if (attr === 'then_branch') ifBody.push(...attrChunks(withPast, 'with_past'));
    else if (attr === 'else_branch') ifBody.push(...attrChunks(noPast, 'no_past'));
    else ifBody.push(w.raw(f));
    if (i === lastIfOutput) for (const s of steps) ifBody.push(...stringField(2, s.output));
  });
  const keyNames = new Set(renamed.size > 0 ? keyInputs.map((k) => k.name) : []);
  const graphBody: Chunks = [];
  const lastGraphNode = lastField(graphFields, 1);
  const lastGraphInput = lastField(graphFields, 11);
  const lastGraphOutput = lastField(graphFields, 12);
  graphFields.forEach((f, i) => {
    if (f.start === ifNode.field.start) graphBody.push(...lengthField(1, ifBody));
    else if (f.no === 11 && keyNames.has(valueName(f))) graphBody.push(...lengthField(11, swapLastDims(w, f)));
    else if (f.no === 12 && keyNames.has(valueName(f).replace(/^present\./, 'past_key_values.'))) graphBody.push(...lengthField(12, swapLastDims(w, f)));
    else graphBody.push(w.raw(f));
    if (i === lastGraphNode && !greedyWhy) graphBody.push(...greedyHeadNodes(logitsType!));
    if (i === lastGraphInput && !greedyWhy) graphBody.push(...lengthField(11, tensorValueInfo(GREEDY.mask, 1)));
    if (i === lastGraphOutput) {
      for (const s of steps) graphBody.push(...lengthField(12, tensorValueInfo(s.output, s.elemType)));
      if (!greedyWhy) graphBody.push(...lengthField(12, tensorValueInfo(GREEDY.token, 7)), ...lengthField(12, tensorValueInfo(GREEDY.logprob, 1)));
    }
  });
  const modelBody: Chunks = modelFields.map((f) => (f.no === 7 && f.wt === 2 ? lengthField(7, graphBody) : [w.raw(f)])).flat();
  const model = joinChunks(modelBody);
  return {
    ok: true,
    rewrite: { model, transposedInputs: [...keyNames], keysWhy, stepOutputs: new Map(steps.map((s) => [s.past, s.output])), stepWhy, greedyHead: !greedyWhy, greedyWhy },
  };
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
              if (dims.length !== 4) throw new Error('an encoder key input or output is not 4-D');
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
