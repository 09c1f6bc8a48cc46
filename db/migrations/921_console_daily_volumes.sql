-- The dashboard's volume per closed UTC day, per series (deposits, withdrawals, invoices, trades, swaps) and currency.
-- A closed day is read once from its feature's table (its rows are stamped when the money moved and never change
-- after) and kept here, so no render, API process or restart reads those tables for it again. console_volume_days
-- says which days are kept (a day without volume has no row in console_daily_volumes).
CREATE TABLE console_volume_days (
  series text NOT NULL,
  day    date NOT NULL,
  PRIMARY KEY (series, day)
);

CREATE TABLE console_daily_volumes (
  series   text NOT NULL,
  day      date NOT NULL,
  currency text NOT NULL,
  amount   numeric(78, 0) NOT NULL,
  count    integer NOT NULL,
  PRIMARY KEY (series, day, currency),
  FOREIGN KEY (series, day) REFERENCES console_volume_days (series, day)
);
