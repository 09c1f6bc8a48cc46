/** The console's pages, in the navigation's order; the first is where signing in lands. Adding a page: its file, and a line here. */
import type { ConsolePage } from '../page.js';
import { auditsPage } from './audits.js';
import { dashboardPage } from './dashboard.js';
import { invoicesPage } from './invoices.js';
import { notificationsPage } from './notifications.js';
import { reconciliationsPage } from './reconciliations.js';
import { settingsPage } from './settings.js';
import { transactionsPage } from './transactions.js';
import { usersPage } from './users.js';
import { withdrawalsPage } from './withdrawals.js';
import { xrplAccountsPage } from './xrpl-accounts.js';

export const CONSOLE_PAGES: readonly ConsolePage[] = [
  dashboardPage,
  withdrawalsPage,
  invoicesPage,
  xrplAccountsPage,
  transactionsPage,
  usersPage,
  settingsPage,
  auditsPage,
  notificationsPage,
  reconciliationsPage,
];
