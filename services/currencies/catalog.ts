/** The currency table, read through a small cache: currencies change rarely and every money request needs one. */
import type { Currency, Network } from '../../domain/currencies.js';
import type { Db } from '../../platform/db/client.js';

export async function loadCurrencies(db: Db): Promise<Currency[]> {
  const rows = await db`select code, name, kind, scale, network, token_contract, enabled from currencies order by code`;
  return rows.map((r) => ({
    code: r.code,
    name: r.name,
    kind: r.kind,
    scale: Number(r.scale),
    network: (r.network as Network | null) ?? null,
    tokenContract: r.tokenContract ?? null,
    enabled: r.enabled,
  }));
}

export async function setTokenContract(db: Db, code: string, address: string): Promise<void> {
  await db`update currencies set token_contract = ${address} where code = ${code}`;
}

export class CurrencyCatalog {
  private byCode = new Map<string, Currency>();
  private loadedAt = 0;

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 30_000,
  ) {}

  async all(): Promise<Currency[]> {
    return [...(await this.current()).values()];
  }

  /** One currency, without copying the list as `all()` does: every money request on the hot path asks for one. */
  async get(code: string): Promise<Currency | undefined> {
    return (await this.current()).get(code);
  }

  private async current(): Promise<Map<string, Currency>> {
    if (Date.now() - this.loadedAt > this.ttlMs) {
      this.byCode = new Map((await loadCurrencies(this.db)).map((c) => [c.code, c]));
      this.loadedAt = Date.now();
    }
    return this.byCode;
  }
}
