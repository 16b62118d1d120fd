import { DataError } from '../data/data-error';

/**
 * What the pickle may construct. Python's unpickler imports and calls any `module.name` a file
 * names, so a pickle can run arbitrary code; this one resolves names only through `findClass`,
 * which returns a value from a closed list (a plain function, or a marker such as a storage type)
 * or throws; REDUCE calls only functions it returned.
 */
export interface UnpickleHooks {
  findClass(module: string, name: string): unknown;
  /** Resolves a persistent id (PyTorch's storage references). */
  persistentLoad(pid: unknown): unknown;
}

const MARK = Symbol('mark');

/**
 * Reads a pickle (protocols 2–5) made only of the opcodes a PyTorch `state_dict` uses: containers,
 * strings, numbers, memo, persistent ids, and calls to the functions `findClass` allows. Dicts
 * become `Map`s; tuples and lists become arrays. Any other opcode is refused, naming it.
 */
export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks, source: string): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder();
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let p = 0;
  const fail = (problem: string): never => {
    throw new DataError(source, `pickle at byte ${p}: ${problem}`);
  };
  const need = (n: number) => {
    if (p + n > bytes.length) fail('ends early (truncated file?)');
  };
  const u8 = () => (need(1), bytes[p++]!);
  const u16 = () => (need(2), (p += 2), view.getUint16(p - 2, true));
  const u32 = () => (need(4), (p += 4), view.getUint32(p - 4, true));
  const u64 = () => (need(8), (p += 8), Number(view.getBigUint64(p - 8, true)));
  const take = (n: number) => (need(n), (p += n), bytes.subarray(p - n, p));
  const line = () => {
    const end = bytes.indexOf(0x0a, p);
    if (end < 0) fail('unterminated text line');
    const s = text.decode(bytes.subarray(p, end));
    p = end + 1;
    return s;
  };
  const pop = () => (stack.length === 0 ? fail('stack underflow') : stack.pop());
  const top = () => (stack.length === 0 ? fail('stack underflow') : stack[stack.length - 1]);
  const popMark = (): unknown[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail('no MARK');
    const items = stack.splice(at);
    items.shift();
    return items;
  };
  const asMap = (v: unknown): Map<unknown, unknown> => (v instanceof Map ? v : fail('SETITEM(S) on a non-dict'));
  const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : fail('APPEND(S) on a non-list'));
  const call = (fn: unknown, args: unknown) => {
    if (typeof fn !== 'function' || !Array.isArray(args)) return fail('REDUCE needs an allowed callable and an argument tuple');
    return (fn as (...a: unknown[]) => unknown)(...args);
  };
  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME: a length prefix only
        u64();
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        need(4);
        p += 4;
        stack.push(view.getInt32(p - 4, true));
        break;
      case 0x8a: { // LONG1: little-endian two's complement of n bytes
        const raw = take(u8());
        let v = 0n;
        for (let i = raw.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i]!);
        if (raw.length > 0 && raw[raw.length - 1]! & 0x80) v -= 1n << BigInt(8 * raw.length);
        stack.push(Number(v));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        p += 8;
        stack.push(view.getFloat64(p - 8, false));
        break;
      case 0x58: // BINUNICODE
        stack.push(text.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text.decode(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text.decode(take(u64())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()));
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()));
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
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const key = op === 0x68 ? u8() : u32();
        if (!memo.has(key)) fail(`memo entry ${key} is missing`);
        stack.push(memo.get(key));
        break;
      }
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x73: { // SETITEM
        const value = pop();
        const key = pop();
        asMap(top()).set(key, value);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        const dict = asMap(top());
        for (let i = 0; i + 1 < items.length; i += 2) dict.set(items[i], items[i + 1]);
        break;
      }
      case 0x61: { // APPEND
        const value = pop();
        asList(top()).push(value);
        break;
      }
      case 0x65: // APPENDS
        asList(top()).push(...popMark());
        break;
      case 0x63: { // GLOBAL
        const module = line();
        stack.push(hooks.findClass(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(hooks.findClass(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x62: { // BUILD: sets instance state; a dict's state (OrderedDict._metadata, layer versions) is dropped
        pop();
        if (!(top() instanceof Map)) fail('BUILD on an object other than a dict');
        break;
      }
      case 0x51: // BINPERSID
        stack.push(hooks.persistentLoad(pop()));
        break;
      default:
        fail(`opcode 0x${op.toString(16).padStart(2, '0')} is not among those a state_dict uses; refusing it`);
    }
  }
}
