import { createEchoServer } from './server.js';

const port = Number(process.env.CAMBRIAN_PORT ?? '8080');
const server = createEchoServer();
server.listen(port, '127.0.0.1', () => {
  console.log(`echo server listening on http://127.0.0.1:${port}`);
});
