package imagine

import (
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// Checkpoint file extensions that model names are matched without.
var modelExts = []string{".safetensors", ".ckpt", ".pt", ".pth", ".bin", ".gguf", ".sft"}

// modelKey is the form of a checkpoint name that names are compared in:
// lower case, without the " [hash]" A1111 titles end with and without the
// file extension. "SDXL/Pony.safetensors [abc123]" becomes "sdxl/pony".
func modelKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.LastIndex(s, " ["); i >= 0 && strings.HasSuffix(s, "]") {
		s = strings.TrimSpace(s[:i])
	}
	for _, ext := range modelExts {
		if strings.HasSuffix(s, ext) && len(s) > len(ext) {
			return s[:len(s)-len(ext)]
		}
	}
	return s
}

// baseName drops the folders of a checkpoint in a subfolder.
func baseName(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		return s[i+1:]
	}
	return s
}

// modelForms lists the lower-case forms a checkpoint's title and name are
// known by: as given, without the hash, without hash and extension, and
// each of those without folders.
func modelForms(m Model) []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, s := range []string{m.Title, m.Name} {
		low := strings.ToLower(strings.TrimSpace(s))
		noHash := low
		if i := strings.LastIndex(low, " ["); i >= 0 && strings.HasSuffix(low, "]") {
			noHash = strings.TrimSpace(low[:i])
		}
		for _, f := range []string{low, noHash, modelKey(s)} {
			add(f)
			add(baseName(f))
		}
	}
	return out
}

// NameMatches reports whether name, as a user typed it, names m: its name
// or title, in any case, with or without extension and hash, with or
// without its folders.
func NameMatches(name string, m Model) bool {
	k := modelKey(name)
	return k != "" && slices.Contains(modelForms(m), k)
}

// globMatches reports whether the glob (path.Match syntax, any case)
// matches any form of m. A bad pattern matches nothing (config refuses it).
func globMatches(glob string, m Model) bool {
	g := strings.ToLower(strings.TrimSpace(glob))
	for _, f := range modelForms(m) {
		if ok, _ := path.Match(g, f); ok {
			return true
		}
	}
	return false
}

// ValidGlob reports whether glob is a valid model-name pattern: path.Match
// syntax, where * matches any run of characters but /.
func ValidGlob(glob string) bool {
	_, err := path.Match(strings.ToLower(glob), "")
	return err == nil && strings.TrimSpace(glob) != ""
}

// fold is the form option values are compared in: lower case, without
// spaces, underscores and hyphens, so "DPM++ 2M", "dpm++_2m" and
// "DPM++2M" are one sampler and "sgm_uniform" is "SGM Uniform".
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '_', '-', '\t':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
}

// maxCloseMatches is how many close matches a refusal names.
const maxCloseMatches = 3

// CloseMatches returns up to n of names close to q, the closest first:
// names q is a prefix of, then names containing q, then names within a
// small edit distance (a third of q's length, at least 2), compared in
// folded form (see fold). Names that fold alike appear once.
func CloseMatches(q string, names []string, n int) []string {
	fq := fold(q)
	if fq == "" || n <= 0 {
		return nil
	}
	limit := max(2, utf8.RuneCountInString(fq)/3)
	type scored struct {
		name  string
		score int
	}
	var found []scored
	seen := map[string]bool{}
	for _, name := range names {
		fn := fold(name)
		if fn == "" || seen[fn] {
			continue
		}
		seen[fn] = true
		var score int
		switch {
		case strings.HasPrefix(fn, fq):
			score = 0
		case strings.Contains(fn, fq):
			score = 1
		default:
			d := editDistance(fq, fn)
			if d > limit {
				continue
			}
			score = 1 + d
		}
		found = append(found, scored{name, score})
	}
	slices.SortStableFunc(found, func(a, b scored) int { return a.score - b.score })
	out := make([]string, 0, min(n, len(found)))
	for _, f := range found[:min(n, len(found))] {
		out = append(out, f.name)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// quoteList renders names for a refusal: "a", "b" or "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = `"` + n + `"`
	}
	return strings.Join(q, ", ")
}
