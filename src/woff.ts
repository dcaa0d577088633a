/** Code point → advance width in em. */
export type Advances = Map<number, number>;

// Reading advance widths from a WOFF (1.0) file: its table directory, then
// head (unitsPerEm), hhea (numberOfHMetrics), hmtx (advances) and cmap
// (formats 4 and 12). Kerning is left out, as shields.io does: the badge's
// textLength absorbs the few tenths of a pixel it would change.

export async function readWoffAdvances(data: ArrayBuffer): Promise<Advances> {
  const dir = new DataView(data);
  if (dir.getUint32(0) !== 0x774f4646) throw new Error('font: not a WOFF file');
  const numTables = dir.getUint16(12);
  const wanted = new Map<string, Promise<DataView>>();
  for (let i = 0; i < numTables; i++) {
    const at = 44 + i * 20;
    const tag = String.fromCharCode(
      dir.getUint8(at),
      dir.getUint8(at + 1),
      dir.getUint8(at + 2),
      dir.getUint8(at + 3),
    );
    if (tag !== 'head' && tag !== 'hhea' && tag !== 'hmtx' && tag !== 'cmap') continue;
    const offset = dir.getUint32(at + 4);
    const compLength = dir.getUint32(at + 8);
    const origLength = dir.getUint32(at + 12);
    const bytes = new Uint8Array(data, offset, compLength);
    wanted.set(
      tag,
      compLength < origLength
        ? inflate(bytes).then((b) => new DataView(b.buffer, b.byteOffset, b.byteLength))
        : Promise.resolve(new DataView(data, offset, compLength)),
    );
  }
  const table = async (tag: string) => {
    const t = wanted.get(tag);
    if (!t) throw new Error(`font: no ${tag} table`);
    return t;
  };
  const [head, hhea, hmtx, cmap] = await Promise.all([
    table('head'),
    table('hhea'),
    table('hmtx'),
    table('cmap'),
  ]);
  const unitsPerEm = head.getUint16(18);
  const numberOfHMetrics = hhea.getUint16(34);
  const advanceOf = (glyph: number) => hmtx.getUint16(4 * Math.min(glyph, numberOfHMetrics - 1));

  const out: Advances = new Map();
  for (const [cp, glyph] of readCmap(cmap)) out.set(cp, advanceOf(glyph) / unitsPerEm);
  return out;
}

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  // WOFF tables are zlib streams, which is what DecompressionStream calls "deflate".
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function readCmap(cmap: DataView): Map<number, number> {
  const map = new Map<number, number>();
  const count = cmap.getUint16(2);
  for (let i = 0; i < count; i++) {
    const platform = cmap.getUint16(4 + i * 8);
    const encoding = cmap.getUint16(6 + i * 8);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!unicode) continue;
    const at = cmap.getUint32(8 + i * 8);
    const format = cmap.getUint16(at);
    if (format === 4) readCmap4(cmap, at, map);
    else if (format === 12) readCmap12(cmap, at, map);
  }
  return map;
}

function readCmap4(v: DataView, at: number, map: Map<number, number>): void {
  const segX2 = v.getUint16(at + 6);
  const ends = at + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const rangeOffsets = deltas + segX2;
  for (let s = 0; s < segX2; s += 2) {
    const end = v.getUint16(ends + s);
    const start = v.getUint16(starts + s);
    const delta = v.getUint16(deltas + s);
    const ro = v.getUint16(rangeOffsets + s);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      let glyph: number;
      if (ro === 0) glyph = (c + delta) & 0xffff;
      else {
        const g = v.getUint16(rangeOffsets + s + ro + 2 * (c - start));
        glyph = g === 0 ? 0 : (g + delta) & 0xffff;
      }
      if (glyph !== 0 && !map.has(c)) map.set(c, glyph);
    }
  }
}

function readCmap12(v: DataView, at: number, map: Map<number, number>): void {
  const groups = v.getUint32(at + 12);
  for (let i = 0; i < groups; i++) {
    const g = at + 16 + i * 12;
    const start = v.getUint32(g);
    const end = Math.min(v.getUint32(g + 4), 0x10ffff);
    const first = v.getUint32(g + 8);
    for (let c = start; c <= end; c++) if (!map.has(c)) map.set(c, first + c - start);
  }
}
