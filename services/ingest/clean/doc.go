// Package clean turns scraped article text into clean paragraphs, the way
// a careful editor would. It is a pure library: no I/O, no NATS, no
// global state, safe for concurrent use.
//
// Clean runs these steps, in this order, and records each in
// schema.Cleaning:
//
//  1. Cap: input over Options.MaxBytes (1 MiB) is cut at a line break
//     (Truncated). Invalid UTF-8 bytes become U+FFFD.
//  2. Escape layers (EscapeLayers): stray markup with known tag names
//     ("<p>", "</b>", "<br/>"; block tags end a paragraph), JSON string
//     escapes left literal
//     (\r\n, \n, \t, \", \', \\, \uXXXX with surrogate pairs) and HTML
//     character references (&amp;#039;, &#8217;, &EACUTE;) are undone,
//     alternately, until the text stops changing, so \u0026#039; becomes
//     &#039; and then an apostrophe. JSON escapes are decoded only when
//     the text carries their signature (a \uXXXX, an escaped quote, or a
//     \n between two sentences), so "HTTP/1.1\r\nHost" in a code sample
//     keeps its backslashes. Named references need their semicolon
//     ("&not html" and "copy&copy2" are text); numeric references
//     128-159 are read as Windows-1252.
//  3. Mojibake (MojibakeRepairs): UTF-8 read as Windows-1252 or Latin-1,
//     once or several times, is re-decoded span by span; whole texts
//     mis-read as Windows-1251/1250, ISO 8859-2, Mac Roman or CP437 too.
//     Only text that looks broken is touched: see mojibake.go for the
//     rules that keep "MARQUÉ…", "5×£35" and "NESTLÉ®" as they are. C1
//     control characters become the Windows-1252 punctuation they stand
//     for.
//  4. Unicode hygiene (ControlChars): no-break and other odd spaces become
//     spaces; zero-width spaces, soft hyphens, BOMs, bidi embeddings and
//     control characters go; U+2028/2029 become line breaks; the text is
//     composed to NFC. Typographic quotes, dashes and ZWJ/ZWNJ stay.
//  5. Leading metadata: a date glued to the start (" date 2022-03-10 ",
//     "Published: 10 March 2022", or a first line that is only a date)
//     becomes PublishedAt (DateFromBody); banners such as "This is a
//     developing news story... Check back for possible updates..." are
//     removed (Banners).
//  6. Boilerplate (BoilerplateLines), line by line, never touching a line
//     of more than MaxBoilerplateWords words: a built-in list in English,
//     Spanish, French, German, Italian, Portuguese, Dutch, Russian and
//     Turkish ("Leave a comment", "Recomendaciones EL PAÍS", ...), short
//     lines starting with taxonomy or caption labels ("Categorized as",
//     "Image caption"), photo captions ending in a credit ("(AP
//     Photo/...)", ".../Getty Images"), lines learned per source
//     (Options.Boilerplate, see package boilerplate), related-story
//     headings with the headlines listed under them, and runs of
//     headlines sharing a kicker ("Ukraine war: ..."). Other runs of short
//     lines stay: on the BBC corpus they were lists of nominees and
//     results, real content.
//  7. Paragraphs: a blank line, sentence punctuation at a line's end, or a
//     capital at the next line's start ends a paragraph; a lower-case
//     continuation of an unfinished line joins it (hard wraps). Body holds
//     the paragraphs separated by one blank line.
//  8. Title: a first paragraph repeating Options.Title is dropped.
//     Without a title, a first paragraph that reads as a headline (short,
//     capitalised, one sentence, no full stop, followed by a longer
//     paragraph) becomes Title (TitleFromBody); a lede ends in a full
//     stop and is never taken. Dates and banners after the headline are
//     stripped as in step 5. Then the outlet's name is cut from the
//     start or the end of the title (TrimSiteName, TitleSiteName): a
//     capitalised part beyond a separator that names Options.SiteKeys or
//     holds two words of outlets' names ("News, Weather, Sports").
//  9. Lost letters (LostLetters): '?' between a letter and a lower-case
//     letter outside URLs ("Çavu?o?lu") is counted, not changed: the
//     letter cannot be recovered from the text alone, and enrich uses the
//     count to match names loosely.
//
// Clean is idempotent: Clean(r.Body, Options{Title: r.Title}) returns
// r.Body again (a property test and FuzzClean check it).
package clean
