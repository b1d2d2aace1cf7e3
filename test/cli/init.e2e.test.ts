// End to end through the built binary (bin/run.js + dist/), as a user runs it, without a terminal.
import { execFileSync } from 'node:child_process';
import { globSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { allSpellings } from '../../src/template/case-forms.js';
import { hashTemplate } from '../../src/template/hash.js';
import { templateRecordSchema } from '../../src/template/record.js';
import {
  cleanEnv,
  type CliResult,
  exists,
  fakeProgram,
  fixtureTemplate,
  isolatedGitEnv,
  listTree,
  readText,
  removeDir,
  ROOT,
  runCli,
  tempDir,
} from '../support/cli.js';

const cleanup: string[] = [];
let template: string;
let gitEnv: NodeJS.ProcessEnv;
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

beforeAll(async () => {
  template = await fixtureTemplate();
  cleanup.push(join(template, '..'));
  gitEnv = await isolatedGitEnv();
  cleanup.push(gitEnv.HOME ?? '');
});
afterAll(async () => {
  await Promise.all(cleanup.map(removeDir));
});

async function workdir(): Promise<string> {
  const dir = await tempDir('lsvc-e2e-');
  cleanup.push(dir);
  return dir;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env: { ...process.env, ...gitEnv } })
    .toString()
    .trim();

/** A clear failure: exit code as documented, "Error: ..." first, no stack trace. */
function expectCleanFailure(r: CliResult, code: number, message: RegExp) {
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code, stdout: expect.any(String) });
  const first = r.stderr.split('\n')[0] ?? '';
  expect(first).toMatch(/^Error: /);
  expect(first).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at .+[(:]\d+/);
}

describe('lsvc init (built binary)', () => {
  let cwd: string;
  let service: string;
  let result: CliResult;

  beforeAll(async () => {
    cwd = await workdir();
    result = await runCli(['init', 'demo', '--no-install', '--template', template], { cwd, env: gitEnv });
    service = join(cwd, 'demo');
  });

  it('succeeds and prints the next steps', () => {
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Created demo in ./demo (template 1.2.3, db postgres).');
    expect(result.stdout).toMatch(
      /Next steps:\n {2}cd demo\n {2}npm install +install the dependencies\n {2}lsvc dev/,
    );
    expect(result.stderr).toBe('');
  });

  it('leaves no trace of the placeholder, in any form, in any path or text file', async () => {
    const tree = await listTree(service);
    expect(tree.length).toBeGreaterThan(15);
    const found: string[] = [];
    for (const rel of tree) {
      for (const s of allSpellings('little-service')) if (rel.includes(s)) found.push(`path ${rel}`);
      if (rel === '.git' || rel.startsWith('.git/') || (await stat(join(service, rel))).isDirectory())
        continue;
      const bytes = await readFile(join(service, rel));
      if (rel.endsWith('.png')) continue; // binary: checked byte for byte below
      for (const s of allSpellings('little-service')) if (bytes.includes(s)) found.push(`${s} in ${rel}`);
    }
    expect(found).toEqual([]);
    const logo = await readFile(join(service, 'assets/demo-logo.png'));
    expect(logo.equals(await readFile(join(template, 'assets/little-service-logo.png')))).toBe(true);
    expect(tree).toEqual(
      expect.arrayContaining(['src/demo/DemoModel.ts', 'sql/demo_schema.sql', 'bin/start-demo.sh']),
    );
    expect((await stat(join(service, 'bin/start-demo.sh'))).mode & 0o111).toBe(0o111);
  });

  it('skips node_modules, dist, coverage, .env and logs', async () => {
    const tree = await listTree(service);
    expect(tree.filter((p) => /(^|\/)(node_modules|dist|coverage|\.env|[^/]+\.log)$/.test(p))).toEqual([]);
  });

  it('records the template version, hash and answers in .lsvc/template.json', async () => {
    const record = templateRecordSchema.parse(
      JSON.parse(await readText(join(service, '.lsvc/template.json'))),
    );
    expect(record).toEqual({
      schema: 1,
      lsvcVersion: version,
      template: { source: template, version: '1.2.3', hash: await hashTemplate(template) },
      answers: { name: 'demo', db: 'postgres' },
      createdAt: expect.any(String),
    });
    expect(Date.now() - Date.parse(record.createdAt)).toBeLessThan(120_000);
  });

  it('makes exactly one commit holding every file, although git has no user configured', () => {
    expect(git(service, 'rev-list', '--count', 'HEAD')).toBe('1');
    expect(git(service, 'status', '--porcelain')).toBe('');
    expect(git(service, 'branch', '--show-current')).toBe('main');
    expect(git(service, 'log', '-1', '--format=%an <%ae>|%s')).toBe(
      'lsvc <lsvc@localhost>|Create demo from the lsvc service template 1.2.3',
    );
    expect(git(service, 'ls-files')).toContain('.lsvc/template.json');
  });
});

describe('lsvc init options', () => {
  it('uses the git user when one is configured', async () => {
    const cwd = await workdir();
    const env = await isolatedGitEnv();
    cleanup.push(env.HOME ?? '');
    await writeFile(
      join(env.HOME ?? '', '.gitconfig'),
      '[user]\n\tname = Ada Lovelace\n\temail = ada@example.com\n',
    );
    const r = await runCli(['init', 'demo', '--no-install', '--template', template], { cwd, env });
    expect(r.code).toBe(0);
    expect(
      execFileSync('git', ['log', '-1', '--format=%an <%ae>'], { cwd: join(cwd, 'demo') })
        .toString()
        .trim(),
    ).toBe('Ada Lovelace <ada@example.com>');
  });

  it('--db mysql overlays the variant and records the answer; --dir and --no-git are honoured', async () => {
    const cwd = await workdir();
    const r = await runCli(
      [
        'init',
        'orders',
        '--db',
        'mysql',
        '--dir',
        'services/orders-svc',
        '--no-git',
        '--no-install',
        '--template',
        template,
      ],
      {
        cwd,
        env: gitEnv,
      },
    );
    expect(r.code).toBe(0);
    const dir = join(cwd, 'services/orders-svc');
    expect(await readText(join(dir, 'src/db.ts'))).toBe(
      "export const engine = 'mysql'; // orders database\n",
    );
    expect(await readText(join(dir, 'lsvc.yml'))).toContain('engine: mysql');
    expect(JSON.parse(await readText(join(dir, '.lsvc/template.json')))).toMatchObject({
      answers: { name: 'orders', db: 'mysql' },
    });
    expect(await exists(join(dir, '.git'))).toBe(false);
    expect(r.stdout).toContain('Created orders in ./services/orders-svc');
  });

  it('writes into an empty folder that already exists', async () => {
    const cwd = await workdir();
    await mkdir(join(cwd, 'demo'));
    const r = await runCli(['init', 'demo', '--no-install', '--no-git', '--template', template], { cwd });
    expect(r.code).toBe(0);
    expect(await exists(join(cwd, 'demo', 'package.json'))).toBe(true);
  });
});

describe('lsvc init refuses bad input, leaving nothing behind', () => {
  it.each([
    ['Demo', /Invalid service name "Demo": use lowercase letters \(try "demo"\)/],
    ['my_service', /use hyphens, not underscores/],
    ['1abc', /must start with a letter/],
    ['a--b', /single hyphens/],
    ['x'.repeat(30), /30 characters long/],
    ['http', /built-in module/],
  ])('invalid name %p: exit 2', async (name, message) => {
    const cwd = await workdir();
    const r = await runCli(['init', name, '--no-install', '--template', template], { cwd, env: gitEnv });
    expectCleanFailure(r, 2, message);
    expect(r.stderr).toMatch(/\nHint: A service name is 1-29 lowercase letters/);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('an existing non-empty folder: exit 2, its files untouched', async () => {
    const cwd = await workdir();
    await mkdir(join(cwd, 'demo'));
    await writeFile(join(cwd, 'demo', 'notes.txt'), 'my notes');
    const r = await runCli(['init', 'demo', '--no-install', '--template', template], { cwd, env: gitEnv });
    expectCleanFailure(r, 2, /demo already exists and is not empty/);
    expect(await listTree(cwd)).toEqual(['demo', 'demo/notes.txt']);
    expect(await readText(join(cwd, 'demo', 'notes.txt'))).toBe('my notes');
  });

  it('an unwritable target: exit 2, nothing created', async () => {
    const cwd = await workdir();
    await chmod(cwd, 0o755);
    const locked = join(cwd, 'locked');
    await mkdir(locked, { mode: 0o555 });
    await chmod(locked, 0o555);
    // root ignores permissions: run as "nobody" then.
    const wrap =
      process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : undefined;
    await chmod(join(template, '..'), 0o755);
    const r = await runCli(
      ['init', 'demo', '--no-install', '--no-git', '--dir', join(locked, 'demo'), '--template', template],
      {
        cwd,
        wrap,
        env: { HOME: cwd },
      },
    );
    expectCleanFailure(r, 2, /Cannot write to .*locked\/demo: permission denied/);
    expect(await readdir(locked)).toEqual([]);
  });

  it('a template folder that does not exist: exit 2', async () => {
    const cwd = await workdir();
    const r = await runCli(['init', 'demo', '--template', join(cwd, 'nope')], { cwd });
    expectCleanFailure(r, 2, /Template folder .*nope does not exist/);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('a database the template does not offer: exit 2', async () => {
    const cwd = await workdir();
    const r = await runCli(['init', 'demo', '--db', 'oracle', '--template', template], { cwd });
    expectCleanFailure(r, 2, /This template does not offer db "oracle"/);
    expect(r.stderr).toContain('Hint: Choose one of: postgres, mysql.');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('git missing: exit 3 with --no-git as the way out', async () => {
    const cwd = await workdir();
    const r = await runCli(['init', 'demo', '--no-install', '--template', template], {
      cwd,
      env: { PATH: join(cwd, 'empty-path') },
    });
    expectCleanFailure(r, 3, /git is not installed/);
    expect(r.stderr).toMatch(/--no-git/);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('npm install failing: exit 1 with its output, and the new folder removed', async () => {
    const cwd = await workdir();
    const bin = await workdir();
    await fakeProgram(bin, 'npm', 'echo "npm error network ECONNRESET" >&2\nexit 1');
    const r = await runCli(['init', 'demo', '--template', template], {
      cwd,
      env: { ...gitEnv, PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
    expectCleanFailure(r, 1, /npm install failed \(exit 1\)/);
    expect(r.stderr).toContain('npm error network ECONNRESET');
    expect(r.stderr).toContain('Removed what lsvc init had created');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('Ctrl-C midway: exit 130, everything init created removed, a pre-existing empty folder kept', async () => {
    const cwd = await workdir();
    await mkdir(join(cwd, 'demo'));
    const bin = await workdir();
    await fakeProgram(
      bin,
      'git',
      'if [ "$1" = "--version" ]; then echo "git version 2.99.0"; exit 0; fi\nexec sleep 30',
    );
    let sent = false;
    const started = Date.now();
    const r = await runCli(['init', 'demo', '--no-install', '--template', template], {
      cwd,
      env: { ...gitEnv, PATH: `${bin}:${process.env.PATH ?? ''}` },
      onSpawn: (child) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          if (!sent && chunk.toString().includes('Create a git repository')) {
            sent = true;
            child.kill('SIGINT');
          }
        });
      },
    });
    expect(sent).toBe(true);
    expect(Date.now() - started).toBeLessThan(15_000);
    expectCleanFailure(r, 130, /Interrupted: nothing was kept in .*demo/);
    expect(await listTree(cwd)).toEqual(['demo']);
  });
});

describe('the npm package', () => {
  it('ships a template that init can use, .gitignore included (npm pack drops it)', async () => {
    const dir = await workdir();
    // --ignore-scripts: dist/ is already built by the global setup.
    const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [{ filename, files }] = JSON.parse(packed.toString()) as [
      { filename: string; files: { path: string }[] },
    ];
    const paths = files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'bin/run.js',
        'oclif.manifest.json',
        'dist/commands/init.js',
        'dist/template-dotfiles.json',
        'service-template/lsvc-template.json',
        'service-template/lsvc.yml',
      ]),
    );
    expect(paths.filter((p) => /^service-template\/(.*\/)?(node_modules|dist|coverage)\//.test(p))).toEqual(
      [],
    );
    expect(paths).not.toContain('service-template/.gitignore');

    execFileSync('tar', ['-xzf', join(dir, filename), '-C', dir]);
    await symlink(join(ROOT, 'node_modules'), join(dir, 'package', 'node_modules'));
    const cwd = join(dir, 'work');
    await mkdir(cwd);
    execFileSync(
      process.execPath,
      [join(dir, 'package', 'bin', 'run.js'), 'init', 'demo', '--no-install', '--no-git'],
      { cwd, env: cleanEnv() },
    );
    expect(await readText(join(cwd, 'demo', '.gitignore'))).toBe(
      await readText(join(ROOT, 'service-template', '.gitignore')),
    );
    expect(JSON.parse(await readText(join(cwd, 'demo', '.lsvc', 'template.json')))).toMatchObject({
      template: { source: 'builtin', hash: await hashTemplate(join(ROOT, 'service-template')) },
    });
  });
});

describe('other commands through the built binary', () => {
  it('runs the compiled commands from dist/ (the shipped oclif.manifest.json points there)', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { relativePath: string[] }>;
    };
    // Every command file is in the manifest (commands/dev/down.ts is "dev:down").
    const ids = globSync('**/*.ts', { cwd: join(ROOT, 'commands') }).map((file) =>
      file.replace(/\.ts$/, '').split(sep).join(':'),
    );
    expect(Object.keys(manifest.commands).sort()).toEqual(ids.sort());
    expect(ids).toEqual(expect.arrayContaining(['init', 'deploy', 'dev:down', 'env:set']));
    for (const cmd of Object.values(manifest.commands)) expect(cmd.relativePath[0]).toBe('dist');
  });

  it('an unknown command: exit 2 with a did-you-mean, also under --json', async () => {
    const r = await runCli(['int', 'demo']);
    expectCleanFailure(r, 2, /^Error: "int" is not an lsvc command\. Did you mean "init"\?$/);
    expect(r.stderr).toContain('Hint: Run "lsvc help" for the list of commands.');
    const json = await runCli(['doctr', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      error: { exitCode: 2, message: expect.stringContaining('Did you mean "doctor"?') },
    });
  });

  it('a broken lsvc.yml: exit 3 naming file, line, column and key, also under --json', async () => {
    const cwd = await workdir();
    await writeFile(
      join(cwd, 'lsvc.yml'),
      'service: demo\nenvironments:\n  production:\n    instanceTyp: t3.small\n',
    );
    await mkdir(join(cwd, 'src'));
    const r = await runCli(['config'], { cwd: join(cwd, 'src') });
    expectCleanFailure(
      r,
      3,
      /^Error: .*lsvc\.yml:4:5: environments\.production\.instanceTyp: unknown key; did you mean "instanceType"\?$/,
    );
    const json = await runCli(['config', '--json'], { cwd });
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({
      error: { name: 'ConfigError', exitCode: 3, hint: expect.stringMatching(/^Allowed here:/) },
    });
  });

  it('lsvc config prints the resolved config as YAML and JSON', async () => {
    const cwd = await workdir();
    await writeFile(
      join(cwd, 'lsvc.yml'),
      'service: demo\nregion: eu-west-1\nenvironments:\n  staging: {}\n  production:\n    confirm: true\n',
    );
    const r = await runCli(['config', '--env', 'production'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /environment:\n {2}name: production\n {2}fullName: demo-production\n {2}region: eu-west-1/,
    );
    const json = await runCli(['config', '--json'], { cwd });
    expect(JSON.parse(json.stdout)).toMatchObject({
      service: 'demo',
      environments: { production: { confirm: true, healthCheckPath: '/readyz' } },
    });
    const unknown = await runCli(['config', '--env', 'prod'], { cwd });
    expectCleanFailure(unknown, 2, /no environment "prod" in lsvc.yml; did you mean "production"\?/);
  });

  it('lsvc --version shows version, platform and Node', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(
      `lsvc/${version} ${process.platform}-${process.arch} node-${process.version}`,
    );
  });

  it('lsvc doctor never hangs when Docker and AWS are unreachable', async () => {
    const started = Date.now();
    const r = await runCli(['doctor', '--json'], {
      env: {
        DOCKER_HOST: 'unix:///nonexistent/docker.sock',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_REGION: 'eu-west-1',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    const report = JSON.parse(r.stdout) as {
      exitCode: number;
      checks: { id: string; status: string; message: string }[];
    };
    expect(r.code).toBe(4);
    expect(report.exitCode).toBe(4);
    expect(report.checks.find((c) => c.id === 'docker')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('DOCKER_HOST=unix:///nonexistent/docker.sock'),
    });
    expect(report.checks.find((c) => c.id === 'aws-credentials')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('http://127.0.0.1:9'),
    });
    expect(report.checks.find((c) => c.id === 'aws-region')).toMatchObject({
      status: 'ok',
      message: 'eu-west-1 (from AWS_REGION)',
    });
  });

  it('lsvc doctor prints ok/warn/fail lines with fixes, and exits non-zero on a failure', async () => {
    const r = await runCli(['doctor', '--no-color'], {
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^fail {2}Docker engine .*\n\s+fix: /m);
    expect(r.stdout).toMatch(/check(s)? failed.*\(exit code 4\)\.$/m);
  });
});
