/** The invoices' configuration (INVOICE_*), parsed once: fees in ppm, limits in US cents, the monitoring window. */
import { parsePercent } from '../../domain/fees.js';
import { parseAmount } from '../../domain/money.js';
import { publicUrl, type Config } from '../../platform/config.js';

export const LIMITS_CURRENCY = 'USD';
const USD_SCALE = 2;

export interface InvoiceSettings {
  feePpm: bigint;
  conversionFeePpm: bigint;
  monitoringWindowMs: number;
  minUsd: bigint;
  maxUsd: bigint;
  /** Where customers reach the checkout page (PUBLIC_URL): a merchant redirects its customer to an absolute URL. */
  publicUrl: string;
}

function percent(text: string, name: string): bigint {
  const parsed = parsePercent(text);
  if (!parsed.ok) throw new Error(`${name} ${parsed.reason}`);
  return parsed.ppm;
}

function usd(text: string, name: string): bigint {
  const parsed = parseAmount(text, USD_SCALE);
  if (!parsed.ok) throw new Error(`${name} ${parsed.reason}`);
  return parsed.value;
}

export function invoiceSettings(config: Config): InvoiceSettings {
  return {
    feePpm: percent(config.INVOICE_FEE_PERCENT, 'INVOICE_FEE_PERCENT'),
    conversionFeePpm: percent(config.INVOICE_CONVERSION_FEE_PERCENT, 'INVOICE_CONVERSION_FEE_PERCENT'),
    monitoringWindowMs: config.INVOICE_MONITORING_WINDOW,
    minUsd: usd(config.INVOICE_MIN_USD, 'INVOICE_MIN_USD'),
    maxUsd: usd(config.INVOICE_MAX_USD, 'INVOICE_MAX_USD'),
    publicUrl: publicUrl(config),
  };
}
