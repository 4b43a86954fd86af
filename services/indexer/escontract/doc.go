// Package escontract is the contract suite of the indexer against a real
// Elasticsearch (ELASTICSEARCH_URL) and Kibana (KIBANA_URL). Without those
// variables every test is skipped, loudly. It checks what the double in
// estest can only imitate: that the template installs, that bulk writes
// with external versions behave as the writer expects, that search with
// collapse on cluster_id works on the real mapping, that the Kibana
// saved objects in deploy/kibana import, and that the role in
// deploy/setup/indexer-role.json is accepted and enough to index with an
// API key limited to it (the suite's credentials must be a superuser's).
//
//	ELASTICSEARCH_URL=http://localhost:9200 [ELASTICSEARCH_API_KEY=...] \
//	[KIBANA_URL=http://localhost:5601] go test ./escontract -v
package escontract
