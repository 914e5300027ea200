package config

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse feeds the loader arbitrary documents: it must return a config
// or a one-line error, never panic.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("../../config.yaml.example"); err == nil {
		f.Add(string(data))
	}
	for _, s := range []string{
		"sd: {url: http://x}\n",
		"sd:\n  url: ${SD_URL}\n  pasword: x\n",
		"sd: {backends: [{name: a, url: http://a}, {name: a, url: ftp://b}]}\n",
		"defaults: {width: ${W:-512}, height: \"${H}\"}\nstyles: [{name: s, prompt: '{prompt}', lora: 'x:y'}]\n",
		"a: &x {b: *x}\n",
		"sd: [1, 2]\n",
		"- - -\n",
		"moderation: {blocked_user_ids: [tg:1, 'dc:'], cooldown: 1h}\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		env := func(k string) string {
			if k == "W" {
				return "768"
			}
			return "x"
		}
		cfg, err := Parse([]byte(doc), env)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Parse accepted a config that Validate rejects: %v", err)
		}
	})
}
