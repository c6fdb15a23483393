// The Follow tab: the followed flow (of a packet, or picked from a graph element's flows), its
// journey shown, and the flows through the selected graph element. A new analysis forgets them.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { FlowListItem, FollowView } from '../../common/contract';
import { api } from '../api';
import { errorText } from '../logic/format';

export interface Follow {
  readonly follow: FollowView | null;
  readonly error: string | null;
  readonly loading: boolean;
  /** Index of the journey shown in `follow.journeys`. */
  readonly journey: number;
  setJourney(i: number): void;
  followPacket(no: number): void;
  followFlow(flow: string): void;
}

/** `onShow` runs when something is followed (the window brings the Follow tab forward). */
export function useFollow(generation: number, onShow: () => void): Follow {
  const [follow, setFollow] = useState<FollowView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [journey, setJourney] = useState(0);
  const shown = useRef(onShow);
  shown.current = onShow;

  useEffect(() => {
    if (generation) setFollow(null);
  }, [generation]);

  const show = useCallback((request: Promise<FollowView | null>, none: string) => {
    shown.current();
    setLoading(true);
    setError(null);
    request.then(
      (f) => {
        setFollow(f);
        setJourney(f?.selected ?? 0);
        setLoading(false);
        if (!f) setError(none);
      },
      (e: unknown) => {
        setLoading(false);
        setError(errorText(e));
      },
    );
  }, []);
  const followPacket = useCallback(
    (no: number) => show(api.followPacket({ no }), `Packet ${no} belongs to no flow that can be followed (no IP 5-tuple).`),
    [show],
  );
  const followFlow = useCallback((flow: string) => show(api.followFlow({ flow }), `The flow ${flow} is not in this analysis.`), [show]);
  return { follow, error, loading, journey, setJourney, followPacket, followFlow };
}

/** The flows through a graph element (busiest first), null while they are fetched or when none is selected. */
export function useElementFlows(element: string | null, generation: number): FlowListItem[] | null {
  const [flows, setFlows] = useState<FlowListItem[] | null>(null);
  useEffect(() => {
    setFlows(null);
    if (!element) return;
    let live = true;
    api.flowsThrough({ element }).then(
      (f) => live && setFlows(f),
      () => live && setFlows([]),
    );
    return () => {
      live = false;
    };
  }, [element, generation]);
  return flows;
}
