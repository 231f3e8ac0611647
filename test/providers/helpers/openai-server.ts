import { type Reply, type ScriptedServer, startScriptedServer } from './scripted-server.js';

/**
 * A local OpenAI-compatible chat.completions server (`POST /v1/chat/completions`, SSE `data:` chunks and
 * `data: [DONE]`) on 127.0.0.1:0, like vLLM, Ollama or llama.cpp's server. The SDK's base URL is `${url}/v1`. With
 * `key`, a wrong bearer token gets OpenAI's 401, whose message quotes the key received (to prove redaction).
 */
export async function startOpenAiServer(options: { key?: string; replies?: Reply[] } = {}): Promise<ScriptedServer> {
  return startScriptedServer({
    route: '/v1/chat/completions',
    replies: options.replies ?? [],
    authorize(request) {
      const given = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
      if (options.key === undefined || given === options.key) return null;
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
