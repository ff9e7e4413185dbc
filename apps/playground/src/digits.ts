/**
 * Decoding the digit payload that tools/digits-asset.ts packs: ten uint32 counts, then uint8
 * grey levels. Shared by the page and the packer so both agree on the layout.
 */
export const CLASSES = 10;
export const PIXELS = 28 * 28;
/** Ten little-endian uint32 image counts. */
export const HEADER_BYTES = 4 * CLASSES;
/**
 * Served next to index.html, gzip'd. Not named `.gz`: static servers (Vite's preview among
 * them) then add `Content-Encoding: gzip`, and a browser that inflates it too breaks the fetch.
 */
export const DIGITS_FILE = 'digits.bin';

/** True when `bytes` start with gzip's magic number (a server may already have inflated them). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Byte k -> the value the mnist JSON stores for it: k / 255 rounded to three decimals. */
const LEVELS = Float32Array.from({ length: 256 }, (_, k) => Math.round((k / 255) * 1000) / 1000);

/** One Float32Array of grey levels in [0, 1] per class, from the uncompressed payload. */
export function decodeDigits(bytes: Uint8Array): Float32Array[] {
  if (bytes.length < HEADER_BYTES) throw new Error(`digits: payload of ${bytes.length} bytes has no header`);
  const header = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const counts = Array.from({ length: CLASSES }, (_, d) => header.getUint32(4 * d, true));
  const expected = HEADER_BYTES + counts.reduce((a, b) => a + b, 0) * PIXELS;
  if (bytes.length !== expected) {
    throw new Error(`digits: payload is ${bytes.length} bytes, its header says ${expected}`);
  }
  let offset = HEADER_BYTES;
  return counts.map((n) => {
    const out = new Float32Array(n * PIXELS);
    for (let i = 0; i < out.length; i++) out[i] = LEVELS[bytes[offset + i]];
    offset += out.length;
    return out;
  });
}
