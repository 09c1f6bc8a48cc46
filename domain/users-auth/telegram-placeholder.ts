/**
 * The mail address an account made from Telegram gets until its owner gives one: under the reserved .invalid domain, so
 * no mail is ever delivered there and nothing mails a stranger by mistake.
 */
export const PLACEHOLDER_DOMAIN = '@telegram.invalid';

export const placeholderEmail = (telegramId: string): string => `telegram-${telegramId}${PLACEHOLDER_DOMAIN}`;

/**
 * Whether an address is such a placeholder: registration refuses them (or whoever registered `telegram-<id>@telegram.invalid`
 * first would keep that Telegram account from ever signing in), and nothing is mailed to one.
 */
export const isTelegramPlaceholder = (email: string): boolean => email.endsWith(PLACEHOLDER_DOMAIN);
