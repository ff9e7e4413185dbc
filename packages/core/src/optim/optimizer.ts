/**
 * Optimizer: parameter groups with per-group options, per-parameter state, and state dicts
 * in PyTorch's structure ({ state: { [index]: {...} }, param_groups: [{ lr, ..., params }] },
 * snake_case keys), so optimizer state can be compared or exchanged with torch.optim.
 *
 * Updates run under noGrad inside tidy. State tensors are created once (kept out of tidy)
 * and updated through `_assign`, so their handles stay valid (a state dict holds live
 * references, as in PyTorch) and the tensor count stays flat over any number of steps.
 */
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { cast, contiguousCopy, toBackend } from '../ops/view.js';
import { keep, tidy } from '../tensor/scope.js';
import { fmtShape, shapeEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** A group of parameters with its own options (any option left out takes the default). */
export interface ParamGroupInput {
  /** The group's parameters (leaf tensors, each in one group only). */
  params: Iterable<Tensor>;
  [option: string]: unknown;
}

/**
 * A parameter group as the optimizer holds it: every option resolved (defaults filled in) plus the
 * parameter list. Change `lr` here to change the learning rate.
 */
export type ParamGroup<O> = O & {
  /** The group's parameters. */
  params: Tensor[];
  [option: string]: unknown;
};
/** One entry of a parameter's optimizer state: a tensor (e.g. `exp_avg`) or a number (e.g. `step`). */
export type StateValue = Tensor | number;
/** A parameter's optimizer state by camelCase name (`momentumBuffer`, `expAvg`, `step`, ...). */
export type ParamState = Record<string, StateValue>;

/**
 * An optimizer state dict in torch.optim's structure and snake_case keys, so it can be compared or
 * exchanged with PyTorch's.
 */
export interface OptimizerStateDict {
  /** Per-parameter state by the parameter's index across all groups (parameters without state are absent). */
  state: Record<number, ParamState>;
  /** Each group's options, with `params` listing the parameter indices. */
  param_groups: Record<string, unknown>[];
}

export const toSnake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
export const toCamel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function isGroupList(
  params: Iterable<Tensor> | Iterable<ParamGroupInput>,
): params is Iterable<ParamGroupInput> {
  for (const first of params) return !(first instanceof Tensor);
  return false;
}

/**
 * Base of the optimizers (torch.optim.Optimizer): parameter groups with per-group options,
 * per-parameter state, `zeroGrad`, `step` and PyTorch-compatible state dicts. Throws on an
 * empty parameter list, a non-leaf tensor, or a parameter in two groups.
 */
export abstract class Optimizer<O extends object> {
  /** Options a group gets for what it leaves out. */
  readonly defaults: O;
  /** The parameter groups, in order. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, keyed by the parameter handle. */
  readonly state = new Map<Tensor, ParamState>();

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, defaults: O) {
    this.defaults = defaults;
    const groups: ParamGroupInput[] = isGroupList(params)
      ? [...params]
      : [{ params: params as Iterable<Tensor> }];
    if (groups.length === 0 || groups.every((g) => [...g.params].length === 0)) {
      throw new RangeError(`${this.constructor.name} got an empty parameter list`);
    }
    for (const g of groups) this.addParamGroup(g);
  }

  /** Add a group (e.g. when unfreezing layers); options it leaves out take the defaults. */
  addParamGroup(group: ParamGroupInput): void {
    const params = [...group.params];
    const name = this.constructor.name;
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new TypeError(`${name} can only optimize Tensors, got ${String(p)}`);
      if (!p.isLeaf)
        throw new TypeError(`${name} can't optimize a non-leaf Tensor (shape ${fmtShape(p.shape)})`);
      for (const g of this.paramGroups) {
        if (g.params.includes(p))
          throw new RangeError(`${name}: some parameters appear in more than one parameter group`);
      }
    }
    for (const [k, v] of Object.entries(group)) {
      if (k !== 'params' && v === undefined)
        throw new TypeError(`${name}: option '${k}' of a parameter group is undefined`);
    }
    this.paramGroups.push({ ...this.defaults, ...group, params } as ParamGroup<O>);
  }

  /** Clear gradients: set them to null (default, like PyTorch 2) or to zeros. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const setToNone = opts.setToNone ?? true;
    noGrad(() => {
      for (const g of this.paramGroups) {
        for (const p of g.params) {
          if (!p.grad) continue;
          // Replacing (not zeroing in place) never touches a tensor the grad may share storage with.
          p.grad = setToNone ? null : keep(p.grad.mul(0));
        }
      }
    });
  }

  /**
   * One optimization step over every parameter that has a gradient. `closure`, if given,
   * re-evaluates the model (with grad enabled) and returns the loss, which step returns.
   */
  step(closure?: () => Tensor): Tensor | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const grad = p.grad;
          if (!grad) continue;
          let state = this.state.get(p);
          if (!state) {
            state = {};
            this.state.set(p, state);
          }
          const s = state;
          tidy(() => this.updateParam(p, grad.dtype === 'float32' ? grad : cast(grad, 'float32'), s, group));
        }
      }
    });
    return loss;
  }

  /** Update one parameter in place from its gradient (run under noGrad inside tidy). */
  protected abstract updateParam(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<O>): void;

  /** A state tensor, created (outside tidy) by `init` the first time. */
  protected stateTensor(state: ParamState, key: string, init: () => Tensor): Tensor {
    const t = state[key];
    if (t instanceof Tensor) return t;
    const created = keep(init());
    state[key] = created;
    return created;
  }

  // ---- state dicts ----------------------------------------------------------------------

  /**
   * PyTorch's structure: parameters numbered in group order. Tensors are the live state
   * handles (like PyTorch's references); loadStateDict copies them.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const param_groups = this.paramGroups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g))
        if (k !== 'params') packed[toSnake(k)] = Array.isArray(v) ? [...v] : v;
      packed.params = g.params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      });
      return packed;
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const out: ParamState = {};
      for (const [k, v] of Object.entries(s)) out[toSnake(k)] = v;
      state[i] = out;
    }
    return { state, param_groups };
  }

  /** Load a state dict (ours or one converted from torch.optim): options and copied state. */
  loadStateDict(dict: OptimizerStateDict): void {
    const name = this.constructor.name;
    const groups = dict.param_groups;
    if (groups.length !== this.paramGroups.length) {
      throw new RangeError(
        `${name}.loadStateDict: loaded state dict has ${groups.length} parameter groups, the optimizer has ${this.paramGroups.length}`,
      );
    }
    const byIndex = new Map<number, Tensor>();
    groups.forEach((saved, gi) => {
      const ids = saved.params as number[];
      const mine = this.paramGroups[gi].params;
      if (ids.length !== mine.length) {
        throw new RangeError(
          `${name}.loadStateDict: loaded parameter group ${gi} has ${ids.length} parameters, the optimizer's has ${mine.length}`,
        );
      }
      ids.forEach((id, j) => {
        byIndex.set(id, mine[j]);
      });
    });
    // Validate everything before changing anything.
    for (const [key, s] of Object.entries(dict.state)) {
      const p = byIndex.get(Number(key));
      if (!p) throw new RangeError(`${name}.loadStateDict: state for parameter ${key}, which no group lists`);
      for (const [k, v] of Object.entries(s)) {
        if (v instanceof Tensor && v.size !== 1 && !shapeEqual(v.shape, p.shape)) {
          throw new RangeError(
            `${name}.loadStateDict: state '${k}' of parameter ${key} has shape ${fmtShape(v.shape)}, the parameter has ${fmtShape(p.shape)}`,
          );
        }
      }
    }
    groups.forEach((saved, gi) => {
      const g = this.paramGroups[gi] as Record<string, unknown>;
      for (const [k, v] of Object.entries(saved))
        if (k !== 'params') g[toCamel(k)] = Array.isArray(v) ? [...v] : v;
    });
    for (const s of this.state.values()) disposeState(s);
    this.state.clear();
    for (const [key, s] of Object.entries(dict.state)) {
      const p = byIndex.get(Number(key))!;
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s))
        copy[toCamel(k)] = v instanceof Tensor ? loadTensor(v, p, k) : v;
      this.state.set(p, copy);
    }
  }
}

/** A private float32 copy of a state tensor on the parameter's backend; 'step' becomes a number. */
function loadTensor(v: Tensor, p: Tensor, key: string): StateValue {
  if (key === 'step') {
    if (!v.backend.readSync) {
      throw new TypeError(
        `loadStateDict: pass 'step' as a number (the ${v.backend.name} backend cannot read it synchronously)`,
      );
    }
    return v.dataSync()[0];
  }
  return keep(
    tidy(() => {
      const onP = v.backend === p.backend ? v : toBackend(v, p.backend);
      return contiguousCopy(onP.dtype === 'float32' ? onP : cast(onP, 'float32'));
    }),
  );
}

function disposeState(s: ParamState): void {
  for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
}

/**
 * Write `value` into parameter `p` in place. A parameter that is its whole storage takes
 * the new storage (tensors saved by autograd keep the old values, as PyTorch's versioning
 * demands); a view into a larger buffer is written through so the buffer sees the update.
 */
export function assignParam(p: Tensor, value: Tensor): void {
  // Optimizer state and arithmetic are float32; a float16/bfloat16 parameter keeps its
  // dtype, the update rounded into it (the float32 state is the extra precision).
  if (value.dtype !== p.dtype) value = cast(value, p.dtype);
  const s = p._storage;
  if (p.offset === 0 && p.size === s.size && p.isContiguous() && value.isContiguous() && value.offset === 0) {
    p._assign(value);
  } else {
    p.backend.copy(value._view(), p._view());
  }
}

/** Release every state tensor of an optimizer you no longer use. */
export function disposeOptimizer(opt: Optimizer<object>): void {
  for (const s of opt.state.values()) disposeState(s);
  opt.state.clear();
}
