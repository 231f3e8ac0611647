/**
 * Thrown by a backend mid-stream to make the reply look like a network fault: the gateway destroys the socket and
 * sends no `message_stop`. (A BackendError mid-stream is an orderly `error` event instead.)
 */
export class CutStreamError extends Error {
  constructor(message = 'stream cut') {
    super(message);
    this.name = 'CutStreamError';
  }
}
