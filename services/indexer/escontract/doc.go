// Package escontract is the contract suite of the indexer against
// Elasticsearch and Kibana. With ELASTICSEARCH_URL it runs against that
// real cluster; without it, the same tests run against the double in
// estest (said loudly at the start), so that a behaviour the double gets
// wrong fails here and the double stays in step with the cluster. It
// checks that the template installs, that bulk writes with external
// versions behave as the writer expects, that search with collapse on
// cluster_id works on the real mapping (english analysis included), that
// the role in deploy/setup/indexer-role.json is accepted and enough to
// index with an API key limited to it (the suite's credentials must be a
// superuser's), and, with KIBANA_URL only, that the Kibana saved objects
// in deploy/kibana import.
//
//	ELASTICSEARCH_URL=http://localhost:9200 [ELASTICSEARCH_API_KEY=...] \
//	[KIBANA_URL=http://localhost:5601] go test ./escontract -v
package escontract
