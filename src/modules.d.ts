// Non-JS modules that wrangler bundles: `.wasm` as a compiled module (its default
// CompiledWasm rule, since workerd forbids compiling Wasm from bytes at run time)
// and fonts as bytes (the `Data` rule in wrangler.toml).

declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}

declare module '*.woff' {
  const data: ArrayBuffer;
  export default data;
}

declare module '*.ttf' {
  const data: ArrayBuffer;
  export default data;
}

declare module '*.otf' {
  const data: ArrayBuffer;
  export default data;
}

// arabic-persian-reshaper ships no types: the one function used.
// It is CommonJS: imported by its default export, which Node and wrangler's bundler both give.
declare module 'arabic-persian-reshaper' {
  const reshaper: { ArabicShaper: { convertArabic(s: string): string } };
  export default reshaper;
}
