package catalog

import (
	"fmt"
	"regexp"
	"slices"
)

// Text is one user-visible sentence as a fmt format in each language.
type Text struct {
	EN, ZH string
}

// In renders t in the language of locale with args.
func (t Text) In(locale string, args ...any) string {
	format := t.EN
	if LangOf(locale) == Chinese && t.ZH != "" {
		format = t.ZH
	}
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// Check reports a Text that lacks a language or whose languages use
// different formatting verbs, so that no user sees a missing or garbled
// sentence.
func (t Text) Check() error {
	if t.EN == "" || t.ZH == "" {
		return fmt.Errorf("catalog: en %q, zh %q: want both", t.EN, t.ZH)
	}
	en, zh := verb.FindAllString(t.EN, -1), verb.FindAllString(t.ZH, -1)
	slices.Sort(en)
	slices.Sort(zh)
	if !slices.Equal(en, zh) {
		return fmt.Errorf("catalog: verbs %v in %q, %v in %q", en, t.EN, zh, t.ZH)
	}
	return nil
}
