// Package clean owns text-level cleaning of news articles: what HTML
// extraction leaves behind and text that was scraped long ago. It removes UI
// chrome ("Skip to main content", "Sign In", "Xem"), runs of related
// headlines glued to a title ("…bền vữngTin khác…"), image file names,
// repeated captions, teasers cut mid-word, site signatures and per-source
// boilerplate learned across pages; it moves attribution ("Theo Nhandan"),
// source lines ("Nguồn …: URL"), the title and the date line into fields; it
// splits sentences glued without a space ("vững.Diễn" → "vững. Diễn") and
// normalises Unicode (NFC) and white space.
//
// Every removal is explained as an [article.Removal] naming the rule that
// made it, so an operator can see why text disappeared. The rules are data:
// rules.yaml (embedded, see [DefaultRules]) lists the phrases per language;
// the code holds only the logic.
//
// Per-source templates are learned through a [TemplateStore]: a line found
// on many distinct pages of one source, within a sliding window, is
// boilerplate. [MemoryTemplates] implements it in memory; a Redis
// implementation lives in the adapter package.
//
// The rules run in this order: inline repairs (related-headline cuts,
// glued sentences, image names); whole-line rules (chrome, navigation,
// source and attribution lines); the header — every line before the first
// body-like one (a sentence of 12 words or more) — where date lines, bylines
// and the title are found; learned templates; and, to a fixed point, the
// rules that look at neighbours and at the end of the text (cut teasers,
// repeated captions, signatures, trailing URLs). Numeric dates are day
// first ("10/11/2021" is 10 November) unless the language hint is en-US; a
// date without a year is no date.
//
// Package clean is a domain package: it imports package article, the
// standard library, golang.org/x/text and yaml.v3, and must never import
// NATS, Redis or the adapter packages (natsbus, redisstore).
package clean
