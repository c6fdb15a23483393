// The cluster graph of the current analysis: fetched once per generation.
import { useEffect, useState } from 'react';
import type { GraphView } from '../../common/contract';
import { api } from '../api';
import { errorText } from '../logic/format';

export function useGraph(generation: number): GraphView | null {
  const [graph, setGraph] = useState<GraphView | null>(null);
  useEffect(() => {
    if (!generation) return;
    let live = true;
    api.getGraph().then(
      (g) => live && setGraph(g),
      (e: unknown) => live && setGraph({ generation, elements: [], message: errorText(e) }),
    );
    return () => {
      live = false;
    };
  }, [generation]);
  return graph;
}
