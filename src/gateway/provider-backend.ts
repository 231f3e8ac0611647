import type { Backend, BackendContext, MessagesRequest, StreamEvent } from './backend.js';
import { createAnthropicBackend } from './backends/anthropic.js';
import { createCacheTtlPolicy } from './backends/choose-cache-ttl.js';
import { createOpenAiBackend } from './backends/openai.js';
import { createRecordingBackend } from './backends/record.js';
import { createReplayBackend } from './backends/replay.js';
import { primeModels, type ResolvedRoles, type RoleConfig, routeRequest } from './roles.js';

export interface BackendDeps {
  /** The exemplar backend (the gateway core's); required when a role uses `exemplar`. */
  exemplar?: Backend | undefined;
  /** The replay player shared by both roles (one recording, one sequence); required when a role uses `replay`. */
  replay?: Backend | undefined;
  /** Per-request timeout for real providers. */
  timeoutMs?: number | undefined;
}

/** The backend serving one role. */
export function createBackend(role: RoleConfig, deps: BackendDeps): Backend {
  switch (role.provider) {
    case 'anthropic':
      // resolveRoles guarantees the key; an empty string would be rejected by the provider with a clear 401.
      return createAnthropicBackend({
        model: role.model,
        baseUrl: role.baseUrl,
        apiKey: role.apiKey ?? '',
        apiKeyVar: role.apiKeyVar,
        maxTokens: role.maxTokens,
        timeoutMs: deps.timeoutMs,
        cacheTtl: createCacheTtlPolicy(role.cacheTtl ?? 'auto'),
      });
    case 'openai':
      return createOpenAiBackend({
        model: role.model,
        baseUrl: role.baseUrl,
        apiKey: role.apiKey,
        apiKeyVar: role.apiKeyVar,
        maxTokens: role.maxTokens,
        timeoutMs: deps.timeoutMs,
        params: role.openaiParams,
      });
    case 'exemplar':
      if (deps.exemplar === undefined) throw new Error('createBackend: the exemplar role needs deps.exemplar');
      return deps.exemplar;
    case 'replay':
      if (deps.replay === undefined) throw new Error('createBackend: the replay role needs deps.replay');
      return deps.replay;
  }
}

/**
 * The one backend the gateway talks to for a run: each request routed to the generation or escalation role's
 * backend (see routeRequest), the whole run played back from `--replay FILE` or recorded to `--record FILE`.
 */
export function createRunBackend(options: {
  roles: ResolvedRoles;
  exemplar?: Backend | undefined;
  timeoutMs?: number | undefined;
}): Backend {
  const { roles } = options;
  const replay = roles.replay === null ? undefined : createReplayBackend({ file: roles.replay });
  const deps: BackendDeps = { exemplar: options.exemplar, replay, timeoutMs: options.timeoutMs };
  const generation = createBackend(roles.generation, deps);
  const escalation = generation === replay ? generation : createBackend(roles.escalation, deps);
  const routed: Backend =
    generation === escalation
      ? generation
      : {
          name: `${generation.name}+${escalation.name}`,
          stream(request: MessagesRequest, context: BackendContext): AsyncIterable<StreamEvent> {
            const role = routeRequest(request, context, roles);
            return (role === 'escalation' ? escalation : generation).stream(request, context);
          },
        };
  if (roles.record === null) return routed;
  return createRecordingBackend({
    inner: routed,
    file: roles.record,
    secrets: [roles.generation.apiKey, roles.escalation.apiKey],
    models: primeModels(roles),
  });
}
