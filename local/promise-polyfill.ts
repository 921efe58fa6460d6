// aws-local-stepfunctions calls Promise.withResolvers (Node 22+); without it every Task fails on Node 20 with a
// catchable TypeError that would silently route every execution into its failure branch.
const P = Promise as unknown as { withResolvers?: unknown };
P.withResolvers ??= <T>() => {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
