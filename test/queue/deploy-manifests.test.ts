import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { z } from 'zod';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCHEMAS = path.join(ROOT, 'test', 'fixtures', 'deploy');

async function schema(name: string): Promise<z.ZodType> {
  return z.fromJSONSchema(JSON.parse(await readFile(path.join(SCHEMAS, name), 'utf8')));
}

async function k8sDocuments(file: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(path.join(ROOT, 'deploy', 'k8s', file), 'utf8');
  return parseAllDocuments(text).map((doc) => doc.toJS() as Record<string, unknown>);
}

/** The deployment files are validated against small pinned JSON schemas (zod's fromJSONSchema, no network). */
describe('deployment files', () => {
  it('the Kubernetes manifests validate, and a broken one does not', async () => {
    const k8s = await schema('k8s-subset.schema.json');
    const docs = [...(await k8sDocuments('redis-statefulset.yaml')), ...(await k8sDocuments('worker-deployment.yaml'))];
    expect(docs.map((d) => d.kind)).toEqual(['Service', 'StatefulSet', 'Deployment']);
    for (const doc of docs) expect(k8s.safeParse(doc).error, String(doc.kind)).toBeUndefined();
    const broken = structuredClone(docs[2]) as { spec: { template: { spec: { containers: unknown[] } } } };
    broken.spec.template.spec.containers = [{ name: 'worker', image: 'x', envv: [] }];
    expect(k8s.safeParse(broken).success).toBe(false);
  });

  it('workers take the password from a Secret, never from their arguments, and run the worker command', async () => {
    const [deployment] = await k8sDocuments('worker-deployment.yaml');
    const container = (deployment as { spec: { template: { spec: { containers: Array<Record<string, unknown>> } } } })
      .spec.template.spec.containers[0];
    const env = container?.env as Array<{ name: string; valueFrom?: unknown; value?: string }>;
    expect(env.find((e) => e.name === 'CAMBRIAN_REDIS_PASSWORD')?.valueFrom).toBeDefined();
    expect(JSON.stringify(container?.args)).not.toMatch(/password|:\/\/[^/]*@/i);
    const dockerfile = await readFile(path.join(ROOT, 'deploy', 'worker.Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM cambrian-rig:1$/m);
    expect(dockerfile).toMatch(/ENTRYPOINT \[.*"worker"/);
  });

  it('the compose file validates', async () => {
    const compose = await schema('compose-subset.schema.json');
    const doc = parse(await readFile(path.join(ROOT, 'deploy', 'compose.yaml'), 'utf8'));
    expect(compose.safeParse(doc).error).toBeUndefined();
    expect(compose.safeParse({ ...doc, services: { worker: { image: 1 } } }).success).toBe(false);
  });
});
