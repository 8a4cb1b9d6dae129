// The baselines of the bridge benchmark, each run as its own process:
//   node echo-servers.js http|express <port>
// `http` is a raw node:http JSON echo, `express` a bare Express 5 JSON echo.
import { createServer } from 'node:http';
import express from 'express';

const [mode, portText] = process.argv.slice(2);
const port = Number(portText);

if (mode === 'http') {
  createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString() || '{}';
      const out = JSON.stringify({ echo: JSON.parse(body) as unknown });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
  }).listen(port, '127.0.0.1', () => process.send?.('ready'));
} else if (mode === 'express') {
  const app = express();
  app.use(express.json());
  app.post('/v1/validate', (req, res) => {
    res.json({ echo: req.body as unknown });
  });
  app.listen(port, '127.0.0.1', () => process.send?.('ready'));
} else {
  process.stderr.write('usage: echo-servers.js http|express <port>\n');
  process.exit(2);
}
