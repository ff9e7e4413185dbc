/**
 * Module class → exporter. Lookup walks the prototype chain so a subclass that keeps its
 * parent's forward exports like the parent; a subclass (or user module) with its own forward
 * is refused by name, since its forward cannot be seen from here.
 */
import type { nn } from '@layers/core';
import type { Exporter } from './graph.js';

/** A module class (abstract or not, any constructor arguments). */
export type ModuleClass<M extends nn.Module = nn.Module> = abstract new (...args: any[]) => M;

/** An exporter, or the reason a class never exports. */
const EXPORTERS = new Map<ModuleClass, Exporter | { refused: string }>();

/** Marks a class as never exportable; the reason is given before its forward runs. @internal */
export function refuseExport(cls: ModuleClass, reason: string): void {
  EXPORTERS.set(cls, { refused: reason });
}

/**
 * Registers how instances of `cls` (and subclasses that keep its forward) export: the way to
 * export a custom module, typically by calling its children's exporters with `g.call`:
 * `registerExporter(MyBlock, (g, m, [x]) => g.call(m.fc2, [g.call(m.act, [g.call(m.fc1, [x])])]))`.
 * Registering an nn class replaces the built-in exporter.
 */
export function registerExporter<M extends nn.Module>(cls: ModuleClass<M>, fn: Exporter<M>): void {
  EXPORTERS.set(cls, fn as Exporter);
}

/** Registers one exporter for several classes (e.g. Conv1d, Conv2d, Conv3d). @internal */
export function registerAll<M extends nn.Module>(classes: readonly ModuleClass[], fn: Exporter<M>): void {
  for (const cls of classes) EXPORTERS.set(cls, fn as Exporter);
}

/** The exporter for m, or a clear error naming it. @internal */
export function lookupExporter(m: nn.Module, describe: (m: nn.Module) => string): Exporter {
  for (
    let proto = Object.getPrototypeOf(m);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    const cls = proto.constructor as ModuleClass;
    const fn = EXPORTERS.get(cls);
    if (!fn) continue;
    if ('refused' in fn) throw new Error(`exportModel: cannot export ${describe(m)}: ${fn.refused}`);
    // The class's forward, not the instance's: Module wraps forward per instance with its
    // input checks, so the own property always differs.
    if (Object.getPrototypeOf(m).forward !== cls.prototype.forward) {
      throw new Error(
        `exportModel: cannot export ${describe(m)}: it overrides forward of ${cls.name}, and only the forward passes of layers' own modules are known to the exporter`,
      );
    }
    return fn;
  }
  throw new Error(
    `exportModel: cannot export ${describe(m)}: no ONNX exporter for ${m.name}; build the model from layers' nn modules and containers (Sequential, ModuleList, ModuleDict) instead of a custom forward`,
  );
}
