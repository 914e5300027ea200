package discord

import (
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// TestTextsComplete checks that every sentence of the adapter exists in
// both languages with the same formatting verbs.
func TestTextsComplete(t *testing.T) {
	if err := catalog.CheckAll(texts); err != nil {
		t.Error(err)
	}
}
