import * as z from 'zod';

/** Identifiers we accept from callers: printable, bounded, no path or markup characters. */
export const identifier = (max = 128) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9._:/@+-]+$/, 'may contain only letters, digits and . _ : / @ + -');

/** Query strings arrive as text: an integer within bounds, or the default. */
export const queryInt = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const queryNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/, 'must be a number')
    .transform(Number)
    .pipe(z.number().min(min).max(max));
