// The contract between the runner and a section.
import type { SectionOutput } from '../report.ts';
import type { LogCapture } from '../support/log-capture.ts';

export interface SectionOptions {
  quick: boolean;
  /** bundle: only these functions (app-model ids) */
  functions?: string[];
}

export interface SectionContext extends SectionOptions {
  /** a progress line on stderr */
  progress(message: string): void;
  /** what the handlers logged (JSON lines and EMF metrics), counted and kept off the real output */
  capture: LogCapture;
}

export interface SectionDefinition {
  name: string;
  title: string;
  /** how long it takes here (2 cores), full and --quick */
  takes: { full: string; quick: string };
  load(): Promise<{ run(ctx: SectionContext): Promise<SectionOutput> }>;
}
