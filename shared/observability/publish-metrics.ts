import type { MiddlewareObj } from '@middy/core';
import { metrics } from './powertools.ts';

/** Flush EMF metrics after every invocation, success or failure; unlike logMetrics, silent when there are none. */
export const publishMetrics = (): MiddlewareObj => {
  const flush = () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
};
