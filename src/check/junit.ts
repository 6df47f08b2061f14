/**
 * JUnit XML for CI test reporters (GitHub Actions test-report actions, GitLab `artifacts:reports:junit`,
 * Jenkins `junit`): one `<testsuite>` per checked scenario, one `<testcase>` per SLO objective, expectation
 * and baseline comparison. Deterministic: no timestamps or host names, `time="0"` (nothing here is wall time).
 */
import type { CheckResult, Outcome } from './compare.ts';

/** Text and attribute values escaped for XML 1.0; characters XML 1.0 cannot hold become U+FFFD. */
export function xmlEscape(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}

const attrs = (a: Record<string, string | number>) => Object.entries(a).map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`).join('');

/** The test case name of an outcome: `slo ttftMs.p99`, `expect gpus.count`, `baseline latencyMs.ttft.p99`. */
export const caseName = (o: Outcome): string => `${o.kind} ${o.metric}`;

function testcase(r: CheckResult, o: Outcome): string {
  const head = `    <testcase${attrs({ classname: `servesim.check.${r.name}`, name: caseName(o), file: r.file, time: 0 })}`;
  if (o.status === 'pass') return `${head}>\n      <system-out>${xmlEscape(o.message)}</system-out>\n    </testcase>\n`;
  if (o.status === 'skip') return `${head}>\n      <skipped${attrs({ message: o.message })}/>\n    </testcase>\n`;
  const type = o.kind === 'slo' ? 'SloMissed' : o.kind === 'expect' ? 'ExpectationFailed' : 'Regression';
  return `${head}>\n      <failure${attrs({ message: o.message, type })}>${xmlEscape(o.message)}</failure>\n    </testcase>\n`;
}

export function junitXml(results: readonly CheckResult[]): string {
  const count = (rs: readonly CheckResult[], s?: Outcome['status']) => rs.reduce((n, r) => n + r.outcomes.filter((o) => s === undefined || o.status === s).length, 0);
  let xml = '<?xml version="1.0" encoding="UTF-8"?>\n';
  xml += `<testsuites${attrs({ name: 'servesim check', tests: count(results), failures: count(results, 'fail'), errors: 0, skipped: count(results, 'skip'), time: 0 })}>\n`;
  for (const r of results) {
    xml += `  <testsuite${attrs({ name: r.name, tests: count([r]), failures: count([r], 'fail'), errors: 0, skipped: count([r], 'skip'), time: 0, file: r.file })}>\n`;
    xml += `    <properties>\n${[['scenario', r.scenario], ['model', r.model], ['gpu', r.gpu]].map(([k, v]) => `      <property${attrs({ name: k, value: v })}/>\n`).join('')}    </properties>\n`;
    for (const o of r.outcomes) xml += testcase(r, o);
    xml += '  </testsuite>\n';
  }
  xml += '</testsuites>\n';
  return xml;
}
