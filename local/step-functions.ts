// A local Step Functions service: executes the real ASL files with aws-local-stepfunctions, maps every Task to the
// Lambda handler it invokes in AWS, and speaks the Step Functions JSON protocol over HTTP (StartExecution,
// DescribeExecution, StopExecution, GetExecutionHistory, ListExecutions) so the same SDK adapter talks to it.
// Executions are kept under DATA_DIR; one that was running when the process died is resumed from its start on the
// next start (every task is idempotent), the way a Standard workflow outlives a crash in AWS.
import './promise-polyfill.ts';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ensurePrivateDir, writePrivateFile } from './private-files.ts';
import {
  ExecutionAbortedError,
  ExecutionTimeoutError,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { functionIdFromResource, type StateMachineSpec } from '../shared/app-model.ts';

type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

interface HistoryEvent {
  id: number;
  timestamp: number;
  type: string;
  stateName?: string;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
  retryAttempt?: number;
}

interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: number;
  stopDate?: number;
  /** times this execution was resumed after the local runtime stopped mid-run */
  resumed: number;
  history: HistoryEvent[];
}

/** What the service needs from the Lambda host: invoke a function by app-model id. */
export interface Invoker {
  invoke<T = unknown>(functionId: string, event: unknown): Promise<T>;
}

interface LocalStepFunctionsOptions {
  lambdas: Invoker;
  projectRoot: string;
  machines: StateMachineSpec[];
  /** where executions are kept; memory only when absent */
  dataDir?: string;
  region?: string;
  /** shortened Wait states and retry intervals, for tests and benchmarks */
  waitTimeOverrides?: Record<string, number>;
  retryIntervalOverrides?: Record<string, number | number[]>;
  /** every Retry pause, in ms, of the states retryIntervalOverrides does not name (accelerated local runs) */
  retryIntervalMs?: number;
}

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

interface Machine {
  spec: StateMachineSpec;
  arn: string;
  /** built once: validating a definition takes ~100 ms, far too long to do per execution */
  machine: StateMachine;
  tasks: Record<string, string>;
}

export class LocalStepFunctions {
  private readonly machines = new Map<string, Machine>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, { abort: () => void; done: Promise<void> }>();
  private server?: http.Server;
  private closing = false;
  readonly region: string;

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.region = options.region ?? 'us-east-1';
    for (const spec of options.machines) {
      const arn = this.stateMachineArn(spec.id);
      const raw = readFileSync(path.join(options.projectRoot, spec.definitionFile), 'utf8');
      const tasks: Record<string, string> = {};
      const definition = JSON.parse(
        raw.replace(/\$\{(\w+)Arn\}/g, (_m, id: string) => this.functionArn(id)),
      ) as StateMachineDefinition;
      collectTasks(JSON.parse(raw) as StateMachineDefinition, tasks);
      const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
      this.machines.set(arn, { spec, arn, machine, tasks });
    }
    if (options.dataDir) this.load(options.dataDir);
  }

  stateMachineArn(id: string): string {
    return `arn:aws:states:${this.region}:000000000000:stateMachine:${id}`;
  }

  /** The functions that state-machine tasks invoke. */
  taskFunctionIds(): string[] {
    return [...new Set([...this.machines.values()].flatMap((m) => Object.values(m.tasks)))];
  }

  private retryOverrides(machine: Machine): Record<string, number | number[]> | undefined {
    const every = this.options.retryIntervalMs;
    if (every === undefined) return this.options.retryIntervalOverrides;
    return { ...Object.fromEntries(Object.keys(machine.tasks).map((state) => [state, every])), ...this.options.retryIntervalOverrides };
  }

  private functionArn(id: string): string {
    return `arn:aws:lambda:${this.region}:000000000000:function:${id}`;
  }

  // ── the service operations ────────────────────────────────────────────────

  startExecution(req: { stateMachineArn?: string; name?: string; input?: string }): {
    executionArn: string;
    startDate: number;
  } {
    const machine = this.machines.get(req.stateMachineArn ?? '');
    if (!machine) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${req.stateMachineArn}'`);
    const name = req.name ?? crypto.randomUUID();
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
    const input = req.input ?? '{}';
    try {
      JSON.parse(input);
    } catch {
      throw new ServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input');
    }
    const executionArn = `arn:aws:states:${this.region}:000000000000:execution:${machine.spec.id}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      // AWS: same name and input while open is idempotent; anything else is ExecutionAlreadyExists
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn, startDate: existing.startDate / 1000 };
      }
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.arn,
      name,
      status: 'RUNNING',
      input,
      startDate: Date.now(),
      resumed: 0,
      history: [],
    };
    this.executions.set(executionArn, record);
    this.run(machine, record);
    return { executionArn, startDate: record.startDate / 1000 };
  }

  describeExecution(req: { executionArn?: string }): Omit<ExecutionRecord, 'history'> {
    const { history: _history, ...rest } = this.get(req.executionArn);
    return rest;
  }

  stopExecution(req: { executionArn?: string; error?: string; cause?: string }): { stopDate: number } {
    const record = this.get(req.executionArn);
    if (record.status === 'RUNNING') {
      record.error = req.error;
      record.cause = req.cause;
      this.running.get(record.executionArn)?.abort();
    }
    return { stopDate: (record.stopDate ?? Date.now()) / 1000 };
  }

  getExecutionHistory(req: { executionArn?: string; reverseOrder?: boolean }): { events: HistoryEvent[] } {
    const events = [...this.get(req.executionArn).history];
    return { events: req.reverseOrder ? events.reverse() : events };
  }

  listExecutions(req: { stateMachineArn?: string; statusFilter?: ExecutionStatus }) {
    const executions = [...this.executions.values()]
      .filter((e) => (!req.stateMachineArn || e.stateMachineArn === req.stateMachineArn) && (!req.statusFilter || e.status === req.statusFilter))
      .sort((a, b) => b.startDate - a.startDate)
      .map(({ history: _h, input: _i, output: _o, ...summary }) => summary);
    return { executions };
  }

  /** Every execution, with history (for tests, benchmarks and the secret-leak audit). */
  allExecutions(): ExecutionRecord[] {
    return [...this.executions.values()];
  }

  /** Resolves when no execution is running (or the timeout passes). */
  async settle(timeoutMs = 60_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0) {
      if (Date.now() > deadline) return false;
      await Promise.race([...this.running.values()].map((r) => r.done));
    }
    return true;
  }

  private get(executionArn?: string): ExecutionRecord {
    const record = this.executions.get(executionArn ?? '');
    if (!record) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }

  // ── execution ────────────────────────────────────────────────────────────

  private run(machine: Machine, record: ExecutionRecord): void {
    const taskResourceLocalHandlers: Record<string, (input: unknown) => Promise<never>> = {};
    for (const [stateName, functionId] of Object.entries(machine.tasks)) {
      taskResourceLocalHandlers[stateName] = (input) => this.options.lambdas.invoke(functionId, input);
    }
    const startedAt = new Date(record.startDate).toISOString();
    const execution = machine.machine.run(JSON.parse(record.input), {
      overrides: {
        // biome-ignore lint/suspicious/noExplicitAny: the library types handlers over its own JSON type
        taskResourceLocalHandlers: taskResourceLocalHandlers as any,
        waitTimeOverrides: this.options.waitTimeOverrides,
        retryIntervalOverrides: this.retryOverrides(machine),
      },
      context: {
        Execution: { Id: record.executionArn, Name: record.name, StartTime: startedAt, Input: JSON.parse(record.input) },
        StateMachine: { Id: machine.arn, Name: machine.spec.id },
      },
    });

    const consume = (async () => {
      for await (const ev of execution.eventLogs) this.record(record, ev as unknown as LibraryEvent);
    })().catch(() => undefined);

    const done = execution.result.then(
      (output) => {
        record.status = 'SUCCEEDED';
        record.output = JSON.stringify(output ?? null);
      },
      (err: unknown) => {
        if (err instanceof ExecutionAbortedError) {
          if (this.closing) return; // the process is stopping: leave it RUNNING so the next start resumes it
          record.status = 'ABORTED';
        } else if (err instanceof ExecutionTimeoutError) {
          record.status = 'TIMED_OUT';
          record.error = 'States.Timeout';
        } else {
          record.status = 'FAILED';
          record.error ??= (err as Error).name;
          record.cause ??= (err as Error).message;
        }
      },
    ).then(async () => {
      // the event stream ends with the execution; do not let a stream that lingers hold the record open
      await Promise.race([consume, new Promise((r) => setTimeout(r, 200))]);
      if (record.status !== 'RUNNING') {
        record.stopDate = Date.now();
        this.append(record, { type: `Execution${pastTense(record.status)}`, output: record.output, error: record.error, cause: record.cause });
      }
      this.running.delete(record.executionArn);
      this.persist(record);
    });
    this.running.set(record.executionArn, { abort: execution.abort, done });
    this.persist(record);
  }

  private record(record: ExecutionRecord, ev: LibraryEvent): void {
    switch (ev.type) {
      case 'ExecutionStarted':
        this.append(record, { type: 'ExecutionStarted', input: JSON.stringify(ev.input) });
        return;
      case 'ExecutionFailed':
        record.error = ev.Error;
        record.cause = stringifyCause(ev.Cause);
        return;
      case 'StateEntered':
        this.append(record, { type: `${ev.state.type}StateEntered`, stateName: ev.state.name, input: JSON.stringify(ev.state.input) });
        return;
      case 'StateExited':
        this.append(record, { type: `${ev.state.type}StateExited`, stateName: ev.state.name, output: JSON.stringify(ev.state.output ?? null) });
        return;
      case 'StateFailed':
        this.append(record, { type: `${ev.state.type}Failed`, stateName: ev.state.name, error: ev.Error, cause: stringifyCause(ev.Cause) });
        return;
      case 'StateRetried':
        this.append(record, { type: `${ev.state.type}Retried`, stateName: ev.state.name, retryAttempt: ev.retry?.attempt });
        return;
      case 'StateCaught':
        this.append(record, { type: `${ev.state.type}Caught`, stateName: ev.state.name });
        return;
      default:
        return; // succeeded/aborted/timed-out are recorded when the result settles
    }
  }

  private append(record: ExecutionRecord, ev: Omit<HistoryEvent, 'id' | 'timestamp'>): void {
    record.history.push({ id: record.history.length + 1, timestamp: Date.now(), ...ev });
  }

  // ── persistence ──────────────────────────────────────────────────────────

  private fileOf(record: ExecutionRecord): string | undefined {
    if (!this.options.dataDir) return undefined;
    return path.join(this.options.dataDir, `${record.executionArn.split(':').slice(-2).join('.')}.json`);
  }

  private persist(record: ExecutionRecord): void {
    const file = this.fileOf(record);
    if (!file) return;
    // an execution's input and history name the session; its files stay the owner's
    writePrivateFile(file, JSON.stringify(record));
  }

  private load(dir: string): void {
    ensurePrivateDir(dir);
    for (const file of readdirSync(dir)) {
      if (!file.endsWith('.json')) continue;
      try {
        const record = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as ExecutionRecord;
        this.executions.set(record.executionArn, record);
      } catch {
        // a torn file from a crash mid-write: the .tmp is ignored and the last good copy is kept
      }
    }
  }

  /** Re-run executions that were running when the last process stopped. Returns how many. */
  resumeInterrupted(): number {
    let count = 0;
    for (const record of this.executions.values()) {
      if (record.status !== 'RUNNING' || this.running.has(record.executionArn)) continue;
      const machine = this.machines.get(record.stateMachineArn);
      if (!machine) continue;
      record.resumed += 1;
      this.append(record, { type: 'ExecutionResumed', cause: 'local runtime restarted; running again from the start' });
      this.run(machine, record);
      count += 1;
    }
    return count;
  }

  // ── HTTP (AWS JSON 1.0 protocol) ─────────────────────────────────────────

  async listen(host = '127.0.0.1', port = 0): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
        try {
          const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
          const result = this.dispatch(target, body);
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify(result));
        } catch (err) {
          const type = err instanceof ServiceError ? err.type : 'InternalServerError';
          res.writeHead(err instanceof ServiceError ? 400 : 500, {
            'content-type': 'application/x-amz-json-1.0',
            'x-amzn-errortype': type,
          });
          res.end(JSON.stringify({ __type: type, message: (err as Error).message }));
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, host, () => resolve()));
    return `http://${host}:${(this.server.address() as AddressInfo).port}`;
  }

  private dispatch(op: string, body: Record<string, unknown>): unknown {
    switch (op) {
      case 'StartExecution':
        return this.startExecution(body);
      case 'DescribeExecution': {
        const d = this.describeExecution(body);
        return { ...d, startDate: d.startDate / 1000, stopDate: d.stopDate === undefined ? undefined : d.stopDate / 1000 };
      }
      case 'StopExecution':
        return this.stopExecution(body);
      case 'GetExecutionHistory':
        return {
          events: this.getExecutionHistory(body).events.map((e) => ({ ...e, id: e.id, timestamp: e.timestamp / 1000 })),
        };
      case 'ListExecutions':
        return {
          executions: this.listExecutions(body).executions.map((e) => ({
            ...e,
            startDate: e.startDate / 1000,
            stopDate: e.stopDate === undefined ? undefined : e.stopDate / 1000,
          })),
        };
      default:
        throw new ServiceError('UnknownOperationException', `operation ${op} is not implemented locally`);
    }
  }

  /** Stop serving; running executions are left RUNNING on disk so the next start resumes them. */
  async close(): Promise<void> {
    this.closing = true;
    for (const r of this.running.values()) r.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    }
  }
}

interface LibraryEvent {
  type: string;
  input?: unknown;
  Error?: string;
  Cause?: unknown;
  state: { name: string; type: string; input?: unknown; output?: unknown };
  retry?: { attempt: number };
}

function stringifyCause(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  return typeof cause === 'string' ? cause : JSON.stringify(cause);
}

function pastTense(status: ExecutionStatus): string {
  return { RUNNING: 'Running', SUCCEEDED: 'Succeeded', FAILED: 'Failed', TIMED_OUT: 'TimedOut', ABORTED: 'Aborted' }[status];
}

/** Task state name → function id, through the `${<Function>Arn}` resource convention (nested states included). */
function collectTasks(definition: StateMachineDefinition, into: Record<string, string>): void {
  for (const [name, state] of Object.entries(definition.States as unknown as Record<string, Record<string, unknown>>)) {
    if (state['Type'] === 'Task') {
      const functionId = functionIdFromResource(String(state['Resource']));
      if (!functionId) throw new Error(`Task ${name}: resource ${String(state['Resource'])} is not a \${<Function>Arn}`);
      into[name] = functionId;
    }
    const processor = (state['ItemProcessor'] ?? state['Iterator']) as StateMachineDefinition | undefined;
    if (processor) collectTasks(processor, into);
    for (const branch of (state['Branches'] as StateMachineDefinition[] | undefined) ?? []) collectTasks(branch, into);
  }
}
