/** CSV lines (RFC 4180) for every export: the console's downloads and the reports. */

export type CsvValue = string | number | null | undefined;

/** A cell that is a decimal number: a spreadsheet reads it as that number, not as a formula (a negative amount). */
const DECIMAL = /^-?\d+(\.\d+)?$/;

const cell = (value: CsvValue) => {
  const text = value === null || value === undefined ? '' : String(value);
  // quote what needs it, and defuse cells a spreadsheet would run as a formula (as SQL's csv_safe does, migration 998)
  const safe = /^[=+\-@\t\r]/.test(text) && !DECIMAL.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

export const csvLine = (values: CsvValue[]) => `${values.map(cell).join(',')}\r\n`;
