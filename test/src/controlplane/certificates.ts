// The control plane's PKI, made with the openssl CLI: one CA that signs the
// API server's serving certificate and every client certificate (admin,
// controller-manager, scheduler, and users minted by tests), plus the
// service-account token signing key.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args[0]} failed: ${stderr.trim() || String(err)}`));
      else resolve();
    });
  });
}

export interface CertificateFiles {
  cert: string;
  key: string;
}

/** A certificate authority in `dir` (ca.crt / ca.key). */
export class CertificateAuthority {
  readonly cert: string;
  readonly key: string;
  private constructor(readonly dir: string) {
    this.cert = path.join(dir, 'ca.crt');
    this.key = path.join(dir, 'ca.key');
  }

  /** The CA already in `dir` (made by create()). */
  static open(dir: string): CertificateAuthority {
    return new CertificateAuthority(dir);
  }

  static async create(dir: string, commonName = 'lighthouse-test-ca'): Promise<CertificateAuthority> {
    const ca = new CertificateAuthority(dir);
    await openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        ca.key,
        '-out',
        ca.cert,
        '-days',
        '3650',
        '-subj',
        `/CN=${commonName}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
      ],
      dir,
    );
    return ca;
  }

  /**
   * Issues a certificate. `subject` is an openssl subject (`/CN=alice/O=devs`);
   * `sans` are subjectAltName entries (`DNS:localhost`, `IP:127.0.0.1`).
   */
  async issue(
    name: string,
    subject: string,
    usage: 'server' | 'client',
    sans: string[] = [],
  ): Promise<CertificateFiles> {
    const key = path.join(this.dir, `${name}.key`);
    const cert = path.join(this.dir, `${name}.crt`);
    const csr = path.join(this.dir, `${name}.csr`);
    const ext = path.join(this.dir, `${name}.ext`);
    await openssl(
      [
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        csr,
        '-subj',
        subject,
      ],
      this.dir,
    );
    const lines = [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
    ];
    if (sans.length > 0) lines.push(`subjectAltName=${sans.join(',')}`);
    writeFileSync(ext, lines.join('\n') + '\n');
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        this.cert,
        '-CAkey',
        this.key,
        '-set_serial',
        `0x${randomBytes(12).toString('hex')}`,
        '-days',
        '3650',
        '-out',
        cert,
        '-extfile',
        ext,
      ],
      this.dir,
    );
    return { cert, key };
  }

  /** A client certificate for `user` in `groups` (the API server reads CN as user, O as groups). */
  issueClient(name: string, user: string, groups: string[] = []): Promise<CertificateFiles> {
    const subject = `/CN=${escapeSubject(user)}${groups.map((g) => `/O=${escapeSubject(g)}`).join('')}`;
    return this.issue(name, subject, 'client');
  }

  pem(): string {
    return readFileSync(this.cert, 'utf8');
  }
}

function escapeSubject(value: string): string {
  return value.replace(/[/\\+=,]/g, (c) => `\\${c}`);
}

/** An RSA key pair for signing service-account tokens. */
export async function createServiceAccountKey(
  dir: string,
): Promise<{ privateKey: string; publicKey: string }> {
  const privateKey = path.join(dir, 'service-account.key');
  const publicKey = path.join(dir, 'service-account.pub');
  await openssl(
    ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', privateKey],
    dir,
  );
  await openssl(['pkey', '-in', privateKey, '-pubout', '-out', publicKey], dir);
  return { privateKey, publicKey };
}
