// Types for scripts/bundle.mjs (a plain script so the image build can run it without a TypeScript loader).
/** Bundles ENTRY into OUTFILE, with the chunks of its dynamic imports in hearth-chunks/ beside it. */
export function bundleAgent(entry: string, outfile: string): Promise<void>;
