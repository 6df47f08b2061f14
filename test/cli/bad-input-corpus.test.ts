/**
 * The bad-input corpus: each case is an input a careless or hostile user could give, with the exit code
 * and a fragment of the message it must produce. Every case also must: print no stack trace and no
 * "internal error", and (exit 2) print nothing on stdout. Runs the CLI in-process.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(repo, 'test/fixtures/traces');

async function cli(args: string[], cwd?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const prev = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    const code = await main(args, { out: (t) => { out += t; }, err: (t) => { err += t; } });
    return { code, out, err };
  } finally {
    if (cwd) process.chdir(prev);
  }
}

const base = (extra = '', requests = 20) => `name: corpus
model: llama-3.1-8b
gpu: h100-sxm
workload:
  arrivals: { kind: poisson, ratePerSec: 4 }
  lengths: { input: { kind: fixed, value: 200 }, output: { kind: fixed, value: 20 } }
  requests: ${requests}
${extra}`;

const reactive = (p: string) => base(`fleet:\n  provisioning: { kind: reactive, metric: queue-depth, ${p} }\n`);

let dir = '';
/** Writes `text` as `name` in the corpus folder and returns its path. */
const file = (name: string, text: string | Buffer): string => {
  const p = path.join(dir, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
};

interface Case {
  name: string;
  /** Arguments; built lazily so files can be written into the corpus folder first. */
  args: () => string[];
  code: number;
  /** Must appear in stderr (exit 2) or stdout (exit 0/1). */
  match: RegExp;
  cwd?: () => string;
}

const run = (name: string, text: string | Buffer, ...rest: string[]) => () => ['run', file(name, text), ...rest];

const cases: Case[] = [
  // Stack traces today
  { name: 'YAML alias bomb', args: run('bomb.yaml', 'a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n'), code: 2, match: /bomb\.yaml: too many YAML aliases/ },
  { name: 'scenario path is a directory', args: () => ['run', dir], code: 2, match: /is a directory, not a file/ },
  { name: '--set through a scalar', args: run('r2.yaml', base('replicas: 2\n'), '--set', 'replicas.count=2'), code: 2, match: /--set replicas\.count=2: replicas: cannot set a key below replicas/ },
  { name: '--out onto a file', args: () => ['run', file('ok.yaml', base()), '--out', file('afile.txt', 'x')], code: 2, match: /--out .*afile\.txt: .*is a file, not a folder/ },
  { name: '--out below a file', args: () => ['run', file('ok.yaml', base()), '--out', path.join(file('afile2.txt', 'x'), 'sub')], code: 2, match: /afile2\.txt is a file, so no folder can be made below it/ },
  { name: '--out not writable (/proc)', args: () => ['run', file('ok.yaml', base()), '--out', '/proc/x'], code: 2, match: /--out \/proc\/x: cannot write the outputs/ },
  { name: '--out not writable (/proc/self/x/y)', args: () => ['run', file('ok.yaml', base()), '--out', '/proc/self/nope/y'], code: 2, match: /--out \/proc\/self\/nope\/y: cannot write/ },
  { name: 'schema --out into a missing folder', args: () => ['schema', '--out', path.join(dir, 'missing-dir', 's.json')], code: 2, match: /does not exist\. Fix: create the folder first/ },
  { name: 'schema --out onto a folder', args: () => ['schema', '--out', dir], code: 2, match: /is a folder\. Fix: give a file name/ },
  // Hangs and memory blow-ups today
  { name: 'replicas: 1e12', args: run('rep.yaml', base('replicas: 1e12\n')), code: 2, match: /rep\.yaml:8: replicas: must be ≤ 10000/ },
  { name: 'burst of 1e12 requests', args: run('burst.yaml', base().replace('{ kind: poisson, ratePerSec: 4 }', '{ kind: burst }').replace('requests: 20', 'requests: 1e12')), code: 2, match: /workload\.requests: 1000000000000 requests is more than servesim simulates/ },
  { name: 'burst of 5e6 requests', args: run('burst2.yaml', base().replace('{ kind: poisson, ratePerSec: 4 }', '{ kind: burst }').replace('requests: 20', 'requests: 5000000')), code: 2, match: /workload\.requests: a burst of 5000000 requests/ },
  { name: 'rate × duration too large', args: run('dur.yaml', base().replace('requests: 20', 'durationSec: 1e9')), code: 2, match: /workload\.durationSec: ratePerSec × durationSec/ },
  { name: 'pool replicas 1e9', args: run('poolrep.yaml', base('pools: [{ name: a, gpu: h100-sxm, replicas: 1e9 }]\n').replace('gpu: h100-sxm\nworkload', 'workload')), code: 2, match: /pools\.0\.replicas: must be ≤ 10000/ },
  // Accepted silently today
  { name: 'reactive minReplicas > maxReplicas', args: run('mm.yaml', reactive('minReplicas: 5, maxReplicas: 1, scaleUpThreshold: 4, scaleDownThreshold: 1')), code: 2, match: /fleet\.provisioning\.minReplicas: minReplicas 5 is above maxReplicas 1/ },
  { name: 'initialReplicas > maxReplicas', args: run('im.yaml', reactive('initialReplicas: 5, maxReplicas: 2, scaleUpThreshold: 4, scaleDownThreshold: 1')), code: 2, match: /fleet\.provisioning\.initialReplicas: initialReplicas 5 is above maxReplicas 2/ },
  { name: 'scale-up threshold below scale-down threshold', args: run('th.yaml', reactive('maxReplicas: 4, scaleUpThreshold: 1, scaleDownThreshold: 4')), code: 2, match: /scaleUpThreshold: scaleUpThreshold 1 is below scaleDownThreshold 4/ },
  { name: 'schedule that never has a replica', args: run('sch.yaml', base('fleet:\n  provisioning: { kind: scheduled, schedule: [{ atSec: 0, replicas: 0 }, { atSec: 60, replicas: 0 }] }\n')), code: 2, match: /fleet\.provisioning\.schedule: the schedule never has a replica/ },
  { name: 'two pools with the same name', args: run('dup.yaml', base('pools:\n  - { name: a, gpu: h100-sxm }\n  - { name: a, gpu: a100-80gb }\n')), code: 2, match: /pools\.1\.name: duplicate pool name "a"/ },
  { name: 'failure of a replica that does not exist', args: run('fail.yaml', base('replicas: 2\nfailures:\n  schedule: [{ atSec: 1, replica: 5, downSec: 10 }]\n')), code: 2, match: /fail\.yaml:10: failures\.schedule\.0\.replica: failure replica 5 does not exist/ },
  { name: 'failure in a pool that does not exist', args: run('failp.yaml', base('failures:\n  schedule: [{ atSec: 1, pool: nope, downSec: 10 }]\n')), code: 2, match: /failures\.schedule\.0\.pool: failure pool "nope" does not exist/ },
  { name: 'schedule ending at zero rejects later requests instead of leaving them in flight', args: run('sz.yaml', base().replace('{ kind: poisson, ratePerSec: 4 }', '{ kind: constant, ratePerSec: 2 }').replace('requests: 20', 'durationSec: 120') + 'fleet:\n  provisioning: { kind: scheduled, schedule: [{ atSec: 0, replicas: 1 }, { atSec: 60, replicas: 0 }] }\n', '--json'), code: 0, match: /"inFlight": 0,[\s\S]*"no-capacity": 120/ },
  // Exit 0 today
  { name: 'servesim without a command', args: () => [], code: 2, match: /error: servesim: no command given\. Fix: use one of: run, check/ },
  { name: 'servesim trace without a command', args: () => ['trace'], code: 2, match: /error: servesim trace: no command given\. Fix: use one of: stats/ },
  { name: 'servesim profiles without a command', args: () => ['profiles'], code: 2, match: /servesim profiles: no command given/ },
  // Messages that named the wrong thing
  { name: '.. in a path is kept', args: () => ['run', '../corpus-missing/s.yaml'], cwd: () => dir, code: 2, match: /\.\.\/corpus-missing\/s\.yaml: scenario file not found: \.\.\/corpus-missing\/s\.yaml/ },
  { name: 'disaggregation decode tensor parallelism', args: run('dis.yaml', base('disaggregation:\n  prefill: { replicas: 1 }\n  decode: { replicas: 1, parallelism: { tensor: 3 } }\n')), code: 2, match: /dis\.yaml:\d+: disaggregation\.decode\.parallelism\.tensor: tensor parallelism 3/ },
  { name: 'pool tensor parallelism', args: run('pooltp.yaml', base('pools:\n  - { name: a, gpu: h100-sxm, parallelism: { tensor: 3 } }\n')), code: 2, match: /pools\.0\.parallelism\.tensor: tensor parallelism 3/ },
  { name: 'maxBatchedTokens makes the model not fit', args: run('mbt.yaml', base('engine: { maxBatchedTokens: 2000000 }\n')), code: 2, match: /mbt\.yaml:8: engine\.maxBatchedTokens: llama-3\.1-8b .* does not fit/ },
  { name: 'gpuMemoryUtilization makes the model not fit', args: run('gmu.yaml', base('engine: { gpuMemoryUtilization: 0.1 }\n')), code: 2, match: /gmu\.yaml:8: engine\.gpuMemoryUtilization: .* does not fit/ },
  { name: 'model too big for the GPU names parallelism', args: run('big.yaml', base().replace('llama-3.1-8b', 'llama-3.1-70b').replace('h100-sxm', 'l40s')), code: 2, match: /big\.yaml: parallelism: llama-3\.1-70b .* does not fit on l40s/ },
  { name: 'unknown GPU id with file:line', args: run('gpu.yaml', base().replace('h100-sxm', 'h100sxm')), code: 2, match: /gpu\.yaml:3: gpu: unknown GPU profile "h100sxm"\. Fix: did you mean "h100-sxm"\?/ },
  { name: 'unknown model id with file:line', args: run('model.yaml', base().replace('llama-3.1-8b', 'llama-3.1-9b')), code: 2, match: /model\.yaml:2: model: unknown model profile "llama-3\.1-9b"\. Fix: did you mean "llama-3\.1-8b"/ },
  { name: 'unknown pool GPU id with file:line', args: run('poolgpu.yaml', base('pools:\n  - { name: a, gpu: h900 }\n')), code: 2, match: /poolgpu\.yaml:9: pools\.0\.gpu: unknown GPU profile "h900"/ },
  { name: 'missing trace names workload.trace.path', args: run('tr.yaml', 'name: t\nmodel: llama-3.1-8b\ngpu: h100-sxm\nworkload:\n  arrivals: { kind: trace }\n  trace: { path: ../nope/trace.csv, format: azure }\n'), code: 2, match: /tr\.yaml:6: workload\.trace\.path: file not found: '\.\.\/nope\/trace\.csv'/ },
  { name: 'missing length file names its key', args: run('lf.yaml', base().replace('input: { kind: fixed, value: 200 }', 'input: { kind: file, path: nope.csv, column: x }')), code: 2, match: /workload\.lengths\.input\.path: file not found: 'nope\.csv'/ },
  { name: 'multi-document file', args: run('multi.yaml', `${base()}---\nname: second\n`), code: 2, match: /multi\.yaml:\d+: the file holds more than one YAML document/ },
  { name: 'check with no samples', args: () => ['check', file('nosamples.yaml', base('engine: { maxModelLen: 100 }\nslo: { ttftMs: { p99: 1000 } }\n'))], code: 1, match: /ttftMs\.p99: no samples \(no request completed to measure it\), limit 1000 ms/ },
  // No fix offered today
  { name: 'unknown command simulate', args: () => ['simulate', 'x.yaml'], code: 2, match: /unknown command "simulate"\. Fix: use "servesim run <scenario>"/ },
  { name: 'unknown command with a near miss', args: () => ['capcity', 'x.yaml'], code: 2, match: /did you mean "capacity"\?/ },
  { name: 'unknown trace subcommand', args: () => ['trace', 'stat', 'x'], code: 2, match: /unknown command "stat"\. Fix: did you mean "stats"\?/ },
  { name: 'servesim validate', args: () => ['validate'], code: 2, match: /npm run validate/ },
  { name: 'unknown option', args: () => ['run', 'x.yaml', '--jsn'], code: 2, match: /unknown option "--jsn" for servesim run\. Fix: did you mean "--json"\?/ },
  { name: 'unknown option with a value', args: () => ['run', 'x.yaml', '--outt=dir'], code: 2, match: /unknown option "--outt"[\s\S]*did you mean "--out"\?/ },
  { name: 'misspelt key replica', args: run('k1.yaml', base('replica: 2\n')), code: 2, match: /k1\.yaml:8: replica: unknown key "replica"\. Fix: did you mean "replicas"\?/ },
  { name: 'misspelt key maxNumSeq', args: run('k2.yaml', base('engine:\n  maxNumSeq: 4\n')), code: 2, match: /k2\.yaml:9: engine\.maxNumSeq: unknown key "maxNumSeq"\. Fix: did you mean "maxNumSeqs"\?/ },
  { name: 'misspelt key ttft', args: run('k3.yaml', base('slo:\n  ttft: { p99: 100 }\n')), code: 2, match: /k3\.yaml:9: slo\.ttft: unknown key "ttft"\. Fix: did you mean "ttftMs"\?/ },
  { name: 'router given as an unknown string lists the router forms', args: run('router.yaml', base('router: prefix-aware\n')), code: 2, match: /router: "prefix-aware" is not one of the accepted values\. Fix: did you mean "prefix-affinity"\? use one of: round-robin, .*weighted, \{ kind: <one of the above>, stalenessSec \}/ },
  { name: 'router object with an unknown kind', args: run('router2.yaml', base('router: { kind: fastest }\n')), code: 2, match: /router\.kind: "fastest" is not one of the accepted values\. Fix: use one of: round-robin/ },
  { name: 'profiles show h100 suggests GPU ids', args: () => ['profiles', 'show', 'h100'], code: 2, match: /did you mean "h100-pcie" or "h100-sxm"\? GPU ids: .*model ids: / },
  { name: 'profiles list of an unknown kind', args: () => ['profiles', 'list', 'cpus'], code: 2, match: /unknown profile kind "cpus"/ },
  // Errors as data
  { name: '--set problem names the argument, not a line', args: run('ok2.yaml', base(), '--set', 'parallelism.tensr=2'), code: 2, match: /^error: --set parallelism\.tensr=2: parallelism\.tensr: unknown key "tensr"\. Fix: did you mean "tensor"\?/ },
  { name: '--set without =', args: run('ok3.yaml', base(), '--set', 'replicas'), code: 2, match: /--set replicas: cannot apply --set "replicas": expected key\.path=value/ },
  { name: '--set with an empty key segment', args: run('ok4.yaml', base(), '--set', 'engine..maxNumSeqs=4'), code: 2, match: /is not a key path/ },
  { name: '--set with an invalid YAML value', args: run('ok5.yaml', base(), '--set', 'engine={a: [1'), code: 2, match: /the value is not valid YAML/ },
  { name: 'every YAML error is reported', args: run('syn.yaml', 'name: x\nmodel: [a\ngpu: {b\n'), code: 2, match: /problems:\n[\s\S]*syn\.yaml:\d+: invalid YAML[\s\S]*syn\.yaml:\d+: invalid YAML/ },
  { name: 'every schema problem is reported', args: run('many.yaml', base('replica: 2\nseed: -1\nengine: { scheduler: vllm }\n')), code: 2, match: /^3 problems:\n(error: .*(replica: unknown key|seed: must be ≥ 0|engine\.scheduler: "vllm").*\n){3}$/ },
  { name: 'errors as JSON with --json', args: run('js.yaml', base('replica: 2\n'), '--json'), code: 2, match: /^\{\n {2}"problems": \[\n {4}\{\n {6}"code": "unknown-key",\n {6}"path": "replica"/ },
  { name: 'usage errors as JSON with --json', args: () => ['simulate', '--json'], code: 2, match: /"code": "unknown-command"/ },
  { name: 'duplicate key', args: run('dupkey.yaml', base('seed: 1\nseed: 2\n')), code: 2, match: /dupkey\.yaml:\d+: invalid YAML\/JSON: Map keys must be unique/ },
  { name: 'tab indentation', args: run('tab.yaml', 'name: x\nengine:\n\tmaxNumSeqs: 4\n'), code: 2, match: /tab\.yaml:3: invalid YAML/ },
  { name: 'empty file', args: run('empty.yaml', ''), code: 2, match: /name: required key "name" is missing/ },
  { name: 'a scalar instead of a mapping', args: run('scalar.yaml', 'hello\n'), code: 2, match: /scalar\.yaml:1: a scenario is a mapping of keys, got "hello"/ },
  { name: 'a list instead of a mapping', args: run('list.yaml', '- a\n- b\n'), code: 2, match: /a scenario is a mapping of keys, got a list/ },
  { name: 'binary garbage', args: run('bin.yaml', Buffer.from([0, 1, 2, 255, 254, 10, 0x7b, 0x5b, 0x22])), code: 2, match: /bin\.yaml(:\d+)?: / },
  { name: 'deep nesting', args: run('deep.yaml', `name: ${'['.repeat(20000)}${']'.repeat(20000)}\n`), code: 2, match: /deep\.yaml(:\d+)?: / },
  { name: 'huge number is not a number', args: run('huge.yaml', base().replace('ratePerSec: 4', 'ratePerSec: 1e400')), code: 2, match: /workload\.arrivals\.ratePerSec: / },
  { name: '.nan', args: run('nan.yaml', base().replace('ratePerSec: 4', 'ratePerSec: .nan')), code: 2, match: /workload\.arrivals\.ratePerSec: / },
  { name: 'negative rate', args: run('neg.yaml', base().replace('ratePerSec: 4', 'ratePerSec: -1')), code: 2, match: /neg\.yaml:5: workload\.arrivals\.ratePerSec: ratePerSec must be > 0/ },
  { name: 'a string where a number belongs', args: run('str.yaml', base('engine: { maxNumSeqs: many }\n')), code: 2, match: /engine\.maxNumSeqs: expected a number, got "many"/ },
  { name: 'a fractional count', args: run('frac.yaml', base('replicas: 1.5\n')), code: 2, match: /replicas: expected a whole number, got 1\.5/ },
  { name: 'unknown arrival kind', args: run('ak.yaml', base().replace('kind: poisson', 'kind: poison')), code: 2, match: /workload\.arrivals\.kind: "poison" is not one of the accepted values\. Fix: did you mean "poisson"\?/ },
  { name: 'unknown scheduler', args: run('sched.yaml', base('engine: { scheduler: vllm }\n')), code: 2, match: /engine\.scheduler: "vllm" is not one of the accepted values\. Fix: use one of: continuous, chunked-prefill, .*static/ },
  { name: 'unknown provisioning kind', args: run('prov.yaml', base('fleet: { provisioning: { kind: elastic } }\n')), code: 2, match: /fleet\.provisioning\.kind: "elastic" is not one of the accepted values\. Fix: use one of: static, reactive, scheduled, serverless/ },
  { name: 'missing workload', args: run('nowl.yaml', 'name: x\nmodel: llama-3.1-8b\ngpu: h100-sxm\n'), code: 2, match: /workload: a workload \(or tenants with their own traffic\) is required/ },
  { name: 'missing name', args: run('noname.yaml', base().replace('name: corpus\n', '')), code: 2, match: /noname\.yaml: name: required key "name" is missing/ },
  { name: 'workload without an end', args: run('noend.yaml', base().replace('  requests: 20\n', '')), code: 2, match: /workload\.requests: a synthetic workload never ends by itself\. Fix: set workload\.requests/ },
  { name: 'pools and disaggregation together', args: run('pd.yaml', base('pools: [{ name: a, gpu: h100-sxm }]\ndisaggregation: { prefill: { replicas: 1 }, decode: { replicas: 1 } }\n')), code: 2, match: /disaggregation: pools and disaggregation cannot be combined/ },
  { name: 'duplicate tenant names', args: run('dt.yaml', 'name: x\nmodel: llama-3.1-8b\ngpu: h100-sxm\ntenants:\n  - { name: a, arrivals: { kind: poisson, ratePerSec: 1 }, lengths: { input: { kind: fixed, value: 10 }, output: { kind: fixed, value: 5 } }, requests: 5 }\n  - { name: a, arrivals: { kind: poisson, ratePerSec: 1 }, lengths: { input: { kind: fixed, value: 10 }, output: { kind: fixed, value: 5 } }, requests: 5 }\n'), code: 2, match: /tenants\.1\.name: duplicate tenant name "a"/ },
  { name: 'maxModelLen above the model maximum', args: run('mml.yaml', base('engine: { maxModelLen: 10000000 }\n')), code: 2, match: /mml\.yaml:8: engine\.maxModelLen: engine\.maxModelLen 10000000 exceeds/ },
  { name: 'check without an slo block', args: () => ['check', file('noslo.yaml', base())], code: 2, match: /slo: the scenario has no slo block/ },
  { name: 'missing scenario argument', args: () => ['run'], code: 2, match: /error: servesim run: the <scenario> argument is missing/ },
  { name: 'capacity with a bad --gpus-per-node', args: () => ['capacity', file('cap.yaml', base()), '--gpus-per-node', 'abc'], code: 2, match: /--gpus-per-node: --gpus-per-node must be a positive integer, got "abc"/ },
  { name: 'malformed trace line names file:line', args: run('badtrace.yaml', `name: t\nmodel: llama-3.1-8b\ngpu: h100-sxm\nworkload:\n  arrivals: { kind: trace }\n  trace: { path: ${path.join(fixtures, 'azure-non-numeric.csv')}, format: azure }\n`), code: 2, match: /azure-non-numeric\.csv:\d+: workload\.trace: ContextTokens is not a number/ },
  { name: 'trace stats of a missing file', args: () => ['trace', 'stats', 'no/such/trace.csv'], code: 2, match: /no\/such\/trace\.csv: file not found/ },
  { name: 'trace stats of a file of unknown format', args: () => ['trace', 'stats', file('weird.csv', 'a,b\n1,2\n')], code: 2, match: /weird\.csv:1: cannot tell the format .* Fix: give --format azure\|mooncake\|splitwise\|lengths/ },
  { name: 'trace stats with an unknown --format', args: () => ['trace', 'stats', file('weird2.csv', 'a,b\n1,2\n'), '--format', 'csv'], code: 2, match: /argument 'csv' is invalid/ },
  { name: 'trace stats of a length file with a bad row', args: () => ['trace', 'stats', file('bad-lengths.csv', 'input_length,output_length\n10,2\n0,3\n')], code: 2, match: /bad-lengths\.csv:3: input_length must be a whole number of tokens ≥ 1, got '0'/ },
  // Still valid after harmless mutations
  { name: 'a BOM is fine', args: run('bom.yaml', `\uFEFF${base()}`), code: 0, match: /servesim · corpus/ },
  { name: 'CRLF line ends are fine', args: run('crlf.yaml', base().replace(/\n/g, '\r\n')), code: 0, match: /servesim · corpus/ },
];

describe('bad-input corpus', () => {
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'servesim-corpus-'));
  });

  it('has at least 60 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  for (const c of cases) {
    it(`${c.name} → exit ${c.code}`, async () => {
      const r = await cli(c.args(), c.cwd?.());
      const shown = c.code === 2 ? r.err : r.out;
      expect({ code: r.code, shown }).toMatchObject({ code: c.code });
      expect(shown).toMatch(c.match);
      expect(r.err).not.toMatch(/\n\s+at |internal error/);
      if (c.code === 2) {
        expect(r.out).toBe('');
        // Every problem names a file (with a line where one exists), a key path or an argument.
        if (!r.err.trimStart().startsWith('{')) {
          for (const line of r.err.split('\n').filter((l) => l.startsWith('error: '))) expect(line).toMatch(/^error: \S.*?: \S/);
        }
      }
    });
  }

  it('a failed run with --out leaves no outputs behind', async () => {
    const out = path.join(dir, 'out-of-failed-run');
    const r = await cli(['run', file('fitfail.yaml', base('engine: { gpuMemoryUtilization: 0.1 }\n')), '--out', out]);
    expect(r.code).toBe(2);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});
