// Vite's `?inline` import: the file as a data URI (reference pictures in test/fixtures/cards/).
declare module '*.png?inline' {
  const uri: string;
  export default uri;
}
