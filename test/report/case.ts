// The report tests' investigation: the scenario's captures analysed for real (main/topology), a session
// with annotations on a packet, a VXLAN packet, a flow, a hop, a pod and the set, most of them hostile,
// plus the hostile pcapng comment already in a capture.
import { join } from 'node:path';
import { loadCaptureSet } from '../../main/topology';
import { SessionStore } from '../../main/session';
import { writeScenario, POD_A, type Scenario } from './scenario';
import { HOSTILE } from './hostile';

export interface Case {
  dir: string;
  scenario: Scenario;
  analysis: Awaited<ReturnType<typeof loadCaptureSet>>;
  store: SessionStore;
  icmpFlow: string;
}

export const NOTE_DNS = `DNS query never reaches node2 cni0 ${HOSTILE.script}`;

export async function makeCase(dir: string): Promise<Case> {
  const scenario = writeScenario(dir);
  const analysis = await loadCaptureSet(scenario.files);
  const store = await SessionStore.create(join(dir, 'case.tvsession'), scenario.files, { autosaveMs: -1 });
  await store.loadCaptureComments();
  const icmpFlow = analysis.flows.find((f) => f.protocol === 'icmp')?.id;
  if (!icmpFlow) throw new Error(`the analysis found no ICMP flow: ${analysis.flows.map((f) => f.id).join(', ')}`);
  const journey = analysis.journeysForFlow(icmpFlow)[0];
  const hop = journey.hops[2];
  store.addAnnotation({
    target: { kind: 'packet', capture: 'node1-cni0.pcapng', packet: 6 },
    text: NOTE_DNS,
    severity: 'problem',
    tag: HOSTILE.imgOnerror,
  });
  store.addAnnotation({
    target: { kind: 'packet', capture: 'node1-eth0.pcapng', packet: 6 },
    text: `encapsulated query ${HOSTILE.control}`,
    severity: 'warning',
  });
  store.addAnnotation({ target: { kind: 'flow', flow: icmpFlow }, text: `pings work ${HOSTILE.mdLink}`, severity: 'info', tag: 'icmp' });
  store.addAnnotation({
    target: { kind: 'hop', journey: String(journey.id), hop: 2, capture: hop.packet.capture, packet: hop.packet.index },
    text: `arrives on node2 ${HOSTILE.jsUrl}`,
    severity: 'info',
  });
  store.addAnnotation({
    target: { kind: 'element', element: `pod:${POD_A}` },
    text: `client pod ${HOSTILE.styleImport}`,
    severity: 'info',
  });
  store.addAnnotation({ target: { kind: 'set' }, text: `${HOSTILE.mdTable}\n${HOSTILE.long}`, severity: 'info' });
  await store.save();
  return { dir, scenario, analysis, store, icmpFlow };
}
