import { isSealed, type Keyring, seal, sealedWith, unseal } from '../auth/secret-box.js';
import type { App } from '../domain/model.js';
import { AppChanged, type Store } from './store.js';

/**
 * A Store whose app secretKeys are sealed at rest with the keyring; everything else is
 * the inner store's. Callers see plaintext secrets, the database never does.
 */
export class SecretEncryptingStore implements Store {
  readonly kind;
  readonly importAttributes?: Store['importAttributes'];
  readonly stats?: Store['stats'];
  readonly onWriteBatch?: Store['onWriteBatch'];
  readonly peekApp?: Store['peekApp'];
  constructor(
    private readonly inner: Store,
    private readonly ring: Keyring,
  ) {
    this.kind = inner.kind;
    // The optional methods exist here exactly when they exist on the inner store.
    if (inner.importAttributes) this.importAttributes = inner.importAttributes.bind(inner);
    if (inner.stats) this.stats = inner.stats.bind(inner);
    if (inner.onWriteBatch) this.onWriteBatch = inner.onWriteBatch.bind(inner);
    if (inner.peekApp) {
      const peek = inner.peekApp.bind(inner);
      this.peekApp = (accessId) => {
        const sealed = peek(accessId);
        if (!sealed) return undefined;
        const known = this.opened.get(sealed);
        if (known) return known;
        const opened = this.open(sealed);
        this.opened.set(sealed, opened);
        return opened;
      };
    }
  }

  /** The inner store's app of each app handed out, to pass on as `seen`. */
  private readonly sealedOf = new WeakMap<App, App>();
  /** The opened app of each app the inner store's peekApp returned, so each is unsealed once. */
  private readonly opened = new WeakMap<App, App>();

  private open = (app: App): App => {
    const opened = { ...app, secretKey: unseal(this.ring, app.accessId, app.secretKey) };
    this.sealedOf.set(opened, app);
    return opened;
  };

  /** The inner store's version of an app this store handed out; AppChanged for any other. */
  private sealed(seen: App | undefined): App | undefined {
    if (seen === undefined) return undefined;
    const sealed = this.sealedOf.get(seen);
    if (!sealed) throw new AppChanged(seen.accessId);
    return sealed;
  }

  createApp(app: App) {
    return this.inner.createApp({ ...app, secretKey: seal(this.ring, app.accessId, app.secretKey) });
  }
  async getApp(accessId: number) {
    const app = await this.inner.getApp(accessId);
    return app && this.open(app);
  }
  async listApps() {
    return (await this.inner.listApps()).map(this.open);
  }
  setSecret(accessId: number, secretKey: string) {
    return this.inner.setSecret(accessId, seal(this.ring, accessId, secretKey));
  }

  async updateApp(...a: Parameters<Store['updateApp']>) {
    const app = await this.inner.updateApp(...a);
    return app && this.open(app);
  }
  appendAudit: Store['appendAudit'] = (...a) => this.inner.appendAudit(...a);
  listAudit: Store['listAudit'] = (...a) => this.inner.listAudit(...a);
  deleteApp: Store['deleteApp'] = (...a) => this.inner.deleteApp(...a);
  createDefinition: Store['createDefinition'] = (...a) => this.inner.createDefinition(...a);
  listDefinitions: Store['listDefinitions'] = (...a) => this.inner.listDefinitions(...a);
  getDefinition: Store['getDefinition'] = (...a) => this.inner.getDefinition(...a);
  describeDefinition: Store['describeDefinition'] = (...a) => this.inner.describeDefinition(...a);
  deleteDefinition: Store['deleteDefinition'] = (...a) => this.inner.deleteDefinition(...a);
  writeAttributes: Store['writeAttributes'] = async (accessId, write, seen) =>
    this.inner.writeAttributes(accessId, write, this.sealed(seen));
  readAttributes: Store['readAttributes'] = async (accessId, token, seen) =>
    this.inner.readAttributes(accessId, token, this.sealed(seen));
  readAttributesJson: Store['readAttributesJson'] = async (accessId, token, seen) =>
    this.inner.readAttributesJson(accessId, token, this.sealed(seen));
  getSetting: Store['getSetting'] = (...a) => this.inner.getSetting(...a);
  initSetting: Store['initSetting'] = (...a) => this.inner.initSetting(...a);
  putSetting: Store['putSetting'] = (...a) => this.inner.putSetting(...a);
  ping: Store['ping'] = () => this.inner.ping();
  close: Store['close'] = () => this.inner.close();
}

/**
 * Brings every stored secret under the keyring's current key: plaintext ones (from before
 * encryption was enabled) and ones sealed with an older key. Returns how many changed.
 */
export async function resealSecrets(inner: Store, ring: Keyring): Promise<number> {
  let changed = 0;
  for (const app of await inner.listApps()) {
    if (sealedWith(app.secretKey) === ring.currentId) continue;
    const plain = unseal(ring, app.accessId, app.secretKey);
    await inner.setSecret(app.accessId, seal(ring, app.accessId, plain));
    changed++;
  }
  return changed;
}

/** Without a keyring, refuses a store whose secrets are sealed: nobody could authenticate. */
export async function assertNoSealedSecrets(inner: Store): Promise<void> {
  const sealed = (await inner.listApps()).filter((app) => isSealed(app.secretKey));
  if (sealed.length > 0) {
    throw new Error(
      `${sealed.length} app secret(s) are encrypted at rest (key "${sealedWith(sealed[0]!.secretKey)}"); set ATTRD_SECRET_KEYS`,
    );
  }
}
