/**
 * The checkout page's one script (vanilla, no build): a countdown to the deadline, and the invoice's live state from
 * GET /v1/invoices/{id}/public every 2 seconds, so the customer sees "seen, confirming" and "paid" without a reload.
 */
export const CHECKOUT_SCRIPT = `
(() => {
  const root = document.querySelector('[data-invoice]');
  if (!root) return;
  const id = root.dataset.invoice;
  const expires = Date.parse(root.dataset.expires);
  const countdown = document.querySelector('[data-countdown]');
  const status = document.querySelector('[data-status]');
  const paid = document.querySelector('[data-paid]');
  const labels = JSON.parse(root.dataset.labels);
  const open = (s) => s === 'new' || s === 'processing';
  let current = root.dataset.state;
  const tick = () => {
    const left = Math.max(0, Math.floor((expires - Date.now()) / 1000));
    const m = Math.floor(left / 60), s = left % 60;
    countdown.textContent = open(current) ? (left > 0 ? m + ':' + String(s).padStart(2, '0') : 'expired') : '—';
  };
  const poll = async () => {
    try {
      const response = await fetch('/v1/invoices/' + id + '/public', { headers: { accept: 'application/json' } });
      if (response.ok) {
        const invoice = await response.json();
        current = invoice.status;
        root.dataset.state = current;
        status.textContent = labels[current] || current;
        const payments = invoice.payments.filter((p) => p.state !== 'dropped');
        paid.textContent = payments.length === 0 ? 'No payment seen yet' :
          payments.map((p) => p.amount + ' ' + p.currency + (p.state === 'final' ? ' (confirmed)' : ' (confirming)')).join(', ');
      }
    } catch (e) { /* the next poll tries again */ }
    if (open(current) || current === 'paid_partial') setTimeout(poll, 2000);
  };
  tick();
  setInterval(tick, 1000);
  setTimeout(poll, 1000);
})();
`;
