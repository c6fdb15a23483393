// A session's node/interface assignments as the path finder's point overrides. Session capture ids
// and the analysis' capture ids are made the same way (file name, " (2)" for a repeated name, in the
// order of the set), so an assignment's capture names the analysis' capture.
import type { InterfaceKind, PointOverride } from '../topology/types';
import type { InterfaceAssignment } from './types';

export function assignmentOverrides(list: readonly InterfaceAssignment[]): PointOverride[] {
  return list
    .filter((a) => a.iface === undefined)
    .map((a) => ({
      capture: a.capture,
      ...(a.node ? { node: a.node } : {}),
      ...(a.interface ? { interface: a.interface } : {}),
      ...(a.kind && a.kind !== 'unknown' ? { kind: a.kind as InterfaceKind } : {}),
    }));
}
