/**
 * The digit payload: the packed binary must decode to exactly the values of the mnist
 * package's JSON (the same digits apps/mnist trains on), in far fewer bytes.
 */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLASSES, decodeDigits, HEADER_BYTES, PIXELS } from '../src/digits.js';
import { digitsPayload, packDigits, readClassJson } from '../tools/digits-asset.js';

describe('digit payload', () => {
  const payload = digitsPayload();
  const decoded = decodeDigits(new Uint8Array(gunzipSync(payload)));

  it('decodes to the JSON values, every pixel of every class', () => {
    expect(decoded).toHaveLength(CLASSES);
    for (let d = 0; d < CLASSES; d++) {
      const json = Float32Array.from(readClassJson(d));
      expect(decoded[d].length, `class ${d}`).toBe(json.length);
      let mismatches = 0;
      for (let i = 0; i < json.length; i++) if (decoded[d][i] !== json[i]) mismatches++;
      expect(mismatches, `class ${d}`).toBe(0);
    }
  });

  it('is one uint8 per pixel before compression and under 2 MB after (the JSON is 21 MB)', () => {
    const images = decoded.reduce((n, c) => n + c.length / PIXELS, 0);
    expect(images).toBeGreaterThan(9000);
    expect(gunzipSync(payload).length).toBe(HEADER_BYTES + images * PIXELS);
    expect(payload.length).toBeLessThan(2 * 1024 * 1024);
  });

  it('refuses values it cannot store losslessly, and payloads whose size disagrees with the header', () => {
    const row = new Array(PIXELS).fill(0);
    expect(() => packDigits([[...row.slice(1), 0.5]])).toThrow(/0.5 is not k\/255/);
    const packed = packDigits([row]);
    expect(decodeDigits(packed)[0]).toHaveLength(PIXELS);
    expect(() => decodeDigits(packed.subarray(0, packed.length - 1))).toThrow(/header says/);
  });
});
