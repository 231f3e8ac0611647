import { type Reply, type ScriptedServer, startScriptedServer } from './scripted-server.js';

/**
 * A local OpenAI-compatible chat.completions server (`POST /v1/chat/completions`, SSE `data:` chunks and
 * `data: [DONE]`) on 127.0.0.1:0, like vLLM, Ollama or llama.cpp's server. The SDK's base URL is `${url}/v1`. With
 * `key`, a wrong bearer token gets OpenAI's 401, whose message quotes the key received (to prove redaction).
 */
export async function startOpenAiServer(
  options: { key?: string; replies?: Reply[]; refuse?: ReadonlyArray<'max_tokens' | 'temperature' | 'top_p'> } = {},
): Promise<ScriptedServer> {
  return startScriptedServer({
    route: '/v1/chat/completions',
    replies: options.replies ?? [],
    authorize(request) {
      const given = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
      if (options.key === undefined || given === options.key) return refusal(request.body, options.refuse ?? []);
      return {
        status: 401,
        body: {
          error: {
            message: `Incorrect API key provided: ${given}.`,
            type: 'invalid_request_error',
            param: null,
            code: 'invalid_api_key',
          },
        },
      };
    },
  });
}

/** A streamed chat.completions reply of `text` in small chunks, finish `stop`, usage counted ≈ bytes/4. */
export function chatReply(text: string, options: { model?: string } = {}): Reply {
  return (request) => {
    const model = options.model ?? String(request.body.model);
    const base = { id: 'chatcmpl-local', object: 'chat.completion.chunk', created: 1_763_800_000, model };
    const chunk = (choices: unknown[], usage: unknown = null) =>
      `data: ${JSON.stringify({ ...base, choices, usage })}\n\n`;
    const prompt = Math.ceil(JSON.stringify(request.body.messages).length / 4);
    const completion = Math.ceil(text.length / 4);
    let sse = chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    for (let i = 0; i < text.length; i += 256) {
      sse += chunk([{ index: 0, delta: { content: text.slice(i, i + 256) }, finish_reason: null }]);
    }
    sse += chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    sse += chunk([], { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });
    return { sse: `${sse}data: [DONE]\n\n` };
  };
}

/**
 * What OpenAI answers a reasoning model's request that carries a parameter the model does not take (the wording and
 * fields of api.openai.com's 400s), before any reply is consumed.
 */
function refusal(body: Record<string, unknown>, refuse: ReadonlyArray<string>): Reply | null {
  if ('max_tokens' in body && 'max_completion_tokens' in body) {
    return {
      status: 400,
      body: { error: { message: 'max_tokens and max_completion_tokens both set', type: 'invalid_request_error' } },
    };
  }
  const param = refuse.find((name) => name in body);
  if (param === undefined) return null;
  const message =
    param === 'max_tokens'
      ? "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
      : `Unsupported value: '${param}' does not support ${String(body[param])} with this model. Only the default (1) value is supported.`;
  const code = param === 'max_tokens' ? 'unsupported_parameter' : 'unsupported_value';
  return { status: 400, body: { error: { message, type: 'invalid_request_error', param, code } } };
}
