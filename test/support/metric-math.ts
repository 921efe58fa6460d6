// A small evaluator for the CloudWatch metric math the alarms use (numbers, metric ids, + - * /, comparisons,
// AND/OR, IF and FILL), applied per timestamp to synthetic datapoints, and CloudWatch's M-of-N alarm evaluation.
// Enough to test an alarm's arithmetic without deploying it; not a general implementation.

/** a series: one value per period, undefined where the period has no datapoint */
export type Series = (number | undefined)[];

type Node =
  | { kind: 'num'; value: number }
  | { kind: 'id'; name: string }
  | { kind: 'call'; fn: string; args: Node[] }
  | { kind: 'bin'; op: string; left: Node; right: Node };

const TOKEN = /\s*(\d+(?:\.\d+)?|[A-Za-z_]\w*|>=|<=|==|!=|&&|\|\||[-+*/(),<>])/y;

function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.trimEnd().length) {
    const m = TOKEN.exec(expression);
    if (!m) throw new Error(`cannot read ${expression.slice(TOKEN.lastIndex)}`);
    tokens.push(m[1]!);
  }
  return tokens;
}

const PRECEDENCE: Record<string, number> = { OR: 1, '||': 1, AND: 2, '&&': 2, '>=': 3, '<=': 3, '>': 3, '<': 3, '==': 3, '!=': 3, '+': 4, '-': 4, '*': 5, '/': 5 };

function parse(expression: string): Node {
  const tokens = tokenize(expression);
  let i = 0;
  const primary = (): Node => {
    const t = tokens[i++];
    if (t === undefined) throw new Error('unexpected end');
    if (t === '(') {
      const inner = binary(0);
      if (tokens[i++] !== ')') throw new Error('missing )');
      return inner;
    }
    if (/^\d/.test(t)) return { kind: 'num', value: Number(t) };
    if (tokens[i] === '(') {
      i++;
      const args: Node[] = [];
      while (tokens[i] !== ')') {
        args.push(binary(0));
        if (tokens[i] === ',') i++;
      }
      i++;
      return { kind: 'call', fn: t.toUpperCase(), args };
    }
    return { kind: 'id', name: t };
  };
  const binary = (min: number): Node => {
    let left = primary();
    for (;;) {
      const op = tokens[i];
      const p = op === undefined ? undefined : PRECEDENCE[op];
      if (p === undefined || p <= min - 1 || p < min) return left;
      i++;
      left = { kind: 'bin', op: op!, left, right: binary(p + 1) };
    }
  };
  const node = binary(0);
  if (i !== tokens.length) throw new Error(`unexpected ${tokens[i]}`);
  return node;
}

function evalAt(node: Node, metrics: Record<string, Series>, t: number): number | undefined {
  switch (node.kind) {
    case 'num':
      return node.value;
    case 'id': {
      const series = metrics[node.name];
      if (!series) throw new Error(`no metric ${node.name}`);
      return series[t];
    }
    case 'call': {
      if (node.fn === 'FILL') return evalAt(node.args[0]!, metrics, t) ?? evalAt(node.args[1]!, metrics, t);
      if (node.fn === 'IF') {
        const c = evalAt(node.args[0]!, metrics, t);
        if (c === undefined) return undefined;
        return c !== 0 ? evalAt(node.args[1]!, metrics, t) : evalAt(node.args[2]!, metrics, t);
      }
      throw new Error(`function ${node.fn} not supported`);
    }
    case 'bin': {
      const a = evalAt(node.left, metrics, t);
      const b = evalAt(node.right, metrics, t);
      if (a === undefined || b === undefined) return undefined;
      const ops: Record<string, (x: number, y: number) => number> = {
        '+': (x, y) => x + y,
        '-': (x, y) => x - y,
        '*': (x, y) => x * y,
        '/': (x, y) => x / y,
        '>=': (x, y) => Number(x >= y),
        '<=': (x, y) => Number(x <= y),
        '>': (x, y) => Number(x > y),
        '<': (x, y) => Number(x < y),
        '==': (x, y) => Number(x === y),
        '!=': (x, y) => Number(x !== y),
        AND: (x, y) => Number(x !== 0 && y !== 0),
        '&&': (x, y) => Number(x !== 0 && y !== 0),
        OR: (x, y) => Number(x !== 0 || y !== 0),
        '||': (x, y) => Number(x !== 0 || y !== 0),
      };
      return ops[node.op]!(a, b);
    }
  }
}

/** The expression's value in each period. */
export function evaluate(expression: string, metrics: Record<string, Series>): Series {
  const node = parse(expression);
  const length = Math.max(...Object.values(metrics).map((s) => s.length));
  return Array.from({ length }, (_, t) => evalAt(node, metrics, t));
}

export interface AlarmRule {
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  /** GreaterThanOrEqualToThreshold only, as every alarm here */
  treatMissingData: 'notBreaching' | 'breaching';
}

/** Whether the alarm is in ALARM after each period: M of the last N datapoints breaching. */
export function alarmStates(values: Series, rule: AlarmRule): boolean[] {
  const m = rule.datapointsToAlarm ?? rule.evaluationPeriods;
  return values.map((_, t) => {
    const window = values.slice(Math.max(0, t - rule.evaluationPeriods + 1), t + 1);
    const breaching = window.filter((v) => (v === undefined ? rule.treatMissingData === 'breaching' : v >= rule.threshold)).length;
    return breaching >= m;
  });
}
