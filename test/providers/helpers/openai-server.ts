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
