package discord

import (
	"reflect"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// TestTextsComplete checks that every sentence of the adapter exists in
// both languages with the same formatting verbs.
func TestTextsComplete(t *testing.T) {
	v := reflect.ValueOf(texts)
	if v.NumField() == 0 {
		t.Fatal("no texts")
	}
	for i := range v.NumField() {
		text, ok := v.Field(i).Interface().(catalog.Text)
		if !ok {
			t.Fatalf("texts.%s is a %s, want a catalog.Text", v.Type().Field(i).Name, v.Field(i).Type())
		}
		if err := text.Check(); err != nil {
			t.Errorf("texts.%s: %v", v.Type().Field(i).Name, err)
		}
	}
}
