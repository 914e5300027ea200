package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestMerge(t *testing.T) {
	latest := apiSpec{
		Version: "Bot API 10.1",
		Methods: map[string]apiItem{
			"sendMessage": {Fields: []apiField{
				{Name: "chat_id", Types: []string{"Integer", "String"}, Required: true},
				{Name: "reply_markup", Types: []string{"InlineKeyboardMarkup"}},
			}},
		},
		Types: map[string]apiItem{
			"InlineKeyboardMarkup": {Fields: []apiField{{Name: "inline_keyboard", Types: []string{"Array of Array of InlineKeyboardButton"}, Required: true}}},
			"InlineKeyboardButton": {Fields: []apiField{{Name: "text", Types: []string{"String"}, Required: true}}},
			"InputMediaPhoto":      {Fields: []apiField{{Name: "type", Types: []string{"String"}, Required: true, Description: "Type of the media, must be photo"}}},
			"Unrelated":            {Fields: []apiField{{Name: "x", Types: []string{"String"}}}},
		},
	}
	legacy := apiSpec{
		Methods: map[string]apiItem{
			"sendMessage": {Fields: []apiField{
				{Name: "chat_id", Types: []string{"Integer", "String"}, Required: true},
				{Name: "reply_to_message_id", Types: []string{"Integer"}},
			}},
			"setStickerSetThumb": {Fields: []apiField{{Name: "name", Types: []string{"String"}, Required: true}}},
		},
	}
	out := merge(latest, legacy)

	var names []string
	for _, f := range out.Methods["sendMessage"].Fields {
		names = append(names, f.Name)
	}
	if want := []string{"chat_id", "reply_markup", "reply_to_message_id"}; !slices.Equal(names, want) {
		t.Errorf("sendMessage fields %v, want %v", names, want)
	}
	if f := out.Methods["sendMessage"].Fields[2]; !f.Legacy || f.Required {
		t.Errorf("reply_to_message_id %+v, want optional legacy", f)
	}
	if m, ok := out.Methods["setStickerSetThumb"]; !ok || !m.Legacy || m.Fields[0].Required {
		t.Errorf("removed method %+v (present %v), want it kept as legacy with optional fields", m, ok)
	}
	if _, ok := out.Types["InlineKeyboardButton"]; !ok {
		t.Error("InlineKeyboardButton (reachable through an Array of Array) is missing")
	}
	if _, ok := out.Types["Unrelated"]; ok {
		t.Error("a type no parameter can carry was kept")
	}
	if _, ok := out.Types["InputMediaPhoto"]; ok {
		t.Error("InputMediaPhoto is unreachable here but was kept")
	}
	if got := mustBe.FindStringSubmatch("Type of the media, must be photo"); got == nil || got[1] != "photo" {
		t.Errorf("discriminator match %v, want photo", got)
	}
}

// TestGeneratedSpecUpToDate regenerates the embedded tables from the inputs
// in testdata and compares them, and the licence note, with the committed
// files byte for byte.
func TestGeneratedSpecUpToDate(t *testing.T) {
	out := filepath.Join(t.TempDir(), "specdata.json")
	if err := run([]string{"-dir", "testdata", "-out", out}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"specdata.json", "specdata.LICENSE"} {
		got, err := os.ReadFile(filepath.Join(filepath.Dir(out), name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("generated %s (%d bytes) differs from the committed one (%d bytes): run go generate in telegramtest", name, len(got), len(want))
		}
	}
}
