package bleveindex

import "maps"

// scorchConfig is the scorch configuration of a writable index: the
// defaults below, then the entries of override.
func scorchConfig(override map[string]any) map[string]any {
	c := map[string]any{
		"bolt_timeout": "5s",
	}
	maps.Copy(c, override)
	return c
}
