import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { SelfAttentionCache } from '../../main/inference/whisper/self-cache';

const H = 3;
const HD = 4;

/** Reference cache as nested arrays: rows → heads → positions → headDim values. */
type Ref = number[][][][];

function refToTensor(ref: Ref, dtype: 'float32' | 'float16' = 'float32'): ort.Tensor {
  const flat = ref.flat(3);
  return new ort.Tensor(dtype, dtype === 'float16' ? Uint16Array.from(flat) : Float32Array.from(flat), [ref.length, H, ref[0]![0]!.length, HD]);
}

function tensorToRef(t: ort.Tensor): Ref {
  const [R, h, L, hd] = t.dims as number[];
  const d = t.data as Float32Array | Uint16Array;
  return Array.from({ length: R! }, (_, r) => Array.from({ length: h! }, (_, k) => Array.from({ length: L! }, (_, l) => Array.from(d.subarray(((r * h! + k) * L! + l) * hd!, ((r * h! + k) * L! + l + 1) * hd!)))));
}

let counter = 0;
const fresh = (rows: number, L: number): Ref => Array.from({ length: rows }, () => Array.from({ length: H }, () => Array.from({ length: L }, () => Array.from({ length: HD }, () => ++counter % 60000))));

describe('SelfAttentionCache', () => {
  it.each(['float32', 'float16'] as const)('%s: grows by the step rows and follows reorders (leaving rows, repeated beams) like a reference', (dtype) => {
    const cache = new SelfAttentionCache(H, HD);
    let ref = fresh(3, 2);
    cache.reset(refToTensor(ref, dtype));
    for (let step = 0; step < 40; step++) {
      if (step === 10) {
        ref = [ref[2]!, ref[0]!];
        cache.reorder(Int32Array.of(2, 0));
      }
      if (step === 20) {
        ref = [ref[1]!, ref[1]!, ref[0]!, ref[1]!];
        cache.reorder(Int32Array.of(1, 1, 0, 1));
      }
      const add = fresh(ref.length, 1);
      ref = ref.map((row, r) => row.map((head, k) => [...head, add[r]![k]![0]!]));
      cache.append(refToTensor(add, dtype));
      const t = cache.tensor();
      expect(t.type).toBe(dtype);
      expect(t.dims).toEqual([ref.length, H, ref[0]![0]!.length, HD]);
      expect(tensorToRef(t)).toEqual(ref);
    }
  });

  it('extends one buffer in place, replacing it only a handful of times (no allocation per step)', () => {
    const cache = new SelfAttentionCache(H, HD);
    let ref = fresh(2, 1);
    cache.reset(refToTensor(ref));
    const seq: ArrayBufferLike[] = [];
    for (let step = 0; step < 100; step++) {
      const add = fresh(2, 1);
      ref = ref.map((row, r) => row.map((head, k) => [...head, add[r]![k]![0]!]));
      cache.append(refToTensor(add));
      seq.push((cache.tensor().data as Float32Array).buffer);
    }
    expect(tensorToRef(cache.tensor())).toEqual(ref);
    // Grown with headroom a handful of times over 100 steps, not 100 times.
    expect(new Set(seq).size).toBeLessThanOrEqual(6);
    let same = 0;
    for (let i = 1; i < seq.length; i++) if (seq[i] === seq[i - 1]) same++;
    expect(same).toBeGreaterThanOrEqual(94);
  });

  it('refuses step rows or caches of the wrong shape and rows out of range', () => {
    const cache = new SelfAttentionCache(H, HD);
    expect(() => cache.reset(new ort.Tensor('float32', new Float32Array(2 * 5 * 1 * HD), [2, 5, 1, HD]))).toThrow(/expected \[rows, 3, length, 4\]/);
    cache.reset(refToTensor(fresh(2, 3)));
    expect(() => cache.append(refToTensor(fresh(3, 1)))).toThrow(/step rows of shape \[3, 3, 1, 4\] for a cache of \[2, 3, 3, 4\]/);
    expect(() => cache.append(refToTensor(fresh(2, 2)))).toThrow(/step rows/);
    expect(() => cache.reorder(Int32Array.of(0, 2))).toThrow(/row 2 of 2/);
  });

  it('starts again from a new step-1 tensor and lets go of its buffers on clear', () => {
    const cache = new SelfAttentionCache(H, HD);
    cache.reset(refToTensor(fresh(1, 2)));
    cache.append(refToTensor(fresh(1, 1)));
    const again = fresh(4, 5);
    cache.reset(refToTensor(again));
    expect(tensorToRef(cache.tensor())).toEqual(again);
    cache.clear();
    expect(cache.dims).toEqual([0, H, 0, HD]);
  });
});
