import type { ReproduceEvent } from './run-reproduce.js';

function kilo(tokens: number): string {
  return tokens >= 1000 ? `${(tokens / 1000).toFixed(1)}k` : String(tokens);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Turns run events into progress lines for people. `status` is the transient line of a streaming reply (tokens and
 * files parsed so far); `line` is permanent. Counting `<file path=` lines of the relayed text is what "files parsed"
 * means here: the engine sees what the Prime receives.
 */
export function createProgressDescriber(
  options: { verbose?: boolean } = {},
): (event: ReproduceEvent) => { line?: string; status?: string } {
  const streams = new Map<string, { partial: string; files: number; bytes: number; label: string }>();
  return (event) => {
    switch (event.type) {
      case 'info':
        return { line: `cambrian: ${event.message}` };
      case 'warning':
        return { line: `warning: ${event.message}` };
      case 'phase':
        return {
          line:
            event.phase === 'lock'
              ? `▸ generations: ${event.detail}`
              : event.phase === 'build-prime'
                ? `▸ building the Prime ${event.detail} in the sandbox`
                : event.phase === 'run-prime'
                  ? `▸ running the Prime ${event.detail}`
                  : `▸ the Prime ended: ${event.detail}`,
        };
      case 'recovered': {
        const parts = [
          ...event.report.recovered.map((r) => `gen-${r.generation} ${r.from} → ${r.to}`),
          ...event.report.quarantined.map((name) => `${name} quarantined (no record)`),
          ...event.report.gitFixes,
        ];
        return { line: `▸ recovered the previous run's leftovers: ${parts.join('; ')}` };
      }
      case 'fault':
        return { line: `  ⚡ injected fault ${event.kind} (gen ${event.generation ?? '?'} ${event.purpose})` };
      case 'prime-output':
        return options.verbose === true ? { line: event.text.replace(/\n$/, '').replace(/^/gm, '  prime│ ') } : {};
      case 'gateway': {
        const g = event.event;
        if (g.type === 'exchange-start') {
          const label = `gen ${g.generation ?? '?'} ${g.purpose ?? 'request'} (${g.model})`;
          streams.set(g.id, { partial: '', files: 0, bytes: 0, label });
          if (g.trimmed === null) return { status: `  ${label}: waiting…` };
          const { requested, sent } = g.trimmed;
          return { line: `  ${label}: max_tokens ${requested} lowered to ${sent}, what is left of the token budget` };
        }
        if (g.type === 'exchange-delta') {
          const stream = streams.get(g.id);
          if (stream === undefined) return {};
          const lines = (stream.partial + g.text).split('\n');
          stream.partial = lines.pop() ?? '';
          stream.files += lines.filter((line) => line.startsWith('<file path=')).length;
          stream.bytes = g.outputBytes;
          return {
            status: `  ${stream.label}: ~${kilo(Math.ceil(stream.bytes / 4))} tokens streamed, ${stream.files} files`,
          };
        }
        if (g.type === 'exchange-end') {
          const stream = streams.get(g.id);
          streams.delete(g.id);
          const label = stream?.label ?? `gen ${g.generation ?? '?'} ${g.purpose ?? 'request'}`;
          const tokens = `${kilo(g.usage.input + g.usage.cacheRead + g.usage.cacheWrite)} in / ${kilo(g.usage.output)} out`;
          const how =
            g.outcome === 'complete'
              ? `${g.stopReason ?? 'done'}, ${stream?.files ?? 0} files`
              : g.outcome === 'cut'
                ? 'stream cut'
                : g.outcome === 'aborted'
                  ? 'abandoned by the Prime'
                  : // The message says what to do (e.g. which key variable to set); the Prime's own log is not shown.
                    `${g.status} ${g.error?.type ?? 'error'}${g.error?.message ? `: ${g.error.message}` : ''}`;
          return { line: `  ${label}: ${how}, ${tokens} tokens, ${seconds(g.durationMs)}` };
        }
        if (g.type === 'cache-hold') {
          const why = { 'writer-began': 'its stream began', 'writer-failed': 'it failed', bound: 'gave up waiting' };
          return {
            line: `  gen ${g.generation ?? '?'} ${g.purpose ?? 'request'}: held ${seconds(g.waitedMs)} for another lane's cache write (${why[g.released]})`,
          };
        }
        return {
          line: `  gateway refused gen ${g.generation ?? '?'} ${g.purpose ?? 'request'}: ${g.status} ${g.errorType}: ${g.message}`,
        };
      }
      case 'supervisor': {
        const s = event.event;
        switch (s.type) {
          case 'spawned':
            return {
              line: `  gen-${s.generation} spawned: ${s.files} files sealed (${s.artifactHash.slice(0, 19)}…), rig started`,
            };
          case 'rig-stage':
            return {
              line: `    rig gen-${s.generation} ${s.stage.padEnd(9)} ${s.check.skipped === true ? 'skipped' : s.check.passed ? 'passed' : 'FAILED'} ${seconds(s.check.duration_ms)}`,
            };
          case 'verdict': {
            const where = s.worker === null ? '' : ` on ${s.worker}`;
            return {
              line:
                s.rigResult === 'viable'
                  ? `  gen-${s.generation} viable (rig ${seconds(s.rigMs)}${where})`
                  : `  gen-${s.generation} ${s.rigResult} at ${s.failureStage ?? '?'}${where}: ${s.summary ?? ''}`,
            };
          }
          case 'promoted':
            return { line: `  gen-${s.generation} promoted` };
          case 'rolled-back':
            return { line: `  gen-${s.generation} rolled back` };
          case 'closed-undecided':
            return { line: `  gen-${s.generation} ${s.outcome}: ${s.reason}` };
          case 'rejected':
            return { line: `  supervisor refused ${s.route}: ${s.status} ${s.error}` };
        }
      }
    }
    return {};
  };
}
