/**
 * Read what `torch.save(model.state_dict(), path)` writes (torch >= 1.6): a zip archive
 * holding `<name>/data.pkl`, the pickled dict, and `<name>/data/<key>`, the raw bytes of
 * each storage. Tensors in the pickle are calls to torch._utils._rebuild_tensor_v2 on a
 * persistent id naming a storage, so views that share a storage (an offset, strides) are
 * gathered from it element by element.
 *
 * The pickle is interpreted, never executed (pickle.ts): only the globals a state dict
 * needs are allowed, as with torch.load(weights_only=True). The zip is read with fflate,
 * which works in Node and in browsers alike.
 */
import { unzipSync } from 'fflate';
import type { Backend } from '../../backend/contract.js';
import { getBackend } from '../../backend/registry.js';
import { fromTypedArray } from '../../ops/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { StateDict } from '../module.js';
import { decodedDType, decodeStored, ITEM_BYTES, lastElement, type StoredKind } from './elements.js';
import { type PickleHooks, pickleCallable, readPickle } from './pickle.js';
import { centralCrcs, crc32 } from './zip-check.js';

/** Options of loadTorchCheckpoint. */
export interface TorchCheckpointOptions {
  /**
   * The entry holding the state dict when the checkpoint is a larger dict, e.g. 'model'
   * for torch.save({ model: m.state_dict(), optimizer: opt.state_dict() }); an array
   * walks nested dicts (['state', 'model']). Default: the whole checkpoint.
   */
  key?: string | readonly string[];
  /** Where the tensors are created. Default: the current backend. */
  backend?: Backend;
  /** Receives notes about lossy conversions (float64 rounded to float32). Default: console.warn. */
  onWarning?: (message: string) => void;
  /**
   * Keep float16 and bfloat16 tensors in their stored dtype (as torch.load does). Default
   * false: they load as float32 (exactly). Either way `loadStateDict` copies into each
   * parameter's own dtype, as PyTorch's load_state_dict does.
   */
  keepHalf?: boolean;
}

const WHAT = 'loadTorchCheckpoint';

const STORAGE_KINDS: Record<string, StoredKind> = {
  FloatStorage: 'f32',
  DoubleStorage: 'f64',
  HalfStorage: 'f16',
  BFloat16Storage: 'bf16',
  LongStorage: 'i64',
  IntStorage: 'i32',
  ShortStorage: 'i16',
  CharStorage: 'i8',
  ByteStorage: 'u8',
  BoolStorage: 'bool',
};

class StorageType {
  constructor(readonly kind: StoredKind) {}
}

class StorageRef {
  constructor(
    readonly kind: StoredKind,
    readonly key: string,
    readonly numel: number,
    readonly bytes: Uint8Array,
  ) {}
}

class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly strides: number[],
  ) {}
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function openArchive(bytes: Uint8Array): { files: Record<string, Uint8Array>; prefix: string } {
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] <= 5) {
    throw new Error(
      `${WHAT}: this is the legacy (non-zip) torch.save format of torch before 1.6; re-save it with torch >= 1.6 (the default since) or as safetensors`,
    );
  }
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new Error(
      `${WHAT}: not a torch.save archive (a zip file starts with "PK"; this has ${bytes.length} bytes)`,
    );
  }
  const crcs = centralCrcs(bytes, WHAT); // before fflate, which trusts the entry count
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new Error(`${WHAT}: the zip archive is truncated or corrupt (${(e as Error).message})`);
  }
  // fflate does not verify checksums: a flipped byte in a storage would be a silent wrong weight.
  for (const [name, data] of Object.entries(files)) {
    const want = crcs.get(name);
    if (want !== undefined && crc32(data) !== want) {
      throw new Error(
        `${WHAT}: entry ${name} of the zip archive fails its CRC-32 check: the file is corrupt`,
      );
    }
  }
  const pkl = Object.keys(files).find((f) => /^[^/]+\/data\.pkl$/.test(f));
  if (!pkl) {
    const names = Object.keys(files);
    const script = names.some((f) => /\/(constants\.pkl|code\/)/.test(f));
    throw new Error(
      script
        ? `${WHAT}: this is a TorchScript archive (torch.jit.save); save the weights with torch.save(model.state_dict(), path) instead`
        : `${WHAT}: the archive has no <name>/data.pkl, so torch.save did not write it (entries: ${names.slice(0, 5).join(', ')})`,
    );
  }
  return { files, prefix: pkl.slice(0, -'data.pkl'.length) };
}

function disallowed(module: string, name: string): Error {
  const hint = module.startsWith('__torch__')
    ? ' (a TorchScript object)'
    : module.startsWith('torch.nn.modules')
      ? ' (a pickled nn.Module: save model.state_dict() instead of the model)'
      : '';
  return new Error(
    `${WHAT}: the pickle names the global ${module}.${name}${hint}, which is not allowed in a state dict. ` +
      'layers never executes pickled code; it reads only collections.OrderedDict, torch._utils._rebuild_tensor_v2, ' +
      'torch._utils._rebuild_parameter and the torch.*Storage types, like torch.load(weights_only=True)',
  );
}

function unpickle(
  files: Record<string, Uint8Array>,
  prefix: string,
): { result: unknown; littleEndian: boolean } {
  const order = files[`${prefix}byteorder`];
  const littleEndian = !order || new TextDecoder().decode(order).trim() !== 'big';
  const storages = new Map<string, StorageRef>();
  const rebuildTensor = pickleCallable('torch._utils._rebuild_tensor_v2', (args) => {
    const [storage, offset, shape, strides] = args;
    const ok =
      storage instanceof StorageRef &&
      isCount(offset) &&
      Array.isArray(shape) &&
      shape.every(isCount) &&
      Array.isArray(strides) &&
      strides.every(isCount) &&
      strides.length === shape.length;
    if (!ok) throw new Error(`${WHAT}: a tensor's storage, offset, size or stride is malformed`);
    const s = storage as StorageRef;
    const last = lastElement(shape as number[], strides as number[]);
    if (last >= 0 && (offset as number) + last >= s.numel) {
      throw new RangeError(
        `${WHAT}: a tensor of shape [${shape.join(', ')}] (offset ${offset}, strides [${strides.join(', ')}]) reaches past the ${s.numel} elements of storage ${s.key}`,
      );
    }
    return new TensorRef(s, offset as number, shape as number[], strides as number[]);
  });
  const firstArg = (qualname: string) => pickleCallable(qualname, (args) => args[0]);
  const allowed: Record<string, unknown> = {
    'collections.OrderedDict': pickleCallable(
      'collections.OrderedDict',
      () => new Map(),
      (obj) => obj, // BUILD sets attributes such as _metadata (per-module versions): not needed
    ),
    'torch._utils._rebuild_tensor_v2': rebuildTensor,
    'torch._utils._rebuild_parameter': firstArg('torch._utils._rebuild_parameter'),
    'torch._utils._rebuild_parameter_with_state': firstArg('torch._utils._rebuild_parameter_with_state'),
  };
  const hooks: PickleHooks = {
    global(module, name) {
      const storageKind = module === 'torch' ? STORAGE_KINDS[name] : undefined;
      if (storageKind) return new StorageType(storageKind);
      if (module === 'torch' && name.endsWith('Storage')) {
        throw new TypeError(
          `${WHAT}: storage type torch.${name} has no layers dtype (supported: ${Object.keys(STORAGE_KINDS).join(', ')})`,
        );
      }
      const fn = allowed[`${module}.${name}`];
      if (!fn) throw disallowed(module, name);
      return fn;
    },
    persistentLoad(pid) {
      const [tag, type, key, , numel] = Array.isArray(pid) ? pid : [];
      if (tag !== 'storage' || !(type instanceof StorageType) || typeof key !== 'string' || !isCount(numel)) {
        throw new Error(
          `${WHAT}: unsupported persistent id ${JSON.stringify(String(pid))} (expected a storage)`,
        );
      }
      const known = storages.get(key);
      if (known) return known;
      const bytes = files[`${prefix}data/${key}`];
      const expected = numel * ITEM_BYTES[type.kind];
      if (!bytes || bytes.length < expected) {
        throw new Error(
          `${WHAT}: storage ${key} has ${bytes ? bytes.length : 'no'} bytes in the archive, expected ${expected}: truncated or corrupt`,
        );
      }
      const ref = new StorageRef(type.kind, key, numel, bytes);
      storages.set(key, ref);
      return ref;
    },
  };
  return { result: readPickle(files[`${prefix}data.pkl`], hooks, WHAT), littleEndian };
}

function describe(v: unknown): string {
  if (v instanceof TensorRef) return `a tensor of shape [${v.shape.join(', ')}]`;
  if (v instanceof Map) {
    const tensors = [...v.values()].filter((x) => x instanceof TensorRef).length;
    return `a dict of ${v.size} entries (${tensors} tensors)`;
  }
  if (Array.isArray(v)) return `a list of ${v.length}`;
  return v === null ? 'None' : typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** Walk `key` into the unpickled value and check it is a dict of tensors. */
function selectStateDict(root: unknown, key: string | readonly string[] | undefined): Map<string, TensorRef> {
  const path = key === undefined ? [] : typeof key === 'string' ? [key] : key;
  let node = root;
  for (let i = 0; i < path.length; i++) {
    if (!(node instanceof Map) || !node.has(path[i])) {
      const where = i ? ` in "${path.slice(0, i).join('.')}"` : '';
      const keys =
        node instanceof Map ? [...node.keys()].map((k) => JSON.stringify(k)).join(', ') : describe(node);
      throw new Error(`${WHAT}: the checkpoint has no entry "${path[i]}"${where} (it has: ${keys})`);
    }
    node = node.get(path[i]);
  }
  const named = path.length ? `entry "${path.join('.')}"` : 'checkpoint';
  if (!(node instanceof Map)) throw new Error(`${WHAT}: the ${named} is ${describe(node)}, not a state dict`);
  const bad = [...node].filter(([k, v]) => typeof k !== 'string' || !(v instanceof TensorRef));
  if (bad.length) {
    const list = bad.slice(0, 6).map(([k, v]) => `"${k}" is ${describe(v)}`);
    const dicts = bad.filter(([, v]) => v instanceof Map).map(([k]) => String(k));
    const hint = dicts.length ? `; name the part that holds the weights, e.g. { key: '${dicts[0]}' }` : '';
    throw new Error(`${WHAT}: the ${named} is not a flat state dict of tensors: ${list.join(', ')}${hint}`);
  }
  return node as Map<string, TensorRef>;
}

/**
 * Load a PyTorch checkpoint written by `torch.save(model.state_dict(), path)` (torch >= 1.6)
 * into new tensors, ready for `module.loadStateDict`. Pass the file's bytes (Node's
 * readFileSync, or `await (await fetch(url)).arrayBuffer()` / a File in a browser).
 *
 * Dtypes: float32 stays float32; float16 and bfloat16 become float32 exactly (every value
 * is representable); float64 is rounded to float32, with a note through `onWarning`;
 * int64 (num_batches_tracked), int16, int8 and uint8 become int32, and an int64 value
 * outside int32 is an error naming the tensor; bool stays bool. Views sharing a storage
 * are copied out into tensors of their own.
 *
 * The pickle is interpreted, never executed: any global other than what a state dict
 * needs (OrderedDict, torch's tensor rebuild helpers and storage types) is an error naming
 * it, as with torch.load(weights_only=True). Truncated or corrupt archives are errors too,
 * and a failed load creates no tensors.
 */
export function loadTorchCheckpoint(
  bytes: Uint8Array | ArrayBuffer,
  opts: TorchCheckpointOptions = {},
): StateDict {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const { files, prefix } = openArchive(data);
  const { result, littleEndian } = unpickle(files, prefix);
  const entries = selectStateDict(result, opts.key);
  const backend = opts.backend ?? getBackend();
  const out: StateDict = {};
  const rounded: string[] = [];
  try {
    for (const [name, ref] of entries) {
      const s = ref.storage;
      const dv = new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength);
      const layout = {
        kind: s.kind,
        shape: ref.shape,
        strides: ref.strides,
        byteBase: 0,
        offset: ref.offset,
        littleEndian,
        keepHalf: opts.keepHalf ?? false,
      };
      const data = decodeStored(dv, layout, `${WHAT}: tensor "${name}"`);
      out[name] = fromTypedArray(data, ref.shape, backend, decodedDType(s.kind, layout.keepHalf));
      if (s.kind === 'f64') rounded.push(name);
    }
  } catch (e) {
    for (const t of Object.values(out)) (t as Tensor).dispose();
    throw e;
  }
  if (rounded.length) {
    const list =
      rounded.slice(0, 5).join(', ') + (rounded.length > 5 ? `, ... (${rounded.length} in all)` : '');
    (opts.onWarning ?? console.warn)(
      `${WHAT}: float64 tensors rounded to float32, layers' float type: ${list}`,
    );
  }
  return out;
}
