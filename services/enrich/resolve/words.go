package resolve

import "strings"

// titleWords precede a person's name and are not part of it: "Mr Lavrov",
// "Foreign Minister Dmytro Kuleba", "U.S. Secretary of State Blinken".
// Forms are stored without a trailing period.
var titleWords = set(`Mr Mrs Ms Miss Mx Dr Prof Professor Sir Dame Lord Lady President Vice
Prime Deputy Foreign Defence Defense Interior Finance Health Economy Economic Justice Trade Energy
Education Culture Agriculture Minister Ministers Secretary Secretary-General General Gen Lt Col Colonel
Major Maj Captain Capt Sgt Sergeant Admiral Adm Cmdr Commander Senator Sen Sens Rep Reps Representative
Congressman Congresswoman Governor Gov Mayor Judge Chancellor Ambassador Envoy Spokesman
Spokeswoman Spokesperson Commissioner Chairman Chairwoman Chair Chief Executive Director King Queen
Prince Princess Crown Emperor Premier Archbishop Bishop Rev Reverend Father Sheikh Emir Ayatollah
Speaker Officer Detective Inspector Constable Coach Manager Striker Midfielder Defender Goalkeeper
State Attorney Solicitor Justice Pres Hon Mme Herr Frau Monsieur Madame Senor Señor Saint`)

// orgWords end or begin an organisation's name: "Ministry of Defence",
// "Kyiv Post", "Azov Regiment". Used only to type capitalised sequences
// the tagger did not type.
var orgWords = set(`Ministry Department University College Council Party Agency Bank Committee
Commission Organisation Organization Association Institute Corporation Company Inc Ltd Plc LLC Corp
Group Union Court Parliament Assembly Police Army Navy Force Forces Foundation Federation Fund
Service Services Office Authority Board Club Network Airlines Airways Times Post News Press Agency
Regiment Brigade Battalion Guard Church Society League Alliance Coalition Front Movement Congress Brotherhood
Senate Cabinet Government Tribunal Bureau School Trust Authority Star Sun Herald Mail Journal
Gazette Guardian Telegraph Tribune Chronicle Observer Inquirer Courier Express Reuters`)

// forceWords end the name of a force, which takes the name of its beat
// or of what it guards (cutNames).
var forceWords = set(`Police Guard Patrol`)

// placeWords end the name of a facility or a feature, which the map
// shows as a place: "Kennedy Space Center", "Museum of Flight".
var placeWords = set(`Museum Station Airport Centre Center Hall Tower Towers Bridge Square Park
Stadium Arena Palace Cathedral Mosque Temple Hospital Port Harbour Harbor Base Camp Prison Memorial
Street Avenue Road Mountain Mountains River Lake Valley Island Islands Peninsula`)

// numberedWords end names that go on with a number: "Channel 4", "BBC
// Radio 5".
var numberedWords = set(`Channel Radio`)

// possessive are the tokens of a possessive after a name.
var possessive = set(`'s ’s ' ’`)

// captionWords trail names in photo captions: "Belle Image".
var captionWords = set(`Image Images Photo Photos Picture Video File Credit Published Updated Posted`)

// connectors may stand inside a multi-word name.
var connectors = set(`of the for and on in de du des la le von van der den al el bin ibn y da do dos das`)

// junkWords are capitalised words that are never an entity on their own:
// weekdays, months, discourse words, and ordinary words that begin
// sentences or headlines.
var junkWords = set(`Christmas Easter Ramadan Eid Thanksgiving Halloween Diwali Hanukkah Passover Lent
DVD DVDs CD CDs PC PCs TV DJ DJs MP3 GPS SMS PDA PDAs R&B CEO GDP VAT HIV Aids AIDS Wi-Fi WiFi ID GPRS GSM LCD WAP VoIP Budget
Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Wed Thu Fri Sat Sun
January February March April May June July August September October November December Jan Feb Mar Apr
Jun Jul Aug Sep Sept Oct Nov Dec Meanwhile However But And Or So Yet Still Also Then Now Today Tonight
Yesterday Tomorrow Earlier Later Last Next This That These Those There Here Where When What Who Why How
Which While Although Though Because Since After Before During Despite Instead Moreover Furthermore
Nevertheless Nonetheless Indeed Thus Hence Therefore Overall Finally Firstly Secondly First Second Third
The A An In On At By For From With Without Into Onto Of To As If Unless Until Upon Under Over About
Above Below Between Among Against Through Throughout Across Around Near Like Unlike He She It We They
You I Him Her Them Us Me My Our Their His Its Your Mine Ours Theirs Some Many Much Most More Few
Several All Both Each Every Any No None Not Nor Neither Either Other Another Such Only Even Just
Perhaps Maybe Please Thank Thanks Yes Okay OK Well Oh Ah Hello Dear Sources Officials Police Reporting
Editing Writing Additional Photo Video Image Watch Read Listen Live Update Updated Breaking Exclusive
Analysis Opinion Comment Editorial Advertisement Share Follow Subscribe Sign Click Reporters Reporter
Staff Correspondent Witnesses Residents People Authorities Government Ministry Minister President
Mr Mrs Ms Dr Sir Asked Speaking According Following Including Regarding Asked Said Says Told Added
Noting Citing Amid Citing North South East West Northern Southern Eastern Western Central New Old Great
Big Small High Low Top Bottom Early Late Full Half Free Good Bad Best Worst Major Minor Mobile Reading
Bath Nice Split Orange Hope Deal Sale Surprise Independence Liberty Commerce Industry Progress Union
Concord Providence Temple Police Bar Born Male Of Buffalo Enterprise Marathon Victory Mercy Truth
Justice Peace War Army Navy Air Sea Land Border City Town Village Capital State Region Province
District County Island Islands Coast River Lake Mount Valley Street Square Park Road Bridge Port Airport
Station Centre Center Republic Kingdom Federation Empire Embassy Church Cathedral Palace House Hall
Summit Talks Conference Crisis Covid Coronavirus Spring Summer Autumn Winter Muslim Christian Jewish Hindu Islamic Muslims Christians Jews Hindus Buddhists Sikhs Arabs
Catholics Protestants Sunnis Shias Shiites Europeans Africans Americans Asians Westerners God Allah
English British French German Spanish Italian Russian Chinese Japanese Korean Latin Greek Arabic Hebrew
Turkish Ukrainian Polish Dutch Swedish Norwegian Danish Finnish Portuguese Irish Scottish Welsh Indian
Pakistani Iranian Iraqi Syrian Israeli Palestinian Egyptian Saudi African American Canadian Mexican
Brazilian Australian European Asian Western Eastern Soviet Kurdish Persian Hindi Urdu Swahili`)

// functionWords never end a name: "Regina Ip In" is "Regina Ip".
var functionWords = set(`in on at by for from with to of the a an and or but as is was said says told
after before during since while when where who which that this these those he she it they we`)

// commonLower are ordinary English words: a gazetteer name that is also
// one of them (lower-cased) needs the tagger's support to count.
var commonLower = func() map[string]bool {
	m := make(map[string]bool, len(junkWords))
	for w := range junkWords {
		m[strings.ToLower(w)] = true
	}
	for w := range set(`police mobile reading bath nice split orange hope deal sale surprise
	independence liberty commerce industry progress union concord providence temple bar born male of
	buffalo enterprise marathon victory mercy say van best battle florence aurora mission lincoln
	troy sterling mercedes colon cancer moron batman marks hit ede goes tete ur gap why are mine
	opportunity paradise carmen dolores esperanza celebration man bury wells rugby derby sandwich hull
	mold sale deal kent nancy regina`) {
		m[w] = true
	}
	return m
}()

func set(words string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// trailingTitles follow a name and are not part of it: "Margaret Moran MP".
var trailingTitles = set(`MP MPs MEP MEPs MSP AM QC KC Jr Sr`)

// personTitles start a "Title Name" pattern: a person follows.
var personTitles = set(`Mr Mrs Ms Miss Dr Prof Professor Sir Dame Lord Lady President Minister Secretary
Secretary-General Chancellor Senator Sen Sens Rep Reps Governor Gov Mayor Judge Ambassador Envoy Spokesman
Spokeswoman Spokesperson Gen General Col Colonel Lt Capt Captain Sgt Admiral King Queen Prince Princess
Pope Premier Sheikh Emir Ayatollah Archbishop Bishop Rev Reverend Commissioner Chairman Chairwoman MP MEP`)

// foreignCommon are place names that are also common words in other
// languages the pipeline sees (German nouns are capitalised).
var foreignCommon = set(`essen halle hof ende mode bad wald weil lauf mark bergen hamm marl herne
moers witten celle gotha dessau mayo sol leon aire este lugo ocean porto mar salto`)

// leadingJunk words open a tagger span but not a name: "All Alfa Romeo",
// "Meanwhile NATO", "Former President Obama", prepositions that open a
// sentence ("Across Gaza, Hamas ...", "Given AstraZeneca is ...").
var leadingJunk = set(`all some many both former only even every each several most more no not also
then now today yesterday meanwhile however but and or so a an this that these those our their his her
its my your late ex neither either nor across given amid despite during following without within
unlike among against earlier later`)

// subBrandWords follow an organisation's name in the name of one of its
// outlets or departments, which is the same body: "BBC News", "BBC Radio
// 4", "BBC World Service", "Reuters Online".
var subBrandWords = set(`News Sport Sports Radio Online Website Web TV Television One Two Three Four
Five World Service Interactive Digital Newsnight Breakfast`)

// sportWords mark a sports story, where a one-word name the tagger calls
// a person but the gazetteer knows as a town is a club ("Chelsea beat
// Arsenal").
var sportWords = set(`match matches league goal goals cup season striker midfielder defender goalkeeper
club clubs coach champions championship tournament rugby football soccer cricket squad premiership
scored score win won defeat draw semi-final final fixture kick-off penalty tries`)

// Cue words next to a name type it for the whole article (one cue is
// enough, as with titles). workBefore and workAfter mark a film, show,
// book or game ("the film Million Dollar Baby", "Vera Drake star Imelda
// Staunton", "Harry Potter author"); bandBefore a band; orgBefore,
// orgAfter and orgAtBefore a company ("mobile firm Sony Ericsson",
// "Electronic Arts spokesman", "analysts at Jupiter Research").
var (
	workBefore = set(`film films movie movies album albums single song songs show shows series sitcom soap drama documentary programme program game games novel book play musical opera biopic
	comedy comedies thriller thrillers epic blockbuster cartoon animation romance remake`)
	workAfter = set(`star stars co-star actor actress film films movie album soundtrack sequel author premiere screenplay trailer book books novel novels franchise dvd
	sitcom`)
	// broadcastAfter follow a programme's name, and a broadcaster's too
	// ("the Channel 4 series", "an MTV show"): they mark only names of
	// several words with no number, acronym or organisation word ("the
	// BBC's Go Digital programme", "the CSI: Crime Scene Investigation
	// series", "Top of the Pops presenter Fearne Cotton").
	broadcastAfter = set(`programme programmes series show presenter presenters`)
	// broadcastWords near a programme's name: "Celebrity Big Brother
	// attracted fewer viewers".
	broadcastWords = set(`viewers ratings episode episodes contestant contestants housemates evicted eviction`)
	// broadcasterWords name channels, not programmes: "Sky News", "BBC
	// Three".
	broadcasterWords = set(`News Sport Sports Radio TV Television Channel Online One Two Three Four Five`)
	// authoredWork follow an author's name as well as a title: "the Mike
	// Leigh film", "the new Robbie Williams album".
	authoredWork = set(`film movie album book novel sitcom`)
	// workAppositive head an apposition after a title: "The Aviator, a
	// film biography of Howard Hughes", "The Da Vinci Code, an adaptation
	// of the bestseller".
	workAppositive = set(`film movie album single song show series sitcom drama documentary programme novel book play musical biopic
	comedy thriller adaptation biography sequel prequel spin-off blockbuster`)
	// workRoleBefore come before a title that the tagger did not call a
	// person: "Oscar hopefuls The Aviator", "multiple Oscar nominee Million
	// Dollar Baby" (a person nominee is typed person: "nominee Jamie Foxx").
	workRoleBefore = set(`nominee nominees hopeful hopefuls contender contenders`)
	// prepositions end the head of an apposition: "a spokesman for the
	// show".
	prepositions = set(`of for by from in on at with about to as behind under over into through between against among without within`)
	// playWords open a part played: "playing a boxer in Million Dollar
	// Baby".
	playWords = set(`play plays playing played`)
	// workFor, workIn and workOf come before "for", "in" and "of" ahead
	// of a title: "nominations for Eternal Sunshine of the Spotless
	// Mind", "her role in Finding Neverland", "the series of Celebrity
	// Big Brother".
	workFor = set(`nomination nominations nominated nod nods award awards oscar oscars bafta baftas globe globes prize picture
	actor actress director screenplay`)
	workIn = set(`role roles starring starred cameo`)
	workOf = set(`series episode episodes sequel remake version edition cast launch demo`)
	// bestWorks are award categories of works: "The Aviator for best
	// film".
	bestWorks = set(`film picture movie documentary comedy drama musical album single song play show series game`)
	// strictSportWords are used by sport alone.
	strictSportWords = set(`league goalkeeper striker midfielder defender premiership rugby football soccer cricket squad
	fixture kick-off penalty tries goals`)
	// numberWords after a number make it a quantity, not a version:
	// "Nokia 3 million".
	numberWords = set(`million billion thousand hundred per percent years months weeks days times`)
	// personBefore are role nouns written before a person's name, for
	// persons whose first name the tagger does not know: "actor Keanu
	// Reeves", "defender Kolo Toure", "author JK Rowling".
	personBefore = set(`actor actress singer songwriter rapper author writer novelist playwright comedian presenter
	film-maker filmmaker star defender striker midfielder goalkeeper winger captain coach boss chairman spokesman
	spokeswoman founder`)
	// productAfter mark a product, shown no more than a film: "Xbox
	// console", "Nintendo DS handheld".
	productAfter = set(`console consoles handheld handhelds`)
	// workAfterComma follow a comma after a film: "The Aviator, starring".
	workAfterComma = set(`starring directed written`)
	// workAfterThe follow a name after "the": "the Harry Potter games",
	// "the Harry Potter series" (not "Chelsea games").
	workAfterThe = set(`game games series saga trilogy franchise dvd`)
	// workListBefore introduce examples after a plural work noun: "films
	// like Harry Potter", "movies such as Shrek", "games including Halo".
	workListBefore = set(`like including`)
	// exampleWorks are plural nouns of works that only introduce
	// examples: "other hits including Street Life", "classics such as
	// Lunar Lander".
	exampleWorks = set(`hits singles tracks titles classics`)
	// malware name programs, which are not shown as works are not: "the
	// Zafi virus", "viruses such as Gaobot", "the Netsky and Sasser virus
	// families" (not a place the gazetteer knows, which no work cue hides:
	// "the Wuhan virus").
	malware = set(`virus viruses worm worms trojan trojans mailer mailers`)
	// venueAfter follow a ground's name ("the Paseo de Anoeta stadium");
	// venueBefore come before "the" and a ground in a sports story
	// ("moved to the Bernabeu", "at the Riverside").
	venueAfter = set(`stadium ground`)
	// clubRoleAfter follow a club's name, not a town's, in a sports story:
	// "Newcastle prop Ed Kalman", "Leicester coach".
	clubRoleAfter = set(`prop striker defender midfielder winger captain coach boss manager hooker fly-half scrum-half
	flanker full-back goalkeeper keeper skipper player players fans supporters lock wing forward centre`)
	venueBefore = set(`at to from`)
	bandBefore  = set(`band bands duo`)
	// pluralVerbs after a name typed person that opens a sentence make it
	// a band: "Franz Ferdinand were".
	pluralVerbs = set(`were are have 're 've`)

	// bandAfter and bandPossessed: "Franz Ferdinand singer Alex
	// Kapranos", "Franz Ferdinand's album".
	bandAfter     = set(`frontman singer guitarist drummer bassist`)
	bandPossessed = set(`album albums single singles tour frontman singer guitarist drummer`)
	orgBefore     = set(`firm firms company companies maker makers carmaker carmakers giant rival rivals retailer operator operators carrier publisher developer broadcaster label consultancy journal magazine newspaper tabloid analysts consultants`)
	// orgPossessed follow "'s" after a company: "Sony Ericsson's profits".
	orgPossessed = set(`profit profits sales revenue revenues shares share products customers subscribers website stores staff shareholders`)
	orgAfter     = set(`Inc Ltd Corp plc spokesman spokeswoman spokesperson shares boss bosses executive executives analyst analysts customers subscribers employees`)
	orgAtBefore  = set(`analyst analysts researcher researchers spokesman spokeswoman executive executives boss engineers
	consultant consultants economist economists strategist strategists`)
	// orgOfBefore come before "of" and a publication or a company: "editor
	// of The Scotsman", "the editor in chief of Microprocessor Report".
	orgOfBefore = set(`editor editors chief founder founders`)
)

// orgSuffixes end the names of companies and publications and hardly
// ever a person's: a name of several words the tagger calls a person that
// ends in one is an organisation ("Saint Bernard Software", "Jupiter
// Research", "Screen Digest").
var orgSuffixes = set(`Software Research Digest Media Group Holdings Systems Networks Technologies Technology Labs Studios
Pictures Records Entertainment Communications Telecom Electronics Motors Airlines Airways Pharmaceuticals Insurance
Securities Investments Associates Consulting Solutions Interactive Magazine Journal Gazette Tribune Watch`)

// greetingWords and holidays make a greeting: "Merry Christmas", "Happy
// Easter" (Merry and Happy are first names too: "Johnnie Christmas" is a
// person).
var (
	greetingWords = set(`Merry Happy Joyous Blessed`)
	holidays      = set(`Christmas Easter Ramadan Eid Thanksgiving Halloween Diwali Hanukkah Passover Hogmanay`)
)

// eventWords end the name of an event, a competition or an award, which
// is neither a person nor an organisation: "Academy Awards", "Consumer
// Electronics Show", "Six Nations", "General Election". They apply only to
// names the gazetteer does not know ("United Nations" is curated).
var eventWords = set(`Awards Award Show Festival Championship Championships Cup Games Olympics Prize Trophy Tournament Expo Fair Marathon Election Elections Globe Globes Nations`)

// maleTitles and femaleTitles tell whose name a title opens: "Mrs Blair"
// is not Tony Blair. peerTitles stay in a peer's name when the article
// gives no first name: "Lord Falconer".
var (
	maleTitles   = set(`Mr Sir Lord King Prince Herr Monsieur Senor Señor Congressman Chairman Spokesman Father Sheikh Emir`)
	femaleTitles = set(`Mrs Ms Miss Dame Lady Queen Princess Madame Mme Frau Congresswoman Chairwoman Spokeswoman`)
	peerTitles   = set(`Lord Lady`)
)

// awardNouns follow an award's name: "a Bafta win", "the Grammy
// nominations" (awardsPlural).
var awardNouns = set(`award awards win winner winners nomination nominations nominee nominees ceremony`)
