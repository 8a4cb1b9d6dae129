// Reads the CRD file shipped in crds/ (for tests and for installing it).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** crds/ at the repository root (this file is operator/src/api/ or operator/dist/api/). */
export const CRD_FILE = path.resolve(
  fileURLToPath(new URL('.', import.meta.url)),
  '../../../crds/lighthouse.dev_lighthousebridges.yaml',
);

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  enum?: unknown[];
  required?: string[];
  default?: unknown;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

export interface CrdDocument {
  spec: { versions: { name: string; schema: { openAPIV3Schema: JsonSchema } }[] };
}

export function loadCrd(file = CRD_FILE): CrdDocument {
  return parse(readFileSync(file, 'utf8')) as CrdDocument;
}
