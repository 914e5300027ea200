package imagine

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// ParseInline reads a prompt with inline options, as users type them on
// both platforms:
//
//	a lighthouse at dusk --ar 16:9 --steps 25 --seed 42 --no people, boats --style anime --n 2 --hr
//	a fox --model flux1-dev --cfg 1 --sampler Euler --scheduler Simple --lora add_detail:0.6
//	the same as a watercolour --strength 0.45   (with a picture: img2img)
//
// The value of --model, --sampler, --scheduler, --lora and --style is one
// word, or several in double quotes (--sampler "DPM++ 2M"); names are also
// matched without spaces and underscores, so --sampler dpm++_2m works too.
//
// Options may stand anywhere; the rest of the text is the prompt, passed on
// unchanged (weights, \( escapes, embeddings and <lora:...> tags included),
// except that a prompt that shows nothing (see IsBlank) becomes "".
// "—" (a dash phones substitute for "--") works like "--". Only the syntax is
// checked here; Settings.Resolve checks the values against the limits.
func ParseInline(text string, who Requester) (Request, error) {
	r := NewRequest("", who)
	toks := tokenize(text)
	var pieces []string // the prompt's text between options
	last := 0           // end of the text consumed so far
	seen := map[string]bool{}
	for i := 0; i < len(toks); {
		name, ok := optionName(toks[i].text)
		if !ok {
			i++
			continue
		}
		pieces = append(pieces, text[last:toks[i].start])
		opt := canonical(name)
		if opt == "" {
			return Request{}, userErr(ErrBadOption, catalog.MsgUnknownOption, toks[i].text)
		}
		if seen[opt] {
			return Request{}, userErr(ErrBadOption, catalog.MsgRepeatedOption, opt)
		}
		seen[opt] = true
		// Tokens i+1 up to end are the value: none for --hr, every token
		// up to the next option for --no, else one token.
		end := i + 1
		switch opt {
		case "--hr":
		case "--no":
			for end < len(toks) && !isOption(toks[end].text) {
				end++
			}
		default:
			end = valueEnd(toks, end)
		}
		var value string
		if end > i+1 {
			value = unquote(text[toks[i+1].start:toks[end-1].end])
		}
		if err := r.setOption(opt, value); err != nil {
			return Request{}, err
		}
		last, i = toks[end-1].end, end
	}
	pieces = append(pieces, text[last:])
	for i := range pieces {
		pieces[i] = strings.TrimSpace(pieces[i])
	}
	r.Prompt = joinNonEmpty(pieces, " ")
	if IsBlank(r.Prompt) {
		r.Prompt = ""
	}
	return r, nil
}

func joinNonEmpty(parts []string, sep string) string {
	parts = slices.DeleteFunc(parts, func(s string) bool { return s == "" })
	return strings.Join(parts, sep)
}

// optionExamples are the example values shown when an option has none.
var optionExamples = map[string]string{
	"--ar": "--ar 16:9", "--size": "--size 768x512", "--steps": "--steps 25", "--seed": "--seed 42",
	"--no": "--no people, text", "--style": "--style NAME", "--n": "--n 2",
	"--cfg": "--cfg 7", "--sampler": "--sampler Euler", "--scheduler": "--scheduler Karras",
	"--model": "--model NAME", "--lora": "--lora NAME:0.8", "--strength": "--strength 0.6",
}

// Quotes that may enclose a value of several words.
const (
	openQuotes  = "\"“"
	closeQuotes = "\"”"
)

// valueEnd returns the end (exclusive) of the one-word value starting at
// toks[i]: the next token, or every token up to the one that closes a
// double quote the value opens. A quote that is never closed takes one word.
func valueEnd(toks []token, i int) int {
	if i >= len(toks) || isOption(toks[i].text) {
		return i
	}
	first := toks[i].text
	q, size := utf8.DecodeRuneInString(first)
	if !strings.ContainsRune(openQuotes, q) {
		return i + 1
	}
	for j := i; j < len(toks); j++ {
		t := toks[j].text
		if j == i {
			t = t[size:]
		}
		if r, _ := utf8.DecodeLastRuneInString(t); t != "" && strings.ContainsRune(closeQuotes, r) {
			return j + 1
		}
	}
	return i + 1
}

// unquote strips the double quotes around a value.
func unquote(v string) string {
	f, fs := utf8.DecodeRuneInString(v)
	l, ls := utf8.DecodeLastRuneInString(v)
	if len(v) >= fs+ls && strings.ContainsRune(openQuotes, f) && strings.ContainsRune(closeQuotes, l) {
		return strings.TrimSpace(v[fs : len(v)-ls])
	}
	return v
}

func (r *Request) setOption(opt, value string) error {
	if value == "" && opt != "--hr" {
		return userErr(ErrBadOption, catalog.MsgMissingValue, opt, optionExamples[opt])
	}
	var err error
	switch opt {
	case "--ar":
		r.Aspect, err = ParseRatio(value)
	case "--size":
		r.Width, r.Height, err = parseSize(value)
	case "--steps":
		r.Steps, err = parseInt(opt, value)
	case "--n":
		r.BatchSize, err = parseInt(opt, value)
	case "--seed":
		r.Seed, err = strconv.ParseInt(value, 10, 64)
		if err != nil {
			err = userErr(ErrBadOption, catalog.MsgBadNumber, opt, value)
		}
	case "--no":
		r.NegativePrompt = value
	case "--style":
		r.Style = value
	case "--hr":
		r.HiresFix = true
	case "--cfg":
		r.CFGScale, err = parseDecimal(opt, value)
	case "--sampler":
		r.Sampler = value
	case "--scheduler":
		r.Scheduler = value
	case "--model":
		r.Model = value
	case "--lora":
		r.Lora = value
	case "--strength":
		r.Strength, err = parseDecimal(opt, value)
	}
	if err == nil && value != "" && opt != "--no" && strings.TrimSpace(value) == "" {
		err = userErr(ErrBadOption, catalog.MsgMissingValue, opt, optionExamples[opt])
	}
	return err
}

// parseDecimal reads a number such as 7 or 3.5 (a decimal comma works too).
func parseDecimal(opt, value string) (float64, error) {
	f, err := strconv.ParseFloat(strings.Replace(value, ",", ".", 1), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, userErr(ErrBadOption, catalog.MsgBadDecimal, opt, value)
	}
	return f, nil
}

// canonical maps an option name and its aliases to the canonical spelling,
// or "" if the option is unknown.
func canonical(name string) string {
	switch strings.ToLower(name) {
	case "ar", "aspect":
		return "--ar"
	case "size":
		return "--size"
	case "steps", "step":
		return "--steps"
	case "seed":
		return "--seed"
	case "no", "neg", "negative":
		return "--no"
	case "style":
		return "--style"
	case "n", "batch", "count":
		return "--n"
	case "hr", "hires":
		return "--hr"
	case "cfg", "cfg_scale", "cfg-scale", "guidance":
		return "--cfg"
	case "sampler":
		return "--sampler"
	case "scheduler", "schedule":
		return "--scheduler"
	case "model", "checkpoint", "ckpt":
		return "--model"
	case "lora":
		return "--lora"
	case "strength", "denoise":
		return "--strength"
	}
	return ""
}

// optionName returns "steps" for "--steps" or "—steps"; ok is false for
// anything that is not an option (including a lone "--").
func optionName(tok string) (string, bool) {
	var rest string
	switch {
	case strings.HasPrefix(tok, "--"):
		rest = tok[2:]
	case strings.HasPrefix(tok, "—"), strings.HasPrefix(tok, "–"):
		_, size := utf8.DecodeRuneInString(tok)
		rest = tok[size:]
	default:
		return "", false
	}
	if rest == "" {
		return "", false
	}
	for _, c := range rest {
		if !unicode.IsLetter(c) && c != '-' && c != '_' {
			return "", false
		}
	}
	return rest, true
}

func isOption(tok string) bool {
	_, ok := optionName(tok)
	return ok
}

func parseInt(opt, value string) (int, error) {
	n, err := strconv.Atoi(value)
	if err != nil {
		return 0, userErr(ErrBadOption, catalog.MsgBadNumber, opt, value)
	}
	return n, nil
}

// parseSize reads "768x512" (also with "×", "X" or "*").
func parseSize(value string) (w, h int, err error) {
	f := strings.FieldsFunc(value, func(r rune) bool { return r == 'x' || r == 'X' || r == '×' || r == '*' })
	if len(f) == 2 {
		w, err1 := strconv.Atoi(strings.TrimSpace(f[0]))
		h, err2 := strconv.Atoi(strings.TrimSpace(f[1]))
		if err1 == nil && err2 == nil && w > 0 && h > 0 {
			return w, h, nil
		}
	}
	return 0, 0, userErr(ErrBadOption, catalog.MsgBadSize, value)
}

// ParseRatio reads an aspect ratio such as "16:9" (also "16x9", "16/9" or
// with a full-width colon), each side from 1 to 100. It checks only the
// syntax: Settings.Resolve refuses ratios beyond 1:4 and 4:1. Its error is a
// *UserError of kind ErrBadOption worded for the inline --ar option; an
// adapter with its own option names may word its own.
func ParseRatio(value string) (Ratio, error) {
	f := strings.FieldsFunc(value, func(r rune) bool { return r == ':' || r == 'x' || r == '/' || r == '：' })
	if len(f) == 2 {
		w, err1 := strconv.Atoi(f[0])
		h, err2 := strconv.Atoi(f[1])
		if err1 == nil && err2 == nil && w > 0 && h > 0 && w <= 100 && h <= 100 {
			return Ratio{W: w, H: h}, nil
		}
	}
	return Ratio{}, userErr(ErrBadOption, catalog.MsgBadAspect, value)
}

// token is a whitespace-separated word of the text with its byte offsets.
type token struct {
	text       string
	start, end int
}

func tokenize(s string) []token {
	var toks []token
	start := -1
	for i, c := range s {
		if unicode.IsSpace(c) {
			if start >= 0 {
				toks = append(toks, token{s[start:i], start, i})
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		toks = append(toks, token{s[start:], start, len(s)})
	}
	return toks
}
