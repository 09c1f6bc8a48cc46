/**
 * A stand-in for Binance's public spot REST API, the two endpoints ccxt's `fetchTickers` uses: `GET /api/v3/exchangeInfo`
 * (markets, loaded once) and `GET /api/v3/ticker/24hr?symbols=[…]`, answering in Binance's own JSON (field names,
 * decimal strings, its error envelope), so ccxt's binance class parses what it would parse in production. Tests set
 * each symbol's book top and can make the exchange fail (503, as Binance's gateway answers when it is down).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BookTop {
  bid: string;
  ask: string;
}

export interface BinanceDouble {
  url: string;
  setTop(symbol: string, top: BookTop): void;
  /** While down, every request gets a 503. */
  setDown(down: boolean): void;
  requests: string[];
  close(): Promise<void>;
}

const ASSETS: Record<string, [string, string]> = {
  BTCUSDT: ['BTC', 'USDT'],
  ETHUSDT: ['ETH', 'USDT'],
  XRPUSDT: ['XRP', 'USDT'],
  USDTUAH: ['USDT', 'UAH'],
};

function symbolInfo(symbol: string, [base, quote]: [string, string]) {
  return {
    symbol,
    status: 'TRADING',
    baseAsset: base,
    baseAssetPrecision: 8,
    quoteAsset: quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' },
      { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
      { filterType: 'ICEBERG_PARTS', limit: 10 },
      { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '120.00000000', stepSize: '0.00000000' },
      {
        filterType: 'TRAILING_DELTA',
        minTrailingAboveDelta: 10,
        maxTrailingAboveDelta: 2000,
        minTrailingBelowDelta: 10,
        maxTrailingBelowDelta: 2000,
      },
      {
        filterType: 'PERCENT_PRICE_BY_SIDE',
        bidMultiplierUp: '5',
        bidMultiplierDown: '0.2',
        askMultiplierUp: '5',
        askMultiplierDown: '0.2',
        avgPriceMins: 5,
      },
      {
        filterType: 'NOTIONAL',
        minNotional: '5.00000000',
        applyMinToMarket: true,
        maxNotional: '9000000.00000000',
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
    ],
    permissions: [],
    permissionSets: [['SPOT', 'TRD_GRP_004', 'TRD_GRP_005']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

function ticker24hr(symbol: string, top: BookTop, now: number) {
  return {
    symbol,
    priceChange: '0.00000000',
    priceChangePercent: '0.000',
    weightedAvgPrice: top.ask,
    prevClosePrice: top.bid,
    lastPrice: top.ask,
    lastQty: '0.00731000',
    bidPrice: top.bid,
    bidQty: '7.15931000',
    askPrice: top.ask,
    askQty: '0.09592000',
    openPrice: top.bid,
    highPrice: top.ask,
    lowPrice: top.bid,
    volume: '14741.41491000',
    quoteVolume: '1744744445.80640740',
    openTime: now - 86_400_000,
    closeTime: now,
    firstId: 5116031635,
    lastId: 5117964946,
    count: 1933312,
  };
}

export async function startBinanceDouble(): Promise<BinanceDouble> {
  const tops = new Map<string, BookTop>();
  const requests: string[] = [];
  let down = false;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://double');
    requests.push(url.pathname + url.search);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
      res.end(JSON.stringify(body));
    };
    if (down) {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>');
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/v3/exchangeInfo') {
      return send(200, {
        timezone: 'UTC',
        serverTime: Date.now(),
        rateLimits: [
          { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
          { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
          { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
        ],
        exchangeFilters: [],
        symbols: Object.entries(ASSETS).map(([symbol, assets]) => symbolInfo(symbol, assets)),
      });
    }
    if (req.method === 'GET' && url.pathname === '/api/v3/ticker/24hr') {
      const one = url.searchParams.get('symbol');
      const many = url.searchParams.get('symbols');
      let symbols: string[];
      try {
        symbols = one ? [one] : many ? (JSON.parse(many) as string[]) : [...tops.keys()];
      } catch {
        return send(400, {
          code: -1100,
          msg: 'Illegal characters found in parameter \'symbols\'; legal range is \'^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$\'.',
        });
      }
      if (symbols.some((s) => !tops.has(s))) return send(400, { code: -1121, msg: 'Invalid symbol.' });
      const now = Date.now();
      const tickers = symbols.map((s) => ticker24hr(s, tops.get(s)!, now));
      return send(200, one ? tickers[0] : tickers);
    }
    send(404, { code: -1, msg: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setTop: (symbol, top) => tops.set(symbol, top),
    setDown: (value) => (down = value),
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
