package telegram

import (
	"reflect"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// TestTextsComplete checks every sentence of texts: both languages, with
// the same formatting verbs.
func TestTextsComplete(t *testing.T) {
	v := reflect.ValueOf(texts)
	if v.NumField() == 0 {
		t.Fatal("texts has no fields")
	}
	for i := range v.NumField() {
		f := v.Field(i)
		text := catalog.Text{EN: f.FieldByName("EN").String(), ZH: f.FieldByName("ZH").String()}
		if err := text.Check(); err != nil {
			t.Errorf("texts.%s: %v", v.Type().Field(i).Name, err)
		}
	}
	if got := texts.help.In("zh-CN", 1, 2, 3, 4); got == texts.help.In("en", 1, 2, 3, 4) {
		t.Errorf("the help is the same in both languages: %q", got)
	}
}
