// Ground truth of the fixture lab (fixtures/manifest.json) in the terms of the topology API:
// manifest hops -> capture point ids, which pods ever send, capture files per cluster.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Manifest, ManifestCluster, ManifestFlow, ManifestHop } from '../../fixtures/manifest';
import type { Analysis, Journey } from '../../main/topology';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');
export const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as Manifest;

export const cluster = (name: string): ManifestCluster => manifest.clusters.find((c) => c.name === name)!;
export const captureFiles = (name: string): string[] =>
  manifest.captures.filter((c) => c.cluster === name).map((c) => join(FIXTURES, 'captures', c.file));
export const flowsOf = (name: string): ManifestFlow[] => manifest.flows.filter((f) => f.cluster === name);

/** The capture point id of a manifest hop: file, file#if_name (pcapng), file#if<ifindex> (-i any). */
export function pointOf(h: Pick<ManifestHop, 'capture' | 'interface' | 'interfaceIndex' | 'ifindex'>): string {
  if (h.ifindex !== null) return `${h.capture}#if${h.ifindex}`;
  if (h.interfaceIndex !== null) return `${h.capture}#${h.interface}`;
  return h.capture;
}

/** Pods that send at least one packet in the lab (a flow's client, or the backend of a flow that replies). */
export function sendingPods(name: string): Set<string> {
  const s = new Set<string>();
  for (const f of flowsOf(name)) {
    s.add(f.client.ip);
    if (f.reply.length > 0) s.add(f.backend.ip);
  }
  return s;
}

/** Every journey of an analysis, in order. */
export const allJourneys = (a: Analysis): Journey[] => Array.from({ length: a.journeys.count }, (_, k) => a.journeys.get(k));
