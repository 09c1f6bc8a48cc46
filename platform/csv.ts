/** CSV lines (RFC 4180) for every export: the console's downloads and the reports. */

export type CsvValue = string | number | null | undefined;

const cell = (value: CsvValue) => {
  const text = value === null || value === undefined ? '' : String(value);
  // quote what needs it, and defuse cells a spreadsheet would run as a formula
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

export const csvLine = (values: CsvValue[]) => `${values.map(cell).join(',')}\r\n`;
