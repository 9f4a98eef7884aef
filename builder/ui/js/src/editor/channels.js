// The channels the server registered (nodes/channels/, one file each), as the canvas catalogue
// serves them: their words, whether they fall back, count bytes, take test sends. Nothing in the
// bundle names a channel: it asks here.
let channels = [];
let counting = null;

// Called once the catalogue is read: the channel list and SMS/LMS counting's parameters
// (nodes/kit/sms.py COUNTING).
export function setChannels(list, textCounting) {
  channels = list || [];
  counting = textCounting || null;
}

export function channelOf(key) {
  return channels.find((channel) => channel.key === key) || null;
}

// "an SMS", "a KakaoTalk": the channel's noun with its article.
export function channelNoun(key, withArticle = false) {
  const channel = channelOf(key);
  const noun = channel?.noun || String(key);
  return withArticle ? `${channel?.article || "a"} ${noun}` : noun;
}

export function textCounting() {
  if (!counting) throw new Error("the catalogue's textCounting was not set");
  return counting;
}
