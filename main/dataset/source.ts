// Where the backend's packet questions are answered: the list page, one packet in full, the cluster
// graph and the follow views. Two implementations: the open capture set's columnar table (the
// backend's own parts, `captureSource`) and a Parquet dataset in embedded DuckDB (app-source.ts).
// backend.ts asks whichever is open; neither knows about the other.

import type { FlowListItem, FollowView, GraphView, LoadPhase, PacketDetail, PacketPage, PacketQuery } from '../../common/contract';
import type { FollowViews } from '../backend/follow';
import type { PacketQueries } from '../backend/queries';
import type { GraphViews } from '../backend/views';

export interface SetSource {
  /** One page of the list; `locate` (a packet number, 0 for none) is found in the query's order. */
  page(q: PacketQuery & { locate: number }): Promise<PacketPage>;
  /** Packet `no` decoded in full, null when there is no such packet. */
  detail(no: number): Promise<PacketDetail | null>;
  /** `phase`: the load's (while the set is read or analysed there may be no graph yet). */
  graph(phase: LoadPhase): Promise<GraphView>;
  followPacket(no: number): Promise<FollowView | null>;
  followFlow(flow: string): Promise<FollowView | null>;
  flowsThrough(element: string): Promise<FlowListItem[]>;
}

/** The open capture set's parts as a SetSource. */
export function captureSource(queries: PacketQueries, follow: FollowViews, graph: GraphViews): SetSource {
  return {
    page: (q) => queries.page(q),
    detail: (no) => queries.detail(no),
    graph: async (phase) => graph.view(phase),
    followPacket: async (no) => follow.packet(no),
    followFlow: async (flow) => follow.flow(flow),
    flowsThrough: async (element) => follow.flowsThrough(element),
  };
}
