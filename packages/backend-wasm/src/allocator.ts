/**
 * Allocator for the shared linear memory. Blocks are 64-byte aligned (cache lines, SIMD).
 * Free blocks live in segregated lists by power-of-two size class and are coalesced with
 * their free neighbours on release; when nothing fits, memory grows (extending a free
 * block at the top when there is one). Metadata lives on the JS side, so kernels can
 * never corrupt it.
 *
 * Small blocks freed recently are kept aside by exact size and handed out again without
 * searching or coalescing: a model allocates the same small shapes over and over, and the
 * free-list bookkeeping was the largest cost of a small op (profiled: 38% of an add of four
 * elements). At most QUICK_BYTES are held this way, and they are returned to the free lists
 * before the memory would grow, so the cache never costs memory.
 */
const ALIGN = 64;
const QUICK_MAX_BLOCK = 1 << 16;
const QUICK_BYTES = 4 << 20;
const PAGE = 65536;
const CLASSES = 33;

function sizeClass(bytes: number): number {
  return Math.min(CLASSES - 1, Math.floor(Math.log2(bytes)));
}

export class OutOfMemoryError extends Error {}

export class Allocator {
  private readonly freeByStart = new Map<number, number>(); // start -> size
  private readonly freeByEnd = new Map<number, number>(); // end -> start
  private readonly bins: Set<number>[] = Array.from({ length: CLASSES }, () => new Set<number>());
  private readonly used = new Map<number, number>(); // start -> size
  private top: number; // end of managed memory (== memory.buffer.byteLength)
  /** quick[size / ALIGN]: starts of freed blocks of exactly that size, not in the free lists. */
  private readonly quick: number[][] = Array.from({ length: QUICK_MAX_BLOCK / ALIGN + 1 }, () => []);
  private quickBytes = 0;
  liveBytes = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
    private readonly maxBytes: number,
  ) {
    const start = Math.ceil(base / ALIGN) * ALIGN;
    this.top = memory.buffer.byteLength;
    if (this.top > start) this.insertFree(start, this.top - start);
    else this.top = start;
  }

  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  /** Returns a 64-byte aligned byte address; `what` names the request in errors. */
  alloc(bytes: number, what: string): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    if (size <= QUICK_MAX_BLOCK) {
      const reuse = this.quick[size / ALIGN].pop();
      if (reuse !== undefined) {
        this.quickBytes -= size;
        this.used.set(reuse, size);
        this.liveBytes += size;
        return reuse;
      }
    }
    let start = this.findFit(size);
    if (start < 0 && this.quickBytes > 0) {
      this.flushQuick();
      start = this.findFit(size);
    }
    if (start < 0) {
      this.grow(size, bytes, what);
      start = this.findFit(size);
      if (start < 0) throw this.oom(bytes, what);
    }
    const blockSize = this.freeByStart.get(start)!;
    this.removeFree(start, blockSize);
    if (blockSize > size) this.insertFree(start + size, blockSize - size);
    this.used.set(start, size);
    this.liveBytes += size;
    return start;
  }

  free(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined)
      throw new Error(`layers wasm: release of unknown or already released buffer at ${ptr}`);
    this.used.delete(ptr);
    this.liveBytes -= size;
    if (size <= QUICK_MAX_BLOCK && this.quickBytes + size <= QUICK_BYTES) {
      this.quick[size / ALIGN].push(ptr);
      this.quickBytes += size;
      return;
    }
    this.release(ptr, size);
  }

  /** Return every quick block to the free lists (coalescing), e.g. before growing. */
  private flushQuick(): void {
    for (let i = 0; i < this.quick.length; i++) {
      const list = this.quick[i];
      for (const ptr of list) this.release(ptr, i * ALIGN);
      list.length = 0;
    }
    this.quickBytes = 0;
  }

  /** Put [ptr, ptr + size) on the free lists, merged with free neighbours. */
  private release(ptr: number, size: number): void {
    let start = ptr;
    let end = ptr + size;
    const before = this.freeByEnd.get(start);
    if (before !== undefined) {
      this.removeFree(before, start - before);
      start = before;
    }
    const afterSize = this.freeByStart.get(end);
    if (afterSize !== undefined) {
      this.removeFree(end, afterSize);
      end += afterSize;
    }
    this.insertFree(start, end - start);
  }

  private findFit(size: number): number {
    const c = sizeClass(size);
    // Same class: best fit among its blocks; larger classes: any block fits.
    let best = -1;
    let bestSize = Infinity;
    for (const s of this.bins[c]) {
      const sz = this.freeByStart.get(s)!;
      if (sz >= size && sz < bestSize) {
        best = s;
        bestSize = sz;
        if (sz === size) break;
      }
    }
    if (best >= 0) return best;
    for (let k = c + 1; k < CLASSES; k++) {
      for (const s of this.bins[k]) return s;
    }
    return -1;
  }

  private grow(size: number, bytes: number, what: string): void {
    const tailStart = this.freeByEnd.get(this.top);
    const have = tailStart === undefined ? 0 : this.top - tailStart;
    const need = size - have;
    const current = this.memory.buffer.byteLength;
    if (current + need > this.maxBytes) throw this.oom(bytes, what);
    const minPages = Math.ceil(need / PAGE);
    // Grow by at least 1/8 of the current size to keep the number of grow calls small.
    const wantPages = Math.max(
      minPages,
      Math.min(Math.floor(current / PAGE / 8), Math.floor((this.maxBytes - current) / PAGE)),
    );
    let grown = 0;
    for (const pages of [wantPages, minPages]) {
      try {
        this.memory.grow(pages);
        grown = pages;
        break;
      } catch {
        // try the minimum before giving up
      }
    }
    if (!grown) throw this.oom(bytes, what);
    const oldTop = this.top;
    this.top = this.memory.buffer.byteLength;
    if (tailStart !== undefined) {
      this.removeFree(tailStart, oldTop - tailStart);
      this.insertFree(tailStart, this.top - tailStart);
    } else {
      this.insertFree(oldTop, this.top - oldTop);
    }
  }

  private oom(bytes: number, what: string): OutOfMemoryError {
    return new OutOfMemoryError(
      `layers wasm: out of memory allocating ${bytes} bytes (${what}); ` +
        `${this.liveBytes} bytes live, memory is ${this.memory.buffer.byteLength} of at most ${this.maxBytes} bytes`,
    );
  }

  private insertFree(start: number, size: number): void {
    this.freeByStart.set(start, size);
    this.freeByEnd.set(start + size, start);
    this.bins[sizeClass(size)].add(start);
  }

  private removeFree(start: number, size: number): void {
    this.freeByStart.delete(start);
    this.freeByEnd.delete(start + size);
    this.bins[sizeClass(size)].delete(start);
  }
}
