package imagine

import "testing"

func TestButtonRequests(t *testing.T) {
	ann := Requester{Platform: Telegram, UserID: "1", Name: "ann"}
	bob := Requester{Platform: Discord, UserID: "2", Name: "bob"}
	orig := Request{Prompt: "a cat", NegativePrompt: "dogs", Steps: 20, Seed: 42, BatchSize: 3, Style: "ink", Requester: ann}
	tests := []struct {
		name string
		got  Request
		want Request
	}{
		{"reroll", orig.Reroll(bob), Request{Prompt: "a cat", NegativePrompt: "dogs", Steps: 20, Seed: -1, BatchSize: 3, Style: "ink", Requester: bob}},
		{"retry", orig.Retry(bob), Request{Prompt: "a cat", NegativePrompt: "dogs", Steps: 20, Seed: 42, BatchSize: 3, Style: "ink", Requester: bob}},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %+v, want %+v", tt.name, tt.got, tt.want)
		}
	}
	if orig.Seed != 42 || orig.Requester != ann {
		t.Errorf("the original request changed: %+v", orig)
	}
}
