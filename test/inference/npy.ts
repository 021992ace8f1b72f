import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

/** A numpy array read from .npy bytes (little-endian f4/f8/i4/i8/f2 only, C order). */
export interface NpyArray {
  shape: number[];
  dtype: string;
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint16Array;
}

export function parseNpy(buf: Buffer): NpyArray {
  if (buf.readUInt8(0) !== 0x93 || buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error('not an .npy file');
  const major = buf.readUInt8(6);
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', headerStart, headerStart + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '';
  if (/'fortran_order':\s*True/.test(header)) throw new Error('fortran order not supported');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const start = headerStart + headerLen;
  const bytes = buf.subarray(start);
  const copy = new Uint8Array(bytes).buffer;
  switch (descr) {
    case '<f4':
      return { shape, dtype: 'float32', data: new Float32Array(copy) };
    case '<f8':
      return { shape, dtype: 'float64', data: new Float64Array(copy) };
    case '<i4':
      return { shape, dtype: 'int32', data: new Int32Array(copy) };
    case '<i8':
      return { shape, dtype: 'int64', data: new BigInt64Array(copy) };
    case '<f2':
      return { shape, dtype: 'float16', data: new Uint16Array(copy) };
    default:
      throw new Error(`unsupported npy dtype ${descr}`);
  }
}

export function readNpy(file: string): NpyArray {
  return parseNpy(readFileSync(file));
}

/** Every member of an .npz (zip of .npy, stored or deflated), by name without ".npy". */
export function readNpz(file: string): Map<string, NpyArray> {
  const zip = readFileSync(file);
  const out = new Map<string, NpyArray>();
  // Walk the central directory: local headers may defer sizes to a data descriptor.
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${file} is not a zip`);
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(p + 10);
    const compSize = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const localOff = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    const lNameLen = zip.readUInt16LE(localOff + 26);
    const lExtraLen = zip.readUInt16LE(localOff + 28);
    const dataStart = localOff + 30 + lNameLen + lExtraLen;
    const raw = zip.subarray(dataStart, dataStart + compSize);
    const body = method === 0 ? raw : inflateRawSync(raw);
    out.set(name.replace(/\.npy$/, ''), parseNpy(Buffer.from(body)));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
