// Package ner finds names of people, organisations, places and other
// entities (PER, ORG, LOC, MISC) in English text.
//
// The model is an averaged structured perceptron over BILOU tags with a
// first-order Viterbi decoder, trained on CoNLL-2003 by cmd/nertrain. Its
// weights are embedded in the package (model.bin.gz) and decoded once by
// Load. See README.md for the features, training and scores.
package ner
