// Reading a body that may be larger than we accept: refused by its declared length before a
// byte is read, else counted while streaming and cancelled at the first byte over.

export async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  headers: Headers,
  max: number,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  const declared = Number(headers.get('Content-Length'));
  if (Number.isFinite(declared) && declared > max) {
    await body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}
