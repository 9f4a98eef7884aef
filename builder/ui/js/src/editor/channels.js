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

// "SMS", "KakaoTalk": the channel's noun (in the page's language: the catalogue's words are).
// Sentences take it in a hole; an article belongs to the sentence's own words.
export function channelNoun(key) {
  return channelOf(key)?.noun || String(key);
}

export function textCounting() {
  if (!counting) throw new Error("the catalogue's textCounting was not set");
  return counting;
}
