package clean

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// LineSet holds boilerplate lines learned elsewhere, such as per source
// from the lines that recur across its articles. Keys are LineKey values.
type LineSet interface {
	Contains(key string) bool
}

// Lines is a LineSet backed by a map; the zero value is empty.
type Lines map[string]bool

// Contains reports whether key is in the set.
func (l Lines) Contains(key string) bool { return l[key] }

// MaxBoilerplateWords is the longest line, in words, that any boilerplate
// rule may remove: longer lines are paragraphs and always stay.
const MaxBoilerplateWords = 40

// LineKey normalises a line for boilerplate matching: lower case, single
// spaces, without bullets or trailing punctuation, so that "Leave a
// comment." and "• LEAVE A COMMENT" share a key.
func LineKey(line string) string {
	line = strings.TrimFunc(line, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("•·-–—*>|›»:.…!?▶►", r)
	})
	if line == "" {
		return ""
	}
	if isASCII(line) && !strings.Contains(line, "  ") {
		b := []byte(line)
		for i, c := range b {
			if c >= 'A' && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			} else if c < ' ' {
				b[i] = ' '
			}
		}
		return string(b)
	}
	var b strings.Builder
	b.Grow(len(line))
	space := false
	for _, r := range line {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// builtinLines are site-furniture lines, by LineKey, in the languages the
// pipeline sees most.
var builtinLines = makeSet(
	// English
	"categorized as news", "leave a comment", "leave a reply", "post a comment",
	"your email address will not be published. required fields are marked",
	"please use chrome browser for a more accessible video player",
	"more information", "more on this story", "related", "related articles", "related stories",
	"related topics", "related content", "related internet links", "related news", "read more", "read next",
	"read more stories", "see also", "you may also like", "you might also like", "most read", "top stories",
	"share this article", "share this", "share this story", "share", "share on facebook", "share on twitter",
	"share via email", "email", "print", "comments", "advertisement", "skip advertisement",
	"advertisement - scroll to continue", "story continues below advertisement", "continue reading",
	"continue reading the main story", "sign up for our newsletter", "subscribe to our newsletter",
	"follow us on twitter", "follow us on facebook", "media playback is unsupported on your device",
	"this video can not be played", "this video cannot be played", "all rights reserved", "loading",
	"back to top", "click here to subscribe", "sponsored content", "recommended", "trending",
	"view comments", "download our app", "listen to this article", "next post", "previous post",
	"post navigation", "like this", "like this:", "share this:", "next article", "previous article",
	// Spanish
	"recomendaciones el país", "más información", "noticias relacionadas", "te puede interesar",
	"lee también", "leer más", "compartir", "comentarios", "publicidad", "deja un comentario",
	"deja una respuesta", "suscríbete", "ver más", "contenido patrocinado",
	"tu dirección de correo electrónico no será publicada. los campos obligatorios están marcados con",
	"tu dirección de correo electrónico no será publicada",
	// French
	"lire aussi", "à lire aussi", "voir aussi", "lire la suite", "partager", "publicité",
	"laisser un commentaire", "laisser une réponse", "articles similaires", "sur le même sujet",
	"abonnez-vous", "plus d'informations", "votre adresse e-mail ne sera pas publiée",
	"votre adresse e-mail ne sera pas publiée. les champs obligatoires sont indiqués avec",
	"votre adresse de messagerie ne sera pas publiée. les champs obligatoires sont indiqués avec",
	// German
	"mehr zum thema", "weitere informationen", "lesen sie auch", "auch interessant", "teilen",
	"anzeige", "werbung", "kommentar schreiben", "hinterlasse einen kommentar", "ähnliche artikel",
	"deine e-mail-adresse wird nicht veröffentlicht. erforderliche felder sind mit markiert",
	"ihre e-mail-adresse wird nicht veröffentlicht. erforderliche felder sind mit markiert",
	"artikel teilen", "zum thema",
	// Italian
	"leggi anche", "potrebbe interessarti anche", "condividi", "pubblicità", "lascia un commento",
	"articoli correlati", "maggiori informazioni", "leggi tutto",
	"il tuo indirizzo email non sarà pubblicato. i campi obbligatori sono contrassegnati",
	// Portuguese
	"leia também", "leia mais", "compartilhe", "compartilhar", "publicidade", "deixe um comentário",
	"notícias relacionadas", "mais informações", "saiba mais", "veja também",
	"o seu endereço de email não será publicado. campos obrigatórios são marcados com",
	"o seu endereço de e-mail não será publicado. campos obrigatórios são marcados com",
	// Dutch
	"lees ook", "lees meer", "delen", "advertentie", "gerelateerde artikelen", "meer informatie",
	// Russian, Ukrainian
	"читайте также", "поделиться", "реклама", "подпишитесь", "читайте також", "поділитися",
	// Turkish
	"ilgili haberler", "paylaş", "reklam", "yorum yap", "bunlar da ilginizi çekebilir",
)

// builtinPrefixes start short site-furniture lines: taxonomy, "read more"
// teasers and caption labels.
var builtinPrefixes = []string{
	"categorized as ", "filed under", "posted in ", "tags:", "tagged:", "tagged with", "topics:",
	"archivado en", "read more:", "related:", "see also:", "also read:", "read also:", "watch:",
	"lee también:", "lire aussi :", "lire aussi:", "leggi anche:", "leia também:", "mehr zum thema:",
	"image caption", "image source", "image copyright", "media caption", "photo:", "foto:", "image:",
	"picture:", "photograph:", "pictured:", "© ", "copyright ©", "(c) copyright",
	"click here to ", "click to share on ", "click to email", "click to print", "share on ", "sign up to ", "subscribe to ",
}

// headingLines announce a list of related stories that follows them.
var headingLines = makeSet(
	"related", "related articles", "related stories", "related topics", "related content",
	"more on this story", "read more", "see also", "you may also like", "most read", "top stories",
	"noticias relacionadas", "recomendaciones el país", "lire aussi", "à lire aussi", "sur le même sujet",
	"mehr zum thema", "leggi anche", "articoli correlati", "leia também", "notícias relacionadas",
	"ilgili haberler", "читайте также", "lees ook",
)

// captionCredit matches the photo credit at the end of a caption line.
var captionCredit = regexp.MustCompile(`(?i)(\((ap|afp|reuters|epa|getty|photo|foto|pic|picture|image|credit)\b[^()]{0,80}\)|[/|]\s*(getty images|reuters|afp|ap|epa|shutterstock|anadolu( agency)?|xinhua|pa media|pa)|(^|[.!?)]\s+|\s[-–—|]\s+)(photos?|fotos?|images?|pictures?|credits?)\s*(:|by)\s*[^.!?]{1,60})\s*$`)

func makeSet(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[LineKey(k)] = true
	}
	return m
}

// isBoilerplate reports whether a single line is site furniture.
func isBoilerplate(line, key string, words int, learned LineSet) bool {
	if words > MaxBoilerplateWords || key == "" {
		return false
	}
	if builtinLines[key] {
		return true
	}
	if learned != nil && learned.Contains(key) {
		return true
	}
	if words <= 14 {
		for _, p := range builtinPrefixes {
			if strings.HasPrefix(key, p) {
				return true
			}
		}
	}
	return isCaption(line, words)
}

// isCaption reports photo captions: a short line that ends with a credit
// ("... (AP Photo/Efrem Lukatsky)", "... Photo: Jane Doe/Reuters").
func isCaption(line string, words int) bool {
	if words > 35 || strings.IndexByte(line, '(') < 0 && strings.IndexByte(line, '/') < 0 &&
		strings.IndexByte(line, '|') < 0 && strings.IndexByte(line, ':') < 0 {
		return false
	}
	// The credit is at the end and short: match only the tail, and only
	// when the tail has what some credit form needs.
	if len(line) > 120 {
		cut := len(line) - 120
		for cut < len(line) && !utf8.RuneStart(line[cut]) {
			cut++
		}
		line = line[cut:]
	}
	if !strings.HasSuffix(line, ")") && !strings.ContainsAny(line, "/|") {
		lower := strings.ToLower(line)
		if !strings.Contains(lower, "photo") && !strings.Contains(lower, "foto") && !strings.Contains(lower, "image") &&
			!strings.Contains(lower, "picture") && !strings.Contains(lower, "credit") {
			return false
		}
	}
	return captionCredit.MatchString(line)
}

// teaser reports a line that could be a related-story headline: short,
// starting with a capital or digit, and not ending like a sentence. A
// headline may end with a quotation (Putin warns West is ‘playing with
// fire’); a quotation closing a sentence (… he said.”) ends like one.
func teaser(line string, words int) bool {
	if words < 2 || words > 16 {
		return false
	}
	first, _ := utf8.DecodeRuneInString(line)
	if !unicode.IsUpper(first) && !unicode.IsDigit(first) {
		return false
	}
	last, size := utf8.DecodeLastRuneInString(line)
	if strings.ContainsRune("\"”’»'", last) {
		last, _ = utf8.DecodeLastRuneInString(line[:len(line)-size])
	}
	return !strings.ContainsRune(".!?…;,\"”’»", last)
}

// kicker returns the topic of a related-story line, or "", and the
// headline after it: the "Ukraine war" of "Ukraine war: Russia shells
// Kyiv", and of "Ukraine war latest: …" and "Ukraine war latest – …" (any
// dash, or a bullet or bar, after "latest"), so that both forms make one
// run. live is true for the "latest" forms, which are links to a live page
// even alone.
func kicker(line string) (topic, headline string, live bool) {
	i, sep := strings.Index(line, ": "), len(": ")
	if i < 0 {
		i, sep = latestSeparator(line), len(" – ")
	}
	if i <= 0 || i > 48 {
		return "", "", false
	}
	topic = line[:i]
	headline = strings.TrimSpace(line[i+1:])
	if sep != len(": ") {
		// " – ", " — ", " - ", " • ", " | ": drop the separator.
		_, headline, _ = strings.Cut(line[i:], " ")
		_, headline, _ = strings.Cut(headline, " ")
	}
	if t, ok := strings.CutSuffix(topic, " latest"); ok {
		topic, live = t, true
	}
	if topic == "" || strings.Count(topic, " ") > 3 {
		return "", "", false
	}
	return topic, headline, live
}

// relatedList reports whether a run of kicker lines with different
// topics ("REPUBLICANS: Two more say they'll vote 'no' to Kagan", "PHOTOS:
// Elena Kagan on the Hill") is a list of links to related stories rather
// than a list of labelled facts ("Best film: Million Dollar Baby", "Tries:
// Parker, Jones (2)", "19 Aug: Suu Kyi meets Thein Sein", "England (Group
// A): 10th appearance") or a transcript. Three things tell them apart in
// real scrapes, in any topic:
//   - each topic is words (a date or a number labels a fact);
//   - no two topics share a word: labels repeat theirs ("Best film",
//     "Best actor"; "Group A", "Group B"), and a transcript its speakers;
//   - at least half the headlines read as headlines: they start with a
//     capital or a quotation mark and have a lowercase word that is not a
//     function word ("Upcoming cases", "Weiner resigns amidst applause"),
//     where a label's value is a name, a title or a figure ("Jamie Foxx
//     for Ray", "60,000₩").
func relatedList(topics, headlines []string) bool {
	if len(topics) < 2 {
		return false
	}
	seen := map[string]bool{}
	for _, t := range topics {
		first, _ := utf8.DecodeRuneInString(t)
		if !unicode.IsLetter(first) {
			return false
		}
		words := map[string]bool{}
		for _, w := range strings.Fields(strings.ToLower(t)) {
			if seen[w] {
				return false
			}
			words[w] = true
		}
		for w := range words {
			seen[w] = true
		}
	}
	read := 0
	for _, h := range headlines {
		if readsAsHeadline(h) {
			read++
		}
	}
	return 2*read >= len(headlines)
}

// functionWords are the lowercase words a name or a title may contain
// ("Jamie Foxx for Ray", "Prisoner of Azkaban"), in the languages the
// built-in lists cover.
var functionWords = makeSet(
	"a", "an", "the", "of", "for", "in", "on", "at", "to", "by", "with", "from", "and", "or", "as", "vs", "v",
	"de", "del", "la", "el", "los", "las", "le", "les", "du", "des", "da", "do", "di", "e", "y", "et", "en",
	"und", "der", "die", "das", "von", "zu", "im", "van", "het", "een",
)

// readsAsHeadline reports whether the text after a kicker is phrased as
// a headline: a capital or an opening quotation mark first, then a
// lowercase word that is not a function word.
func readsAsHeadline(h string) bool {
	first, _ := utf8.DecodeRuneInString(h)
	if !unicode.IsUpper(first) && !strings.ContainsRune("\"'‘“«„", first) {
		return false
	}
	words := strings.Fields(h)
	for _, w := range words[1:] {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLower(r) && !functionWords[strings.Trim(w, ",;'’\"”")] {
			return true
		}
	}
	return false
}

// latestSeparator returns where " – " (or —, -, •, |) follows the word
// "latest" in line, or -1.
func latestSeparator(line string) int {
	i := strings.Index(line, " latest ")
	if i < 0 {
		return -1
	}
	rest := line[i+len(" latest"):]
	for _, sep := range []string{" – ", " — ", " - ", " • ", " | "} {
		if strings.HasPrefix(rest, sep) {
			return i + len(" latest")
		}
	}
	return -1
}

// countWords counts the words of a squeezed line or paragraph (trimmed,
// single spaces: what splitLines and paragraphs produce), with a SIMD
// count of its spaces.
func countWords(s string) int {
	if s == "" {
		return 0
	}
	return strings.Count(s, " ") + strings.Count(s, "\n") + 1
}
