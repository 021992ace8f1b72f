/**
 * An ONNX model's graph without its weights, read from the file without loading them: every
 * initializer whose raw_data is large becomes an ONNX external-data reference into the file
 * itself (location = the file's name, offset and length of its raw_data there). The graph
 * rewrites (encoder-graph.ts, decoder-graph.ts) edit this skeleton, and onnxruntime loads
 * it from memory with `session.model_external_initializers_file_folder_path` set to the
 * model's folder, reading the weights from the original file.
 *
 * So a rewrite costs a few MB of JS memory whatever the model's size (before: the whole file
 * and its rewritten copy, which is why files over 1 GiB were loaded as exported), and models
 * whose weights already live in an external data file keep those references and are
 * rewritten too.
 *
 * The file is read with positional reads: field headers, the small messages that are copied,
 * and the headers of each initializer; the weights themselves are never read here.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { type Chunks, type Field, joinChunks, lengthField, readVarint, scanFields, stringField } from './onnx-proto';

/** Initializers below this many bytes of raw_data stay inline (not worth a reference). */
const MIN_EXTERNAL_BYTES = 1024;

class FileReader {
  private readonly fd: number;
  readonly size: number;
  /** A window of the file for the many small header reads. */
  private readonly window = Buffer.alloc(64 * 1024);
  private windowStart = 0;
  private windowEnd = 0;

  constructor(file: string) {
    this.fd = openSync(file, 'r');
    this.size = fstatSync(this.fd).size;
  }

  close(): void {
    closeSync(this.fd);
  }

  private byte(pos: number): number {
    if (pos < this.windowStart || pos >= this.windowEnd) {
      const n = readSync(this.fd, this.window, 0, this.window.length, pos);
      if (n <= 0) throw new Error('truncated file');
      this.windowStart = pos;
      this.windowEnd = pos + n;
    }
    return this.window[pos - this.windowStart]!;
  }

  varint(pos: number): [number, number] {
    return readVarint((p) => this.byte(p), this.size, pos);
  }

  bytes(start: number, end: number): Uint8Array {
    const out = Buffer.alloc(end - start);
    let done = 0;
    while (done < out.length) {
      const n = readSync(this.fd, out, done, out.length - done, start + done);
      if (n <= 0) throw new Error('truncated file');
      done += n;
    }
    return out;
  }

  /** The fields of the message in [start, end), headers only. */
  fields(start: number, end: number): Field[] {
    return scanFields((p) => this.varint(p), start, end);
  }
}

type Kind = 'model' | 'graph' | 'node' | 'attribute';

/** Messages that may hold initializers further down: which field of which kind leads where. */
const NESTED: Record<Kind, Record<number, Kind | 'tensor'>> = {
  model: { 7: 'graph' },
  graph: { 1: 'node', 5: 'tensor' },
  node: { 5: 'attribute' },
  attribute: { 6: 'graph', 11: 'graph' },
};

/** The skeleton of the model in `file` (see the module comment); throws if it is not a readable protobuf. */
export function onnxSkeleton(file: string): { model: Uint8Array; externalized: number } {
  const r = new FileReader(file);
  const location = basename(file);
  let externalized = 0;
  const tensor = (f: Field): Chunks => {
    const tf = r.fields(f.valStart, f.end);
    const raw = tf.find((x) => x.no === 9 && x.wt === 2);
    const external = tf.some((x) => x.no === 14 && x.wt === 0 && r.varint(x.valStart)[0] === 1);
    if (!raw || external || raw.end - raw.valStart < MIN_EXTERNAL_BYTES) return [r.bytes(f.start, f.end)];
    externalized++;
    const entry = (k: string, v: string) => lengthField(13, [...stringField(1, k), ...stringField(2, v)]);
    const body: Chunks = tf.filter((x) => x.no !== 9).map((x) => r.bytes(x.start, x.end));
    body.push(...entry('location', location), ...entry('offset', String(raw.valStart)), ...entry('length', String(raw.end - raw.valStart)));
    body.push(Uint8Array.of(0x70, 1)); // data_location = EXTERNAL
    return lengthField(5, body);
  };
  const message = (kind: Kind, start: number, end: number): Chunks => {
    const out: Chunks = [];
    for (const f of r.fields(start, end)) {
      const next = f.wt === 2 ? NESTED[kind][f.no] : undefined;
      if (next === 'tensor') out.push(...tensor(f));
      // Small nodes and attributes cannot hold anything worth referencing: copied whole.
      else if (next && (next === 'graph' || f.end - f.start > MIN_EXTERNAL_BYTES)) out.push(...lengthField(f.no, message(next, f.valStart, f.end)));
      else out.push(r.bytes(f.start, f.end));
    }
    return out;
  };
  try {
    return { model: joinChunks(message('model', 0, r.size)), externalized };
  } finally {
    r.close();
  }
}
