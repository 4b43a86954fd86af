// Package chaos proves under faults, load and hostile input that newsflow
// loses nothing and lets no one in.
//
// The harness runs the real pipeline: the five service binaries built from
// services/* as separate OS processes, a NATS server (or a three-node
// cluster) started in this process on loopback with JetStream in a temporary
// directory, and the Elasticsearch double (services/indexer/estest) served on
// loopback behind a Gate, an HTTP front that logs every request and can turn
// the double off. A fault is injected while a batch of generated articles
// flows through; afterwards every article of the batch is looked up by id in
// the double and in ARTICLES_DEAD, so a Count says how many were indexed,
// dead-lettered, lost and written more than once.
//
// cmd/chaos runs the fault suite (make chaos) and cmd/load the sustained run
// through newsflow run --once (make load). The tests in this package check
// hostile input and the security settings against real components.
package chaos
