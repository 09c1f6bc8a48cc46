/** The console's pages, in the navigation's order; the first is where signing in lands. Adding a page: its file, and a line here. */
import type { ConsolePage } from '../page.js';
import { auditsPage } from './audits.js';
import { bettingPage } from './betting.js';
import { dashboardPage } from './dashboard.js';
import { depositsPage } from './deposits.js';
import { invoicesPage } from './invoices.js';
import { marketsPage } from './markets.js';
import { notificationsPage } from './notifications.js';
import { ordersPage } from './orders.js';
import { ratesPage } from './rates.js';
import { reconciliationsPage } from './reconciliations.js';
import { settingsPage } from './settings.js';
import { transactionsPage } from './transactions.js';
import { usersPage } from './users.js';
import { webhooksPage } from './webhooks.js';
import { withdrawalsPage } from './withdrawals.js';
import { xrplAccountsPage } from './xrpl-accounts.js';

export const CONSOLE_PAGES: readonly ConsolePage[] = [
  dashboardPage,
  withdrawalsPage,
  depositsPage,
  bettingPage,
  marketsPage,
  ordersPage,
  webhooksPage,
  invoicesPage,
  xrplAccountsPage,
  transactionsPage,
  usersPage,
  settingsPage,
  ratesPage,
  auditsPage,
  notificationsPage,
  reconciliationsPage,
];
