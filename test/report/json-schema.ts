// A small JSON Schema checker for the subset report.schema.json uses: type (one or a list), const,
// enum, properties, required, additionalProperties: false, items, minimum, $ref to #/$defs/...
// Returns the list of violations with their JSON paths (empty = valid).
type Schema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: Schema;
  minimum?: number;
  $ref?: string;
  $defs?: Record<string, Schema>;
};

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export function validate(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  const known = new Set([
    'type',
    'const',
    'enum',
    'properties',
    'required',
    'additionalProperties',
    'items',
    'minimum',
    '$ref',
    '$defs',
    '$schema',
    '$id',
    'title',
    'description',
  ]);
  const walk = (s: Schema, v: unknown, path: string): void => {
    for (const k of Object.keys(s)) if (!known.has(k)) errors.push(`${path}: schema keyword ${k} is not supported by this checker`);
    if (s.$ref) {
      const name = s.$ref.replace(/^#\/\$defs\//, '');
      const def = root.$defs?.[name];
      if (!def) errors.push(`${path}: unknown $ref ${s.$ref}`);
      else walk(def, v, path);
      return;
    }
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? s.type : [s.type];
      const t = typeOf(v);
      if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) {
        errors.push(`${path}: expected ${types.join('|')}, got ${t}`);
        return;
      }
    }
    if ('const' in s && v !== s.const) errors.push(`${path}: expected ${JSON.stringify(s.const)}`);
    if (s.enum && !s.enum.includes(v)) errors.push(`${path}: ${JSON.stringify(v)} not in ${JSON.stringify(s.enum)}`);
    if (s.minimum !== undefined && typeof v === 'number' && v < s.minimum) errors.push(`${path}: ${v} < ${s.minimum}`);
    if (typeOf(v) === 'object') {
      const o = v as Record<string, unknown>;
      for (const r of s.required ?? []) if (!(r in o)) errors.push(`${path}: missing ${r}`);
      for (const [k, val] of Object.entries(o)) {
        const p = s.properties?.[k];
        if (p) walk(p, val, `${path}.${k}`);
        else if (s.additionalProperties === false) errors.push(`${path}: unexpected property ${k}`);
      }
    }
    if (Array.isArray(v) && s.items) v.forEach((x, i) => walk(s.items!, x, `${path}[${i}]`));
  };
  walk(root, value, '$');
  return errors;
}
