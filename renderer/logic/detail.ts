// Packet detail helpers: which field a byte belongs to, and field paths for expand/collapse state.
import type { FieldView, LevelView } from '../../common/contract';

export interface FieldHit {
  readonly path: string;
  readonly field: FieldView;
}

/** Stable path of a field: level/layer index/field indices, e.g. '1/2/0.3'. */
export const fieldPath = (level: number, layer: number, indices: readonly number[]) => `${level}/${layer}/${indices.join('.')}`;

/** The deepest (smallest) field whose bytes contain `offset`, searching every level and layer. */
export function fieldAtByte(levels: readonly LevelView[], offset: number): FieldHit | null {
  let best: FieldHit | null = null;
  const visit = (f: FieldView, path: string, idx: number[]) => {
    if (f.length > 0 && offset >= f.offset && offset < f.offset + f.length) {
      if (!best || f.length <= best.field.length) best = { path: `${path}/${idx.join('.')}`, field: f };
    }
    f.children.forEach((c, i) => visit(c, path, [...idx, i]));
  };
  for (const lv of levels) lv.layers.forEach((layer, li) => layer.fields.forEach((f, fi) => visit(f, `${lv.level}/${li}`, [fi])));
  return best;
}

/** Paths of all ancestors of a field path (so selecting a byte opens the tree down to its field). */
export function ancestorsOf(path: string): string[] {
  const [level, layer, idx] = path.split('/');
  const parts = (idx ?? '').split('.');
  const out = [`${level}/${layer}`];
  for (let i = 1; i < parts.length; i++) out.push(`${level}/${layer}/${parts.slice(0, i).join('.')}`);
  return out;
}
