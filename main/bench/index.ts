// The benchmark sections, in the order `tunnelvision bench` runs them. A new benchmark is one file
// exporting a BenchSection, plus one line here.

import type { BenchSection } from './types';
import { captureSection } from './capture';
import { topologySection } from './topology';
import { reportSection } from './report';
import { uiSection } from './ui';
import { limitsSection } from './limits';
import { startupSection } from './startup';
import { appSection } from './app';
import { datasetSection } from './dataset';

export const sections: readonly BenchSection[] = [
  appSection,
  captureSection,
  startupSection,
  topologySection,
  reportSection,
  limitsSection,
  uiSection,
  datasetSection,
];
