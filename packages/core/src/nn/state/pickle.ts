/**
 * A restricted pickle reader: it interprets the opcodes of protocols 0-5 that plain data
 * needs (dicts, lists, tuples, numbers, strings, bytes, memo, marks) and never executes
 * anything. A global (GLOBAL / STACK_GLOBAL) is looked up in the caller's allow-list and
 * anything else is an error naming it, as torch.load(weights_only=True) does; calls
 * (REDUCE, NEWOBJ) may only call what the allow-list returned. So a pickle written to run
 * code (os.system through __reduce__) fails at the global, before any call.
 *
 * Values: Python dicts become Maps (their keys may be ints, as in optimizer state), lists
 * and tuples arrays, ints numbers (bigint beyond 2^53), bytes Uint8Arrays, None null.
 */

/** @internal A function the allow-list lends the pickle (a constructor or torch's rebuild helpers). */
export interface PickleCallable {
  /** module.name, for error messages. */
  readonly qualname: string;
  call(args: unknown[]): unknown;
  /** BUILD on an object this callable made (e.g. OrderedDict's attributes); default: ignored. */
  build?(obj: unknown, state: unknown): unknown;
}

/** @internal What the reader needs from its caller. */
export interface PickleHooks {
  /** Resolve an allowed global, or throw the error that names it. */
  global(module: string, name: string): unknown;
  /** Turn a persistent id (BINPERSID) into a value; absent: persistent ids are an error. */
  persistentLoad?(pid: unknown): unknown;
}

/** @internal Thrown for a malformed or unsupported pickle. */
export class PickleError extends Error {}

/** @internal Read one pickle from `bytes` with the given hooks. `what` prefixes errors. */
export function readPickle(bytes: Uint8Array, hooks: PickleHooks, what: string): unknown {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (msg: string, at: number): never => {
    throw new PickleError(`${what}: ${msg} (at byte ${at} of ${bytes.length})`);
  };
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > bytes.length)
      fail(`the pickle ends early (needed ${n} more bytes): truncated or corrupt`, pos);
  };
  /** Advance past `n` bytes, returning where they start. */
  const take = (n: number): number => {
    need(n);
    pos += n;
    return pos - n;
  };
  const u8 = () => bytes[take(1)];
  const u16 = () => dv.getUint16(take(2), true);
  const u32 = () => dv.getUint32(take(4), true);
  const i32 = () => dv.getInt32(take(4), true);
  const u64 = () => {
    const at = take(8);
    const v = dv.getBigUint64(at, true);
    if (v > BigInt(bytes.length)) fail(`a length of ${v} bytes exceeds the pickle`, at);
    return Number(v);
  };
  const raw = (n: number) => {
    const at = take(n);
    return bytes.subarray(at, at + n);
  };
  const utf8 = new TextDecoder('utf-8', { fatal: false });
  const latin1 = (b: Uint8Array) => {
    let s = '';
    for (const c of b) s += String.fromCharCode(c);
    return s;
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('a text argument has no end of line: truncated or corrupt', pos);
    const s = latin1(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };

  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const pop = (): unknown => {
    if (stack.length === 0 || stack.length === marks[marks.length - 1])
      fail('stack underflow: corrupt pickle', pos);
    return stack.pop();
  };
  const popMark = (): unknown[] => {
    const at = marks.pop();
    if (at === undefined) fail('no MARK for a mark-delimited opcode: corrupt pickle', pos);
    return stack.splice(at as number);
  };
  const top = () => {
    if (stack.length === 0) fail('stack underflow: corrupt pickle', pos);
    return stack[stack.length - 1];
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) fail('SETITEM(S) on something that is not a dict', pos);
    for (let i = 0; i + 1 < items.length; i += 2)
      (target as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  const call = (fn: unknown, args: unknown, op: string) => {
    if (!isCallable(fn)) fail(`${op} calls something that is not an allowed global`, pos);
    if (!Array.isArray(args)) fail(`${op} arguments are not a tuple`, pos);
    return (fn as PickleCallable).call(args as unknown[]);
  };
  const long = (b: Uint8Array): number | bigint => {
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b.length && b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const textNumber = (s: string) => {
    const t = s.replace(/L$/, '');
    if (t === '00') return false; // protocol 0 spells False and True as INT 00 / 01
    if (t === '01') return true;
    if (!/^[+-]?\d+$/.test(t))
      fail(`INT/LONG argument ${JSON.stringify(s.slice(0, 20))} is not a number`, pos);
    const v = BigInt(t);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('pickle protocol above 5', at);
        break;
      case 0x95: // FRAME: a length prefix only
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack: corrupt pickle`, at);
        return stack[0];
      case 0x28: // MARK
        marks.push(stack.length); // a mark is a stack position, not a value
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(long(raw(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(long(raw(u32())));
        break;
      case 0x49: // INT (text)
      case 0x4c: // LONG (text)
        stack.push(textNumber(line()));
        break;
      case 0x47: // BINFLOAT (big-endian)
        stack.push(dv.getFloat64(take(8), false));
        break;
      case 0x46: // FLOAT (text)
        stack.push(Number.parseFloat(line()));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(raw(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(raw(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(raw(u64())));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(latin1(raw(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1(raw(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(raw(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(raw(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(raw(u64()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        const list = top();
        if (!Array.isArray(list)) fail('APPEND to something that is not a list', at);
        (list as unknown[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) fail('APPENDS to something that is not a list', at);
        (list as unknown[]).push(...items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const m = new Map();
        setItems(m, popMark());
        stack.push(m);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: // SETITEMS
        {
          const items = popMark();
          setItems(top(), items);
        }
        break;
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const set = top();
        if (!(set instanceof Set)) fail('ADDITEMS to something that is not a set', at);
        for (const v of items) (set as Set<unknown>).add(v);
        break;
      }
      case 0x91: // FROZENSET
        stack.push(new Set(popMark()));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x70: // PUT (text)
        memo.set(Number(line()), top());
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET (text)
        const key = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!memo.has(key)) fail(`memo entry ${key} is read before it is written: corrupt pickle`, at);
        stack.push(memo.get(key));
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(hooks.global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          fail('STACK_GLOBAL needs two strings', at);
        stack.push(hooks.global(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args, 'REDUCE'));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        stack.push(call(pop(), args, 'NEWOBJ'));
        break;
      }
      case 0x62: {
        // BUILD: state for the object below; only allowed constructors' objects get here.
        const state = pop();
        const obj = pop();
        const maker = builtBy.get(obj as object);
        stack.push(maker?.build ? maker.build(obj, state) : obj);
        break;
      }
      case 0x51: // BINPERSID
      case 0x50: {
        // PERSID (text)
        const pid = op === 0x51 ? pop() : line();
        if (!hooks.persistentLoad) fail('a persistent id, which this pickle may not hold', at);
        stack.push(hooks.persistentLoad?.(pid));
        break;
      }
      default:
        fail(
          `opcode 0x${op.toString(16).padStart(2, '0')} ('${String.fromCharCode(op)}') is not supported in a state dict`,
          at,
        );
    }
  }
}

/** Which allowed callable made an object, so BUILD can be routed to it. */
const builtBy = new WeakMap<object, PickleCallable>();

/** @internal Make an allow-listed callable; objects it returns remember it for BUILD. */
export function pickleCallable(
  qualname: string,
  fn: (args: unknown[]) => unknown,
  build?: (obj: unknown, state: unknown) => unknown,
): PickleCallable {
  const c: PickleCallable = {
    qualname,
    call(args) {
      const out = fn(args);
      if (typeof out === 'object' && out !== null) builtBy.set(out, c);
      return out;
    },
    build,
  };
  return c;
}

function isCallable(v: unknown): v is PickleCallable {
  return (
    typeof v === 'object' && v !== null && typeof (v as PickleCallable).call === 'function' && 'qualname' in v
  );
}
