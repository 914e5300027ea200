package telegram

import (
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// TestTextsComplete checks every sentence of texts: both languages, with
// the same formatting verbs.
func TestTextsComplete(t *testing.T) {
	if err := catalog.CheckAll(texts); err != nil {
		t.Error(err)
	}
	if got := texts.help.In("zh-CN", 1, 2, 3, 4); got == texts.help.In("en", 1, 2, 3, 4) {
		t.Errorf("the help is the same in both languages: %q", got)
	}
}
