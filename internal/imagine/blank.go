package imagine

import "unicode"

// IsBlank reports whether s shows nothing: it is empty or holds only
// whitespace and characters that render as nothing, such as zero-width
// spaces and joiners (U+200B–U+200F, U+2060–U+2064, U+FEFF), the soft
// hyphen, variation selectors, Hangul fillers (U+3164, U+115F, U+1160,
// U+FFA0), the blank braille pattern (U+2800), every Unicode space (Zs,
// U+3000 included) and control characters. A prompt like that is no prompt:
// users send it to get around "please describe the image".
func IsBlank(s string) bool {
	for _, r := range s {
		if !invisible(r) {
			return false
		}
	}
	return true
}

// invisible reports whether r renders as nothing (or as mere space).
func invisible(r rune) bool {
	return unicode.IsSpace(r) || r == '\u2800' ||
		unicode.In(r, unicode.Zs, unicode.Cc, unicode.Cf, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}
