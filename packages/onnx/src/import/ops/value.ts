/**
 * Value operators: constants, casts, Shape / Size (host results from a tensor's shape, no
 * readback), ConstantOfShape, Range, Dropout and Trilu.
 */

import { type DType, F, full, tensor, where } from '@layers/core';
import { HOST_LIMIT, round } from '../host.js';
import { hostDType } from '../tensor-proto.js';
import { type HostDType, type HostValue, host, isHost, sizeOf } from '../values.js';
import type { OpTable } from './types.js';

/** @internal The device dtype layers stores a host dtype as. */
export function deviceDType(d: HostDType): DType {
  return d === 'bool' ? 'bool' : d === 'int32' || d === 'int64' ? 'int32' : 'float32';
}

function castHost(x: HostValue, to: HostDType): HostValue {
  return host(
    to,
    x.shape,
    x.data.map((v) => round(to, v)),
  );
}

/** @internal */
export const VALUE_OPS: OpTable = {
  Constant: {
    host: (_i, attrs) => {
      const t = attrs.tensor('value');
      if (t) return [t];
      if (attrs.has('value_float')) return [host('float32', [], [attrs.float('value_float', 0)])];
      if (attrs.has('value_floats'))
        return [host('float32', [attrs.floats('value_floats')!.length], attrs.floats('value_floats')!)];
      if (attrs.has('value_int')) return [host('int64', [], [attrs.int('value_int', 0)])];
      if (attrs.has('value_ints'))
        return [host('int64', [attrs.ints('value_ints')!.length], attrs.ints('value_ints')!)];
      throw new Error(
        `ONNX import: ${attrs.where} has no value layers can read (sparse and string constants are not supported)`,
      );
    },
    device: () => {
      throw new Error('unreachable: Constant always runs on the host');
    },
  },
  Identity: { host: ([x]) => [x!], device: ([x]) => [x!] },
  Shape: {
    device: ([x], attrs) => {
      const shape = x!.shape;
      const r = shape.length;
      const clampAxis = (a: number) => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
      const s = clampAxis(attrs.int('start', 0));
      const e = clampAxis(attrs.int('end', r));
      const dims = shape.slice(s, Math.max(s, e));
      return [host('int64', [dims.length], dims)];
    },
  },
  Size: { device: ([x]) => [host('int64', [], [sizeOf(x!.shape)])] },
  Cast: {
    host: ([x], attrs) => [castHost(x!, hostDType(attrs.int('to', 1), attrs.where))],
    device: ([x], attrs, ctx) => [
      ctx.t(x, 'input').cast(deviceDType(hostDType(attrs.int('to', 1), attrs.where))),
    ],
  },
  CastLike: {
    host: ([x, like]) => [castHost(x!, like!.dtype)],
    device: ([x, like], _a, ctx) => [
      ctx.t(x, 'input').cast(isHost(like) ? deviceDType(like.dtype) : like!.dtype),
    ],
  },
  ConstantOfShape: {
    host: ([s], attrs) => {
      const v = attrs.tensor('value') ?? host('float32', [1], [0]);
      const n = sizeOf(s!.data);
      return n > HOST_LIMIT ? null : [host(v.dtype, s!.data, new Array<number>(n).fill(v.data[0]))];
    },
    device: ([s], attrs, ctx) => {
      const v = attrs.tensor('value') ?? host('float32', [1], [0]);
      const dtype = deviceDType(v.dtype);
      return [
        full(ctx.ints(s, 'input'), dtype === 'bool' ? v.data[0] !== 0 : v.data[0], {
          dtype,
          backend: ctx.backend,
        }),
      ];
    },
  },
  Range: {
    hostInputs: [0, 1, 2],
    device: ([s, l, d], _a, ctx) => {
      const start = ctx.hostOf(s, 'start');
      const limit = ctx.hostOf(l, 'limit').data[0];
      const delta = ctx.hostOf(d, 'delta').data[0];
      const n = Math.max(Math.ceil((limit - start.data[0]) / delta), 0);
      return [
        host(
          start.dtype,
          [n],
          Array.from({ length: n }, (_, i) => round(start.dtype, start.data[0] + i * delta)),
        ),
      ];
    },
  },
  Dropout: {
    hostInputs: [1, 2],
    device: ([x, ratio, training], _a, ctx) => {
      // ONNX Dropout is the identity unless its training_mode input is true.
      const train = training !== undefined && ctx.hostOf(training, 'training_mode').data[0] !== 0;
      const t = ctx.t(x, 'data');
      const p = ratio !== undefined ? ctx.hostOf(ratio, 'ratio').data[0] : 0.5;
      const out = train ? F.dropout(t, p, true) : t;
      return ctx.outputUsed(1) ? [out, full(t.shape, true, { backend: ctx.backend })] : [out];
    },
  },
  Trilu: {
    device: ([x, k], attrs, ctx) => {
      const t = ctx.t(x, 'input');
      const kk = k !== undefined ? ctx.ints(k, 'k')[0] : 0;
      const upper = attrs.int('upper', 1) === 1;
      const [rows, cols] = t.shape.slice(-2);
      const mask = Uint8Array.from({ length: rows * cols }, (_, i) => {
        const diff = (i % cols) - Math.floor(i / cols);
        return +(upper ? diff >= kk : diff <= kk);
      });
      return [where(tensor(mask, { shape: [rows, cols], dtype: 'bool', backend: ctx.backend }), t, 0)];
    },
  },
};
