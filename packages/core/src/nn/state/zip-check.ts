/**
 * CRC-32 check of a zip archive's entries. fflate extracts entries without verifying their
 * CRC-32, so a flipped byte inside a stored tensor would load as a wrong weight; this reads
 * the checksum each central-directory record holds and compares. Walking the directory
 * first also guards fflate against a corrupt entry count, over which it would loop.
 */

const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** @internal CRC-32 (IEEE, as zip uses) of `data`. */
export function crc32(data: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/**
 * @internal The CRC-32 the central directory records for each entry name. Throws (naming
 * `what`) when the directory holds fewer records than its end record counts: fflate would
 * otherwise loop over a corrupt count of billions of entries.
 */
export function centralCrcs(zip: Uint8Array, what: string): Map<string, number> {
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const out = new Map<string, number>();
  // The end record is in the last 22 + 65535 (comment) bytes; without one, fflate reports it.
  let eocd = zip.length - 22;
  const stop = Math.max(0, zip.length - 65557);
  while (eocd >= stop && dv.getUint32(eocd, true) !== 0x06054b50) eocd--;
  if (eocd < stop) return out;
  let count = dv.getUint16(eocd + 10, true);
  let pos = dv.getUint32(eocd + 16, true);
  // Zip64 (archives over 4 GiB, as torch.save writes them): the locator points at the record.
  if (eocd >= 20 && dv.getUint32(eocd - 20, true) === 0x07064b50) {
    const rec = Number(dv.getBigUint64(eocd - 12, true));
    if (rec + 56 <= zip.length && dv.getUint32(rec, true) === 0x06064b50) {
      count = Number(dv.getBigUint64(rec + 32, true));
      pos = Number(dv.getBigUint64(rec + 48, true));
    }
  }
  const names = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (pos + 46 > zip.length || dv.getUint32(pos, true) !== 0x02014b50) {
      throw new Error(
        `${what}: the zip directory lists ${count} entries but holds ${i}: the file is truncated or corrupt`,
      );
    }
    const nameLen = dv.getUint16(pos + 28, true);
    const name = names.decode(zip.subarray(pos + 46, pos + 46 + nameLen));
    out.set(name, dv.getUint32(pos + 16, true));
    pos += 46 + nameLen + dv.getUint16(pos + 30, true) + dv.getUint16(pos + 32, true);
  }
  return out;
}
