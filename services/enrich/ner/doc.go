// Package ner finds names of people, organisations, places and other
// entities (PER, ORG, LOC, MISC) in English text.
//
// Sentences splits a text into sentences of tokens with byte offsets;
// Tagger.TagDocument returns the entity spans of each sentence. The model
// is an averaged structured perceptron over BILOU tags with a first-order
// Viterbi decoder, run in two stages: the second stage also sees what the
// first stage said about the same words elsewhere in the document. Its
// features are word identity, affixes, shapes, neighbours, document casing,
// gazetteer phrase matches and, in the second stage, document-level tag
// history. It is trained on CoNLL-2003 by cmd/nertrain; the weights (and
// the gazetteer names they refer to) are embedded in the package
// (model.bin.gz) and decoded once by Load. README.md has the features,
// the training command and the scores.
package ner
