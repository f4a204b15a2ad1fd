// Site search that understands how people ask.
//
// Material for MkDocs (written against 9.8.2) searches in a web worker: it
// splits the query with the plugin's separator, appends "*" to every word
// and hands the query to lunr. Its own options cannot fix what readers hit:
//   - every word is a prefix, so "how do I paginate" also matches "however",
//     "docstrings", "imports" and "id", which outrank the topic;
//   - a stemmer in the plugin's `pipeline` stems the index, but lunr never
//     stems a query word with a wildcard, so "pagination" typed whole then
//     finds nothing at all;
//   - a one-letter typo finds nothing.
//
// This worker runs Material's worker unchanged (overrides/main.html passes
// its URL as ?material=) and adjusts the lunr it exposes as `self.lunr`:
// each query that reaches the index, before lunr expands its words,
//   1. drops stop words (lunr's English list, the one the index was built
//      with) and one-letter words, unless nothing else is left;
//   2. matches each word's other forms: the words of the index with the same
//      stem (lunr's Porter stemmer, run over the index's words and the
//      query's alike), so "paginated" finds "pagination" and "organization"
//      finds "organisation";
//   3. for a word that matches nothing, matches the index's words one edit
//      away (lunr's fuzzy term~1), so "paginaton" finds "pagination".
//   4. ignores a bare "*" left of a word cut at a hyphen ("db-"), which
//      lunr cannot search for and Material passes on;
//   5. weighs a word's longer completions below the word itself when the
//      index has the word, so "def" is def before it is "default";
//   6. matches an annotation typed without its "@" ("Transactional" finds
//      the alias "@Transactional"), as one of the word's forms;
//   7. looks the query's words up joined as well, boosted, among the IDs
//      only: a principle's ID is indexed as one word too ("dbmigrations",
//      from the page's tags), so "DB-MIGRATIONS", split at the hyphen into
//      words its neighbours share, still ranks its own page first, while
//      typing ("db-mig") included. An ordinary tag that happens to be two
//      words joined ("healthcheck") gets no boost: "health check" is not
//      an ID, and boosting it ranked the pages with that tag first.
// Aliases and code terms match as before: they are words of the index, so
// they match themselves first.
//
// A principle's result is headed "ID · short name" (handbook/site/build.py). In
// the results shown, and only there, the ID's hyphens become non-breaking
// (U+2011), so a phone never shows STACK-/PYDANTIC; the index keeps the ID
// as published, which is what a query and a copied link use. The ID as one
// word stays in the index and out of the tags a result shows.
/* global lunr */
(function () {
  "use strict";

  var material = new URL(self.location.href).searchParams.get("material");
  if (!material || new URL(material).origin !== self.location.origin) {
    throw new Error(
      "search-worker.js needs ?material=<Material's search worker URL on this site>"
    );
  }
  // The IDs as the one word each is indexed as (handbook/site/build.py,
  // id_word), read from the documents Material's worker is set up with:
  // the joined words of a query are looked up among these only.
  var ID = /^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$/;
  var SETUP = 0;
  var idWords = new Set();
  function idWord(id) {
    return id.replace(/-/g, "").toLowerCase();
  }
  // Registered before Material's own listener, so it has run by the time
  // Material builds the index and answers a query.
  self.addEventListener("message", function (event) {
    var message = event.data;
    if (!message || message.type !== SETUP || !message.data) return;
    idWords = new Set();
    (message.data.docs || []).forEach(function (doc) {
      (doc.tags || []).forEach(function (tag) {
        if (ID.test(tag)) idWords.add(idWord(tag));
      });
    });
  });
  importScripts(material);
  if (typeof lunr === "undefined") {
    throw new Error(
      "Material's search worker no longer exposes self.lunr: " +
        "search-worker.js was written against Material 9.8.2"
    );
  }

  // Material's worker answers a search with {type: 3, data: {items}}, each
  // item a page's list of matching sections; only titles shown are changed.
  var RESULT = 3;
  var LABEL = " \u00b7 ";
  function unbreakableId(title) {
    var at = title.indexOf(LABEL);
    if (at === -1 || !ID.test(title.slice(0, at).replace(/<[^>]*>/g, ""))) return title;
    // Hyphens of the text only: a <mark data-md-highlight> tag keeps its own.
    var id = title.slice(0, at).replace(/(<[^>]*>)|-/g, function (match, tag) {
      return tag || "\u2011";
    });
    return id + title.slice(at);
  }
  // The ID as one word is for matching only: shown, it repeats the ID as a
  // chip that takes a line of each result on a phone.
  function shownTag(tag) {
    return !idWords.has(tag.replace(/<[^>]*>/g, ""));
  }
  var post = self.postMessage.bind(self);
  self.postMessage = function (message) {
    if (message && message.type === RESULT && message.data && message.data.items) {
      message.data.items.forEach(function (sections) {
        [].concat(sections).forEach(function (section) {
          if (section && typeof section.title === "string") {
            section.title = unbreakableId(section.title);
          }
          if (section && Array.isArray(section.tags)) {
            section.tags = section.tags.filter(shownTag);
          }
        });
      });
    }
    return post.apply(self, arguments);
  };

  var WILDCARD = lunr.Query.wildcard;
  // Words the index was built without are not worth matching as prefixes.
  function isStopWord(word) {
    return lunr.stopWordFilter(new lunr.Token(word)) === undefined;
  }

  // Words are grouped by stem, with British -ise spelt -ize first: the
  // handbook writes "memoised" and "organisation", readers often "memoized"
  // and "organization".
  function stem(word) {
    var american = word.replace(/(\w{3})is(e|es|ed|ing|ation|ations|er|ers)$/, "$1iz$2");
    return lunr.stemmer(new lunr.Token(american)).toString();
  }

  // The index's words grouped by stem, computed once per index.
  var families = new WeakMap();
  function familyOf(index, word) {
    var byStem = families.get(index);
    if (!byStem) {
      byStem = new Map();
      Object.keys(index.invertedIndex).forEach(function (term) {
        var key = stem(term);
        if (!byStem.has(key)) byStem.set(key, []);
        byStem.get(key).push(term);
      });
      families.set(index, byStem);
    }
    return byStem.get(stem(word)) || [];
  }

  function wordsMatching(index, tokenSet) {
    return index.tokenSet.intersect(tokenSet).toArray();
  }

  // A clause this worker may rewrite: one word, maybe a trailing "*", no
  // fuzziness of the reader's own ("term~2").
  function plainWord(clause) {
    if ("editDistance" in clause) return null;
    var word = clause.term.replace(/\*$/, "");
    return word && word.indexOf("*") === -1 ? word : null;
  }

  function matchingWords(index, word, prefix) {
    if (!prefix) return word in index.invertedIndex ? [word] : [];
    return wordsMatching(index, lunr.TokenSet.fromString(word + "*"));
  }

  // Boost of the joined words that are an ID: above any one word's matches
  // on a page.
  var JOINED_BOOST = 100;

  // The clause for the query's words joined, or null: computed before the
  // other steps rewrite the clauses, added after them, left alone by them.
  function joinedWords(index, clauses) {
    // Material may hand over a word twice ("DB-MIGRATIONS" arrives as
    // db, migrations*, db, migrations*): each word once, in order.
    var words = clauses.map(plainWord).filter(function (word, at, all) {
      return all.indexOf(word) === at;
    });
    if (words.length < 2 || words.indexOf(null) !== -1) return null;
    var last = clauses[clauses.length - 1];
    var prefix = /\*$/.test(last.term) || (last.wildcard & WILDCARD.TRAILING) !== 0;
    var joined = words.join("");
    var matches = matchingWords(index, joined, prefix).filter(function (word) {
      return idWords.has(word);
    });
    if (!matches.length) return null;
    return {
      term: joined,
      expansions: matches.slice().sort(), // lunr's TokenSet wants them sorted
      boost: JOINED_BOOST,
      fields: ["tags"], // where a principle's ID is one word
      usePipeline: false,
      wildcard: WILDCARD.NONE,
      presence: lunr.Query.presence.OPTIONAL,
    };
  }

  // A bare "*": what is left of a word cut at a separator, as in "db-"
  // while the reader types DB-MIGRATIONS. Material passes it on, and lunr
  // fails on it, so the results would vanish at every hyphen.
  function bareWildcard(clause) {
    return clause.term.replace(/\*/g, "") === "";
  }

  function understand(index, query) {
    var words = query.clauses.filter(function (clause) {
      return !bareWildcard(clause);
    });
    if (words.length) query.clauses = words;
    var joined = joinedWords(index, query.clauses);
    understandWords(index, query);
    if (joined) query.clause(joined);
  }

  function understandWords(index, query) {
    var clauses = query.clauses;
    var completions = [];
    var kept = clauses.filter(function (clause) {
      var word = plainWord(clause);
      return word === null || !isStopWord(word);
    });
    // "how do I" alone, or the first letter typed: keep the word being typed.
    query.clauses = kept.length ? kept : clauses.slice(-1);
    if (!kept.length) return;
    kept.forEach(function (clause) {
      var word = plainWord(clause);
      if (word === null) return;
      var prefix = /\*$/.test(clause.term) || (clause.wildcard & WILDCARD.TRAILING) !== 0;
      if (word.length < 2) {
        // The "x" of X-Request-ID matches "x", not every word starting with x.
        if (kept.length > 1) exactly(clause, word, null);
        return;
      }
      var matches = matchingWords(index, word, prefix);
      var forms = familyOf(index, word)
        .filter(function (term) {
          return prefix ? term.indexOf(word) !== 0 : term !== word;
        })
        .concat(annotationOf(index, word));
      var longer = prefix ? longerWords(index, word, matches) : [];
      if (longer.length && clause.presence === lunr.Query.presence.OPTIONAL) {
        exactly(clause, word, [word].concat(forms, familyOf(index, word)));
        completions.push(completing(clause, word, longer));
      } else if (matches.length && forms.length) {
        exactly(clause, word, matches.concat(forms));
      } else if (forms.length) {
        exactly(clause, word, forms).named = true;
      } else if (!matches.length && word.length >= 3) {
        var near = wordsMatching(index, lunr.TokenSet.fromFuzzyString(word, 1));
        if (near.length) exactly(clause, word, near).named = true;
      }
    });
    completions.forEach(function (clause) {
      query.clause(clause);
    });
  }

  // The annotation a word names, as the index has it: "@" does not split
  // words (mkdocs.yml's separator), so "@transactional", an alias, is one
  // word, and "Transactional" typed without the "@" matched nothing of it.
  // Matched as one of the word's forms, it weighs as much as the word.
  function annotationOf(index, word) {
    var annotation = "@" + word;
    return word.charAt(0) !== "@" && annotation in index.invertedIndex ? [annotation] : [];
  }

  // A word the index has, typed whole, is most likely what the reader means:
  // "def" is Python's def, not "default". Its longer words still match, as
  // the reader may be typing one (and "postgres" means "postgresql" too),
  // but weigh less than the word itself and its forms: "should I use sync
  // def in fastapi" ranked the page on mutable defaults, with "default" in
  // its title and tags, above the one on sync and async def. At 0.1,
  // "postgres" pages outranked "postgresql" ones; 0.3 keeps both answers.
  var COMPLETION_WEIGHT = 0.3;

  // The index's words that start with ``word`` and are neither it nor one of
  // its forms; none when the index lacks the word itself (a word cut short).
  function longerWords(index, word, matches) {
    if (!(word in index.invertedIndex)) return [];
    var family = familyOf(index, word);
    return matches.filter(function (term) {
      return term !== word && family.indexOf(term) === -1;
    });
  }

  function completing(clause, word, longer) {
    return {
      term: word,
      expansions: longer.slice().sort(),
      boost: clause.boost * COMPLETION_WEIGHT,
      fields: clause.fields,
      usePipeline: false,
      wildcard: WILDCARD.NONE,
      presence: lunr.Query.presence.OPTIONAL,
    };
  }

  // Make a clause match exactly these words of the index (lunr matches the
  // clause's term itself when there is no list).
  function exactly(clause, word, words) {
    clause.term = word;
    clause.wildcard = WILDCARD.NONE;
    clause.usePipeline = false;
    if (words) {
      clause.word = word;
      clause.expansions = words.slice().sort();
    }
    return clause;
  }

  var fromClause = lunr.TokenSet.fromClause;
  lunr.TokenSet.fromClause = function (clause) {
    return clause.expansions ? lunr.TokenSet.fromArray(clause.expansions) : fromClause(clause);
  };

  // lunr (2.3.9) builds an index's token set, the automaton a query's words
  // are matched against, by merging nodes that have the same key. The key is
  // the node's final flag, then each edge's letter and child's id run
  // together, so two different nodes can share one: edge "1" to node 123
  // and edges "1" to node 1 and "2" to node 3 both give "01123". When digits
  // follow digits (ruff's "UP006", "UP007") the wrong nodes merge: with this
  // site's index the set lost "up006" and "up007", which then found nothing,
  // and gained "up0063", which made lunr throw on any query with "up" in it
  // ("how do I set up a new project" showed no result). The key below ends
  // each id with a comma, so it names one node only. It replaces lunr's
  // before Material's worker builds the index (on its first message).
  lunr.TokenSet.prototype.toString = function () {
    var key = this.final ? "1" : "0";
    var letters = Object.keys(this.edges).sort();
    for (var i = 0; i < letters.length; i++) {
      key += letters[i] + this.edges[letters[i]].id + ",";
    }
    return key;
  };

  var query = lunr.Index.prototype.query;
  lunr.Index.prototype.query = function (build) {
    var index = this;
    var rewritten = [];
    var results = query.call(this, function (q) {
      build.call(q, q);
      understand(index, q);
      rewritten = q.clauses.filter(function (clause) {
        return clause.named;
      });
    });
    // Material marks a query word "missing" from a result unless a matched
    // word starts with it, and ranks such a result lower. When the index has
    // no word starting with the reader's, name it on the results that matched
    // one of its other forms or a word one edit away. Where the index has the
    // word itself, the pages with it keep that advantage over other forms.
    results.forEach(function (result) {
      var metadata = result.matchData.metadata;
      var matched = Object.keys(metadata);
      rewritten.forEach(function (clause) {
        var found = matched.some(function (term) {
          return clause.expansions.indexOf(term) !== -1;
        });
        var named = matched.some(function (term) {
          return term.indexOf(clause.word) === 0;
        });
        if (found && !named) metadata[clause.word] = {};
      });
    });
    return results;
  };
})();
