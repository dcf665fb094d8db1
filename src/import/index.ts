/** `mooring import`: Argo CD and Flux manifests to Mooring Projects and Applications, with a report. Pure. */
export { importArgoCD } from './argocd.js';
export { importFlux } from './flux.js';
export { formatNotes } from './report.js';
export { DEFAULT_IMPORT_OPTIONS } from './types.js';
export type { ImportNote, ImportOptions, ImportResult } from './types.js';
