package catalog

import (
	"errors"
	"fmt"
	"reflect"
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

// CheckAll runs Check on every field of set, a struct whose fields are all
// Text values (a front end's texts.go), and reports every problem with the
// field's name. An empty struct or a field of another type is a problem too.
func CheckAll(set any) error {
	v := reflect.ValueOf(set)
	if v.Kind() != reflect.Struct || v.NumField() == 0 {
		return fmt.Errorf("catalog: %T holds no texts", set)
	}
	var errs []error
	for i := range v.NumField() {
		name, f := v.Type().Field(i).Name, v.Field(i)
		if f.Type() != reflect.TypeFor[Text]() {
			errs = append(errs, fmt.Errorf("%s is a %s, not a catalog.Text", name, f.Type()))
			continue
		}
		// Read through the fields: Interface panics on unexported ones.
		t := Text{EN: f.Field(0).String(), ZH: f.Field(1).String()}
		if err := t.Check(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}
