/// <reference types="vite/types/importMeta.d.ts" />
// Vite's `?raw` imports (a file's text) and `import.meta.glob`, used by tests that check the docs against the code.
declare module '*.md?raw' {
  const text: string;
  export default text;
}
