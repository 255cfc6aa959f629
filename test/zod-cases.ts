import type { z } from 'zod';

// Walks a procedure's zod input schema: builds one valid sample, then bad variants, each naming the
// field it breaks. Used by the generated input and auth suites, so new procedures are covered as added.

type Schema = z.core.$ZodType;
type Def = { type: string; [key: string]: unknown };
const def = (s: Schema) => s._zod.def as unknown as Def;
const inner = (s: Schema) => def(s).innerType as Schema;
interface StringLike {
  minLength: number | null;
  maxLength: number | null;
  format: string | null;
}
interface NumberLike {
  minValue: number | null;
  maxValue: number | null;
  isInt: boolean;
}

export interface BadCase {
  field: string;
  label: string;
  input: unknown;
}

/** Values for fields whose format a generator cannot guess. */
export type Hints = Record<string, (path: string[]) => unknown>;

function lengthChecks(s: Schema): { min?: number; max?: number } {
  const out: { min?: number; max?: number } = {};
  for (const c of (def(s).checks as Schema[] | undefined) ?? []) {
    const d = def(c) as unknown as { check: string; minimum?: number; maximum?: number };
    if (d.check === 'min_length') out.min = d.minimum;
    if (d.check === 'max_length') out.max = d.maximum;
  }
  return out;
}

/** A valid value for `s` (hints first, by field name). */
export function sample(s: Schema, path: string[], hints: Hints): unknown {
  const name = path[path.length - 1] ?? '';
  const hint = hints[name];
  if (hint) return hint(path);
  const d = def(s);
  switch (d.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
      return sample(inner(s), path, hints);
    case 'string': {
      const str = s as unknown as StringLike;
      if (str.format === 'url') return 'http://127.0.0.1:9/hook';
      if (str.format === 'email') return 'ops@example.com';
      if (str.format === 'datetime') return new Date(0).toISOString();
      return 'a'.repeat(Math.max(1, str.minLength ?? 1));
    }
    case 'number': {
      const n = s as unknown as NumberLike;
      return n.minValue !== null && Number.isFinite(n.minValue) ? Math.max(n.minValue, 1) : 1;
    }
    case 'boolean':
      return true;
    case 'enum':
      return (s as unknown as { options: unknown[] }).options[0];
    case 'literal':
      return (d.values as unknown[])[0];
    case 'array': {
      const { min } = lengthChecks(s);
      const element = d.element as Schema;
      return Array.from({ length: Math.max(1, min ?? 1) }, (_, i) => sample(element, [...path, String(i)], hints));
    }
    case 'object': {
      const shape = d.shape as Record<string, Schema>;
      return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, sample(v, [...path, k], hints)]));
    }
    case 'union':
      return sample((d.options as Schema[])[0] as Schema, path, hints);
    case 'record':
      return {};
    default:
      throw new Error(`no sample for zod type ${d.type} at ${path.join('.') || '(input)'}: add a hint`);
  }
}

function setAt(root: unknown, path: string[], value: unknown, remove = false): unknown {
  const copy = structuredClone(root) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path[path.length - 1] as string;
  if (remove) delete node[last];
  else node[last] = value;
  return copy;
}

/** Bad variants of `valid`, one field broken at a time, each with the field path the error must name. */
export function badCases(schema: Schema, valid: unknown): BadCase[] {
  const cases: BadCase[] = [];
  const walk = (s: Schema, path: string[], optional: boolean, nullable: boolean) => {
    const d = def(s);
    const field = path.join('.');
    const add = (label: string, value: unknown, remove = false) =>
      cases.push({ field: field || '(input)', label, input: path.length ? setAt(valid, path, value, remove) : value });
    if (d.type === 'optional' || d.type === 'default' || d.type === 'prefault') return walk(inner(s), path, true, nullable);
    if (d.type === 'nullable') return walk(inner(s), path, optional, true);
    if (!optional && path.length) add('missing', undefined, true);
    if (!nullable && !optional) add('null', null);
    switch (d.type) {
      case 'string': {
        const str = s as unknown as StringLike;
        add('wrong type (number)', 12345);
        if ((str.minLength ?? 0) >= 1) add('empty', '');
        if (str.maxLength !== null) add(`too long (${str.maxLength + 1})`, 'a'.repeat(str.maxLength + 1));
        if (str.format) add(`not a ${str.format}`, 'not valid at all');
        break;
      }
      case 'number': {
        const n = s as unknown as NumberLike;
        add('wrong type (string)', '7');
        if (n.minValue !== null && Number.isFinite(n.minValue)) add('below range', n.minValue - 1);
        if (n.maxValue !== null && Number.isFinite(n.maxValue)) add('above range', n.maxValue + 1);
        if (n.isInt) add('not an integer', 1.5);
        break;
      }
      case 'boolean':
        add('wrong type (string)', 'yes');
        break;
      case 'enum':
        add('unknown enum value', 'not-a-member');
        break;
      case 'array': {
        const { min, max } = lengthChecks(s);
        add('wrong type (object)', { not: 'an array' });
        if ((min ?? 0) >= 1) add('empty', []);
        const first = (path.length ? path.reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], valid) : valid) as unknown[];
        if (max !== undefined && max <= 2000)
          add(
            `too many (${max + 1})`,
            Array.from({ length: max + 1 }, () => first[0]),
          );
        walk(d.element as Schema, [...path, '0'], false, false);
        break;
      }
      case 'record':
        add('wrong type (string)', 'junk');
        if (def(d.keyType as Schema).type === 'enum') add('unknown key', { 'not-a-member': [] });
        break;
      case 'object': {
        add('wrong type (string)', 'junk');
        const shape = d.shape as Record<string, Schema>;
        const current = path.length ? path.reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], valid) : valid;
        cases.push({
          field: field ? `${field}` : '(input)',
          label: 'unknown nested key',
          input: path.length
            ? setAt(valid, path, { ...(current as object), junk: { nested: [1, 2] } })
            : { ...(current as object), junk: { nested: [1, 2] } },
        });
        for (const [k, v] of Object.entries(shape)) walk(v, [...path, k], false, false);
        break;
      }
    }
  };
  walk(schema, [], false, false);
  return cases;
}
