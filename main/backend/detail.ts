// A decoded packet as the detail view shows it: one column per encapsulation level (outer to
// inner), field trees as plain serialisable objects, and the fields whose values differ between
// levels (the addresses, MACs, TTLs an operator compares across a tunnel boundary).
import type { DecodedPacket, Field, Layer } from '../engine/decode/types';
import { TUNNEL_NAMES } from '../engine/decode/types';
import type { FieldView, LayerView, LevelView } from '../../common/contract';

const TUNNEL_LAYER: Record<string, string> = {
  vxlan: 'VXLAN',
  geneve: 'Geneve',
  gre: 'GRE',
  flannel: 'flannel UDP',
  wireguard: 'WireGuard',
  erspan: 'ERSPAN',
};
const MAX_FIELDS = 5000;

export function fieldView(f: Field, budget: { n: number }): FieldView {
  budget.n++;
  const children = f.children && budget.n < MAX_FIELDS ? f.children.map((c) => fieldView(c, budget)) : [];
  const value = f.display ?? (f.value === null ? '' : String(f.value));
  return { name: f.name, label: f.label, value, offset: f.offset, length: f.length, children };
}

function layerView(l: Layer, budget: { n: number }): LayerView {
  return {
    proto: l.proto,
    name: l.name,
    summary: l.summary,
    offset: l.offset,
    length: l.length,
    fields: l.fields.map((f) => fieldView(f, budget)),
  };
}

/** Title of each level column: what carries it. */
function levelTitle(level: number, levels: number, layers: readonly Layer[]): string {
  if (levels === 1) return 'Headers';
  // The tunnel layer sits at the end of the level before this one.
  const prev = layers.filter((l) => l.level === level - 1);
  const tunnel = [...prev].reverse().find((l) => TUNNEL_LAYER[l.proto]);
  const via = tunnel ? TUNNEL_LAYER[tunnel.proto] : prev.some((l) => l.proto === 'ip' || l.proto === 'ipv6') ? 'IP-in-IP' : 'tunnel';
  const vni = tunnel?.fields.find((f) => f.name.endsWith('.vni'))?.value;
  if (level === 0) return 'Outer (underlay)';
  return `${level === levels - 1 ? 'Inner' : `Level ${level}`} (${via}${vni !== undefined && vni !== null ? ` ${vni}` : ''})`;
}

export function levelsOf(d: DecodedPacket): LevelView[] {
  const budget = { n: 0 };
  const out: LevelView[] = [];
  for (let level = 0; level < Math.max(1, d.levels); level++) {
    const layers = d.layers.filter((l) => l.level === level);
    if (!layers.length && level > 0) continue;
    out.push({
      level,
      title: level === 0 && d.levels > 1 ? 'Outer (underlay)' : levelTitle(level, d.levels, d.layers),
      layers: layers.map((l) => layerView(l, budget)),
    });
  }
  return out;
}

/** Names of fields present at two or more levels with different values. */
export function differingFields(d: DecodedPacket): string[] {
  if (d.levels < 2) return [];
  const seen = new Map<string, Map<number, string>>();
  const visit = (f: Field, level: number) => {
    const v = f.display ?? String(f.value);
    const m = seen.get(f.name) ?? seen.set(f.name, new Map()).get(f.name)!;
    if (!m.has(level)) m.set(level, v);
    f.children?.forEach((c) => visit(c, level));
  };
  for (const l of d.layers) for (const f of l.fields) visit(f, l.level);
  const out: string[] = [];
  for (const [name, byLevel] of seen) {
    if (byLevel.size < 2) continue;
    if (new Set(byLevel.values()).size > 1) out.push(name);
  }
  return out.sort();
}

export const tunnelName = (kind: number): string => TUNNEL_NAMES[kind] ?? 'tunnel';
