// The benchmark sections, in the order `tunnelvision bench` runs them. A new benchmark is one file
// exporting a BenchSection, plus one line here.

import type { BenchSection } from './types';
import { captureSection } from './capture';

export const sections: readonly BenchSection[] = [captureSection];
