/**
 * The text a feed message goes out as on the websocket, made once per message whatever the number of sockets that
 * receive it (the feed builds each message once for all its listeners; stringifying it per subscriber made a busy
 * channel's cost grow with its audience). A private channel's message goes out under the channel the client
 * subscribed to (`orders:<user>` as `orders`), which the message alone decides, so one text serves every socket too.
 */
import type { FeedMessage } from '../../services/exchange/market-feed.js';

const texts = new WeakMap<FeedMessage, string>();

export function feedFrame(message: FeedMessage): string {
  let text = texts.get(message);
  if (text === undefined) {
    const [channel] = message.channel.split(':', 1);
    text = JSON.stringify(channel === message.channel ? message : { ...message, channel });
    texts.set(message, text);
  }
  return text;
}
