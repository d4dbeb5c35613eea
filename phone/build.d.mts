// Types of build.mjs for the TypeScript tests that build the app into a temporary folder.
export function buildPhone(opts?: { outDir?: string; minify?: boolean }): Promise<string>;
